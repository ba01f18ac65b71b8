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

import yaml

import pulumi
from plan import engine, report

PROJECT_DIR = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m plan", description=__doc__.split("\n\n")[1])
    parser.add_argument("stack", nargs="?", default="dev", help="stack name (default: dev)")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    args = parser.parse_args(argv)

    try:
        # The program's own prints go to stderr, so --json output stays one document.
        with contextlib.redirect_stdout(sys.stderr):
            plan = engine.run(PROJECT_DIR, args.stack)
    except (pulumi.RunError, engine.ProgramError, FileNotFoundError, yaml.YAMLError) as exc:
        return _fail(str(exc).strip(), args.debug)
    except Exception as exc:  # noqa: BLE001 - any other failure of the program is reported alike
        return _fail(f"the program failed: {type(exc).__name__}: {exc}", args.debug)

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


def _fail(message: str, debug: bool) -> int:
    if debug:
        traceback.print_exc()
    hint = "" if debug else " (--debug shows the traceback)"
    first_line = message.splitlines()[0] if message else "unknown error"
    if isinstance(sys.exc_info()[1], pulumi.RunError | FileNotFoundError):
        hint = ""
    print(f"error: {first_line}{hint}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
