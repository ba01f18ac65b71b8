"""Pin each policy pack to the program's locked Pulumi SDKs and relock it: `make lock`.

The packs run offline in the program's virtualenv (`python -m plan`, the tests); published, each
installs its own `uv.lock` (`toolchain: uv` in `PulumiPolicy.yaml`). Both must hold the same
`pulumi` and `pulumi-policy`, so a pack's pins follow the program's lock, never their own
upgrades (`tests/test_dependencies.py` checks it).
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

POLICIES_DIR = Path(__file__).resolve().parent
PROJECT_DIR = POLICIES_DIR.parent
PACKS = sorted(p.parent for p in POLICIES_DIR.glob("*/PulumiPolicy.yaml"))
UV = Path(sys.executable).parent / "uv"


def locked_versions(lock: Path) -> dict[str, str]:
    """Each package of a uv.lock with the version it pins (the project itself has none)."""
    packages = tomllib.loads(lock.read_text(encoding="utf-8"))["package"]
    return {p["name"]: p["version"] for p in packages if "version" in p}


def pinned(pack: Path) -> list[str]:
    """The pack's dependencies, by name, as they stand in its pyproject.toml."""
    project = tomllib.loads((pack / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [dependency.split("==")[0] for dependency in project["dependencies"]]


def main() -> None:
    subprocess.run([UV, "lock", "--quiet"], cwd=PROJECT_DIR, check=True)
    program = locked_versions(PROJECT_DIR / "uv.lock")
    for pack in PACKS:
        pins = [f"{name}=={program[name]}" for name in pinned(pack)]
        subprocess.run([UV, "add", "--quiet", "--no-sync", *pins], cwd=pack, check=True)
        print(f"{pack.relative_to(PROJECT_DIR)}: {' '.join(pins)}")


if __name__ == "__main__":
    main()
