"""python -m plan <stack> [--json] [--debug]

Prints what `pulumi preview --stack <stack>` would create, without the Pulumi CLI, AWS
credentials or a network. Exit status: 0 fine, 1 mandatory policy violations, 2 bad config
or a program error.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import traceback
from pathlib import Path

import pulumi

from plan import engine, report

PROJECT_DIR = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m plan", description=__doc__.split("\n\n")[1])
    parser.add_argument("stack", nargs="?", default="dev", help="stack name (default: dev)")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    parser.add_argument(
        "--stack-config-dir",
        type=Path,
        help="where Pulumi.<stack>.yaml is, if not beside Pulumi.yaml (as stackConfigDir)",
    )
    args = parser.parse_args(argv)

    try:
        # The program's own prints go to stderr, so --json output stays one document.
        with contextlib.redirect_stdout(sys.stderr):
            plan = engine.run(PROJECT_DIR, args.stack, args.stack_config_dir)
    except (pulumi.RunError, engine.ProgramError, engine.StackFileError) as exc:
        return _fail(str(exc), args.debug)
    except Exception as exc:
        return _fail(f"the program failed: {type(exc).__name__}: {exc}", args.debug, hint=True)

    violations: list[dict] = []
    if args.json:
        document = {
            "project": plan.project,
            "stack": plan.stack,
            "resources": [r.to_json() for r in plan.resources],
            "outputs": plan.outputs,
            "policyViolations": violations,
        }
        print(json.dumps(document, indent=2))
    else:
        print(report.render(plan))
    return 1 if any(v["enforcementLevel"] == "mandatory" for v in violations) else 0


def _fail(message: str, debug: bool, hint: bool = False) -> int:
    """One line on stderr, exit status 2; the traceback only when asked for."""
    if debug:
        traceback.print_exc()
    lines = message.strip().splitlines() or ["unknown error"]
    suffix = " (--debug shows the traceback)" if hint and not debug else ""
    print(f"error: {lines[0]}{suffix}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
