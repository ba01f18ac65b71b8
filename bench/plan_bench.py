"""Benchmark of the offline plan: `make bench`.

Measures, interleaved in one run so both see the same machine:
- the plan: `python -m plan prd --json`, wall time and peak RSS;
- the floor: a bare Python importing the pulumi_aws classes that plan declares;
- their ratio (target <= 1.5) and the plan's RSS (target < 500 MB);
- plan time against resource count, varying zones and interface endpoints, then services
  (1, 10, 50), with and without the policy packs, and the cost per resource beyond the floor.
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
    """(seconds, peak RSS of the process tree in MB, stdout) of one run of a command.

    The tree's RSS (the plan and the policy packs it starts) is sampled every 10 ms.
    """
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out:
        process = subprocess.Popen(
            command, cwd=PROJECT_DIR, stdout=out, stderr=subprocess.DEVNULL, text=True
        )
        peak = 0
        while process.poll() is None:
            peak = max(peak, tree_rss_kb(process.pid))
            time.sleep(0.01)
        seconds = time.perf_counter() - start
        out.seek(0)
        text = out.read()
    if process.returncode not in (0, 1):
        sys.exit(f"{' '.join(command)} exited {process.returncode}")
    return seconds, peak / 1024, text


def tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and its descendants, from /proc."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        total += next((int(line.split()[1]) for line in status.splitlines()
                       if line.startswith("VmRSS:")), 0)  # fmt: skip
        pending += [int(child) for child in children]
    return total


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
    program_only = [*plan_command("prd"), "--no-policy"]

    times: dict[str, list[float]] = {"plan": [], "program": [], "floor": []}
    rss: list[float] = []
    for _ in range(ROUNDS):
        seconds, peak, _ = timed(plan_command("prd"))
        times["plan"].append(seconds)
        rss.append(peak)
        times["program"].append(timed(program_only)[0])
        times["floor"].append(timed(floor_cmd)[0])
    plan_s, program_s, floor_s = (statistics.median(times[k]) for k in times)
    print(
        f"python -m plan prd --json: {resources} resources, median of {ROUNDS} interleaved rounds"
    )
    print(
        f"  plan             {plan_s * 1000:6.0f} ms  ratio {plan_s / floor_s:4.2f}  (target 1.5)"
    )
    print(f"  --no-policy      {program_s * 1000:6.0f} ms  ratio {program_s / floor_s:4.2f}")
    print(f"  floor            {floor_s * 1000:6.0f} ms  (bare Python importing the same classes)")
    print(f"  plan peak RSS    {max(rss):6.1f} MB  (target < 500 MB; the plan and its packs)")

    stack = yaml.safe_load((PROJECT_DIR / "Pulumi.prd.yaml").read_text())["config"]
    for title, variants in scaled_variants(stack):
        scale(title, stack, variants, floor_s)


def scaled_variants(stack: dict) -> list[tuple[str, list[tuple[str, dict]]]]:
    """Changes to the prd stack file that grow it: zones and endpoints, then services."""
    web = stack["webplatform:services"]["web"]
    # The edge routes to the first service only, and request-count scaling needs a route.
    unrouted = {**web, "autoscaling": {k: v for k, v in web["autoscaling"].items()
                                       if k != "requestsPerTarget"}}  # fmt: skip
    network_variants = [
        (f"{zones} zones, {len(endpoints)} endpoints",
         {"aws:region": region,
          "webplatform:availabilityZones": [region + z for z in letters[:zones]],
          "webplatform:network": {**stack["webplatform:network"], "interfaceEndpoints": endpoints}})
        for region, letters, zones in (("ap-northeast-1", "acd", 2), ("us-east-1", "abcdef", 6))
        for endpoints in ([], ALL_ENDPOINTS)
    ]  # fmt: skip
    service_variants = [
        (f"{n} services", {"webplatform:services": {f"svc{i}": unrouted if i else web
                                                    for i in range(n)},
                           "webplatform:jobs": {}})
        for n in (1, 10, 50)
    ]  # fmt: skip
    return [("zones and endpoints", network_variants), ("services", service_variants)]


def scale(title: str, stack: dict, variants: list[tuple[str, dict]], floor_s: float) -> None:
    """Plan time against resource count over variants of the prd stack file."""
    print(f"\nplan time against resource count, varying {title} (median of 3 rounds each):")
    print(f"  {'variant':<24} {'resources':>9}  {'plan ms':>8}  {'--no-policy ms':>14}"
          f"  {'ms/resource over floor':>22}")  # fmt: skip
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, changes in variants:
            Path(tmp, "Pulumi.bench.yaml").write_text(
                yaml.safe_dump({"config": {**stack, **changes}})
            )
            command = plan_command("bench", Path(tmp))
            full = [timed(command) for _ in range(3)]
            bare = statistics.median(timed([*command, "--no-policy"])[0] for _ in range(3))
            count = len([r for r in json.loads(full[0][2])["resources"] if r["custom"]])
            plan_s = statistics.median(r[0] for r in full)
            rows.append((count, plan_s, bare))
            print(f"  {label:<24} {count:>9}  {plan_s * 1000:>8.0f}  {bare * 1000:>14.0f}"
                  f"  {(bare - floor_s) * 1000 / count:>22.2f}")  # fmt: skip
    (n0, full0, bare0), (n1, full1, bare1) = rows[0], rows[-1]
    print(f"  marginal cost per resource: plan {(full1 - full0) * 1000 / (n1 - n0):.1f} ms, "
          f"--no-policy {(bare1 - bare0) * 1000 / (n1 - n0):.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
