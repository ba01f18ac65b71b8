"""python -m plan <stack> [--program DIR] [--json | --diagram] [--debug]

Prints what `pulumi preview --stack <stack> --policy-pack policies/<pack>` would report,
without the Pulumi CLI, AWS credentials or a network. Exit status: 0 fine, 1 mandatory policy
violations, 2 bad config, a program error or a policy pack that fails.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import traceback
from pathlib import Path

import pulumi

from plan import diagram, engine, report
from plan.policy_run import PolicyPackError, PolicyRun

PROJECT_DIR = Path(__file__).resolve().parent.parent
POLICY_PACKS = sorted(p.parent for p in (PROJECT_DIR / "policies").glob("*/PulumiPolicy.yaml"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m plan", description=__doc__.split("\n\n")[1])
    parser.add_argument("stack", nargs="?", default="dev", help="stack name (default: dev)")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument(
        "--diagram",
        action="store_true",
        help="print the platform as a Mermaid flowchart (no policy run)",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    parser.add_argument(
        "--no-policy",
        action="store_true",
        help="skip the policy packs, as a preview without --policy-pack does",
    )
    parser.add_argument(
        "--program",
        type=Path,
        default=Path("."),
        help="the Pulumi program's directory, relative to the repository (default: the "
        "platform; bootstrap for the account program)",
    )
    parser.add_argument(
        "--stack-config-dir",
        type=Path,
        help="where Pulumi.<stack>.yaml is, if not beside Pulumi.yaml (as stackConfigDir)",
    )
    args = parser.parse_args(argv)
    program_dir = PROJECT_DIR / args.program

    try:
        project, config, _ = engine.read_stack_config(
            program_dir, args.stack, args.stack_config_dir
        )
        # The packs boot while the program runs; the program's prints go to stderr, so --json
        # output stays one document.
        packs = [] if args.no_policy or args.diagram else POLICY_PACKS
        with (
            PolicyRun(packs, project=project, stack=args.stack, config=config) as policies,
            contextlib.redirect_stdout(sys.stderr),
        ):
            plan = engine.run(program_dir, args.stack, args.stack_config_dir)
            environment = config.get(f"{project}:environment", args.stack)
            records = [r.to_policy_record() for r in plan.resources]
            violations, exceptions = policies.analyze(records, environment)
    except PolicyPackError as exc:
        return _fail(str(exc), args.debug, whole=True)
    except (pulumi.RunError, engine.ProgramError, engine.StackFileError) as exc:
        return _fail(str(exc), args.debug)
    except Exception as exc:  # any other failure of the program is reported alike
        return _fail(f"the program failed: {type(exc).__name__}: {exc}", args.debug, hint=True)

    if args.diagram:
        print(diagram.render(plan))
        return 0
    if args.json:
        document = {
            "project": plan.project,
            "stack": plan.stack,
            "resources": [r.to_json() for r in plan.resources],
            "outputs": plan.outputs,
            "policyViolations": [v.to_json() for v in violations],
        }
        print(json.dumps(document, indent=2))
    else:
        print(report.render(plan, violations, exceptions))
    return 1 if any(v.enforcement_level == "mandatory" for v in violations) else 0


def _fail(message: str, debug: bool, hint: bool = False, whole: bool = False) -> int:
    """The error on stderr (its first line unless `whole`), exit status 2; the traceback only
    when asked for."""
    if debug:
        traceback.print_exc()
    text = message.strip() or "unknown error"
    if not whole:
        text = text.splitlines()[0]
    suffix = " (--debug shows the traceback)" if hint and not debug else ""
    print(f"error: {text}{suffix}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
