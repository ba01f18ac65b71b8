"""Pinned, locked dependencies: what a fresh machine installs is what these tests ran with."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import subprocess
import tomllib
from fnmatch import fnmatch
from itertools import chain

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import PROJECT_DIR

_spec = importlib.util.spec_from_file_location("policies_lock", PROJECT_DIR / "policies/lock.py")
assert _spec and _spec.loader
lock = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(lock)
PACKS, UV, locked_versions = lock.PACKS, lock.UV, lock.locked_versions
PYPROJECT = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())
LOCKS = [PROJECT_DIR / "uv.lock", *(pack / "uv.lock" for pack in PACKS)]


def requirements() -> list[Requirement]:
    groups = PYPROJECT["dependency-groups"].values()
    return [Requirement(r) for r in [*PYPROJECT["project"]["dependencies"], *chain(*groups)]]


def test_every_dependency_is_pinned_exactly():
    loose = [str(r) for r in requirements() if [s.operator for s in r.specifier] != ["=="]]
    assert loose == []


def test_the_tests_run_on_the_locked_versions():
    locked = locked_versions(PROJECT_DIR / "uv.lock")
    for requirement in requirements():
        name = canonicalize_name(requirement.name)
        assert importlib.metadata.version(name) == locked[name], name


@pytest.mark.parametrize("lock", LOCKS, ids=lambda p: str(p.parent.relative_to(PROJECT_DIR)))
def test_locks_name_only_the_public_index(lock):
    """No machine-local index (a file:// mirror, a proxy) leaks into a lock: a fresh machine
    elsewhere must be able to install from it."""
    packages = tomllib.loads(lock.read_text())["package"]
    sources = {next(iter(p["source"].items())) for p in packages}
    assert {kind for kind, _ in sources} == {"registry", "virtual"}
    assert {url for kind, url in sources if kind == "registry"} == {"https://pypi.org/simple"}
    urls = [f["url"] for p in packages for f in [p.get("sdist", {}), *p.get("wheels", [])] if f]
    assert urls and all(u.startswith("https://files.pythonhosted.org/") for u in urls)


@pytest.mark.parametrize("project", [PROJECT_DIR, *PACKS], ids=lambda p: p.name)
def test_each_lock_is_up_to_date_with_its_pyproject(project, tmp_path):
    environment = {**os.environ, "UV_CACHE_DIR": str(tmp_path), "UV_OFFLINE": "1"}
    checked = subprocess.run(
        [UV, "lock", "--check"], cwd=project, env=environment, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr


@pytest.mark.parametrize("pack", PACKS, ids=lambda p: p.name)
def test_each_pack_locks_the_sdks_the_program_runs_it_with(pack):
    program = locked_versions(PROJECT_DIR / "uv.lock")
    locked = locked_versions(pack / "uv.lock")
    dependencies = tomllib.loads((pack / "pyproject.toml").read_text())["project"]["dependencies"]
    for name in [Requirement(d).name for d in dependencies]:
        assert locked[name] == program[name], f"{pack.name}: {name} (run `make lock`)"
    assert set(locked) - {f"webplatform-{pack.name}"} <= set(program)


@pytest.mark.parametrize(
    "project_file",
    [PROJECT_DIR / "Pulumi.yaml", *(pack / "PulumiPolicy.yaml" for pack in PACKS)],
    ids=lambda p: str(p.relative_to(PROJECT_DIR)),
)
def test_pulumi_installs_with_uv_from_the_lock(project_file):
    options = yaml.safe_load(project_file.read_text())["runtime"]["options"]
    assert options == {"toolchain": "uv", "virtualenv": "venv"}
    assert (project_file.parent / "uv.lock").is_file()
    assert not (project_file.parent / "requirements.txt").exists()


def test_dependabot_proposes_the_pulumi_sdks_together_in_one_pull_request():
    config = yaml.safe_load((PROJECT_DIR / ".github" / "dependabot.yml").read_text())
    updates = {u["package-ecosystem"]: u for u in config["updates"]}
    assert set(updates) == {"uv", "github-actions"}
    assert updates["uv"]["directory"] == "/" and "directories" not in updates["uv"]
    groups = updates["uv"]["groups"]

    def group_of(name: str) -> str:
        return next(
            g for g, rule in groups.items() if any(fnmatch(name, p) for p in rule["patterns"])
        )

    names = {canonicalize_name(r.name) for r in requirements()}
    sdks = {n for n in names if n == "pulumi" or n.startswith("pulumi-")}
    assert {"pulumi", "pulumi-aws", "pulumi-policy"} <= sdks
    assert {group_of(n) for n in sdks} == {"pulumi"}
    assert "pulumi" not in {group_of(n) for n in names - sdks}
