"""Benchmark of the offline plan: `make bench`.

Measures, interleaved in one run so both see the same machine:
- the plan: `python -m plan prd --json`, wall time and peak RSS;
- the floor: a bare Python importing the pulumi_aws classes that plan declares;
- their ratio (target <= 1.5) and the plan's RSS (target < 500 MB);
- plan time against resource count, varying zones and interface endpoints, as the cost per
  resource beyond the floor.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

PROJECT_DIR = Path(__file__).resolve().parent.parent
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
ALL_ENDPOINTS = ["ecr.api", "ecr.dkr", "logs", "ssm", "ssmmessages", "secretsmanager", "kms", "sts"]


def timed(command: list[str]) -> tuple[float, float, str]:
    """(seconds, peak RSS in MB, stdout) of one run of a command."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=PROJECT_DIR, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert process.stdout is not None
    out = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):
        sys.exit(f"{' '.join(command)} exited {process.returncode}")
    return seconds, usage.ru_maxrss / 1024, out


def floor_command(document: dict) -> list[str]:
    """A Python that imports exactly the pulumi_aws classes the plan declares."""
    lines = ["import pulumi, pulumi_aws"]
    for type_token in sorted({r["type"] for r in document["resources"] if r["custom"]}):
        package, module, name = type_token.split(":")
        if package == "pulumi":
            lines.append("pulumi_aws.Provider")
        elif package == "aws":
            module = module.split("/")[0]
            module = f"{module}_" if module == "lambda" else module
            lines.append(f"pulumi_aws.{module}.{name}")
    return [sys.executable, "-c", "\n".join(lines)]


def plan_command(stack: str, config_dir: Path | None = None) -> list[str]:
    command = [sys.executable, "-m", "plan", stack, "--json"]
    return command + (["--stack-config-dir", str(config_dir)] if config_dir else [])


def main() -> None:
    _, _, out = timed(plan_command("prd"))  # warm the file cache
    document = json.loads(out)
    resources = len([r for r in document["resources"] if r["custom"]])
    floor_cmd = floor_command(document)

    plan_times, floor_times, rss = [], [], []
    for _ in range(ROUNDS):
        seconds, peak, _ = timed(plan_command("prd"))
        plan_times.append(seconds)
        rss.append(peak)
        floor_times.append(timed(floor_cmd)[0])
    plan_s, floor_s = statistics.median(plan_times), statistics.median(floor_times)
    print(f"python -m plan prd --json   {resources} resources, median of {ROUNDS} rounds")
    print(f"  plan   {plan_s * 1000:8.0f} ms   peak RSS {max(rss):6.1f} MB (target < 500 MB)")
    print(
        f"  floor  {floor_s * 1000:8.0f} ms   (bare Python importing the same pulumi_aws classes)"
    )
    print(f"  ratio  {plan_s / floor_s:8.2f}      (target <= 1.5)")

    print("\nplan time against resource count (prd tier; median of 3 rounds):")
    header = ("zones", "endpoints", "resources", "plan ms", "ms/resource over floor")
    print("  {:>5} {:>9} {:>9} {:>8} {:>23}".format(*header))
    stack = yaml.safe_load((PROJECT_DIR / "Pulumi.prd.yaml").read_text())
    with tempfile.TemporaryDirectory() as tmp:
        for region, zones in (("ap-northeast-1", 2), ("ap-northeast-1", 3), ("us-east-1", 6)):
            for endpoints in ([], ALL_ENDPOINTS):
                config = dict(stack["config"])
                config["aws:region"] = region
                config["webplatform:availabilityZones"] = [
                    f"{region}{letter}"
                    for letter in ("acd" if region == "ap-northeast-1" else "abcdef")
                ][:zones]
                config["webplatform:network"] = {
                    **config["webplatform:network"],
                    "interfaceEndpoints": endpoints,
                }
                Path(tmp, "Pulumi.bench.yaml").write_text(yaml.safe_dump({"config": config}))
                runs = [timed(plan_command("bench", Path(tmp))) for _ in range(3)]
                seconds = statistics.median(r[0] for r in runs)
                count = len([r for r in json.loads(runs[0][2])["resources"] if r["custom"]])
                per = (seconds - floor_s) * 1000 / count
                row = (zones, len(endpoints), count, f"{seconds * 1000:.0f}", f"{per:.2f}")
                print("  {:>5} {:>9} {:>9} {:>8} {:>23}".format(*row))


if __name__ == "__main__":
    main()
