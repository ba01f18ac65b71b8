"""Each pack as ``pulumi policy publish`` uploads it: archived alone, unpacked elsewhere, started
as the CLI starts a Python pack and driven over the analyzer protocol, with nothing from the
repository on its path."""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import re
import sysconfig
from importlib.util import source_from_cache
from pathlib import Path

import pytest
import yaml
from packaging.utils import canonicalize_name
from policy_harness import PACKS, POLICIES_DIR
from published_pack import archive, files, requirements, unpack

from plan.policy_run import PolicyRun

SEMVER = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?")
UNTAGGED_TOPIC = {
    "urn": "urn:pulumi:prd::webplatform::aws:sns/topic:Topic::alerts",
    "type": "aws:sns/topic:Topic",
    "name": "alerts",
    "inputs": {"name": "alerts", "tagsAll": {}},
    "outputs": {"name": "alerts", "tagsAll": {}, "arn": "arn:aws:sns:ap-northeast-1:1:alerts"},
}
KEY_WITHOUT_ROTATION = {
    "urn": "urn:pulumi:prd::webplatform::aws:kms/key:Key::data",
    "type": "aws:kms/key:Key",
    "name": "data",
    "inputs": {"description": "data", "tagsAll": {}},
    "outputs": {"description": "data", "tagsAll": {}, "arn": "arn:aws:kms:ap-northeast-1:1:key/d"},
}
FLAGGED = {
    "tagging": ("tagging-aws-required-tags", "alerts"),
    "encryption": ("encryption-sns-topic-kms", "alerts"),
    "guardrails": ("guardrails-kms-key-rotation", "data"),
}
LOADED = re.compile(r"^# (?:code object from|extension module '[^']+' loaded from) '?(.+?)'?$")


def loaded_files(trace: str, cwd: Path) -> set[Path]:
    """The source (or extension) files a ``python -v`` trace shows being imported."""
    found = set()
    for match in filter(None, map(LOADED.match, trace.splitlines())):
        path = cwd / match[1]
        found.add(Path(source_from_cache(path) if path.parent.name == "__pycache__" else path))
    return {p.resolve() for p in found}


def distributions(paths: set[Path], site: Path) -> set[str]:
    """The installed distributions that ``paths`` below ``site`` belong to."""
    owners = importlib.metadata.packages_distributions()
    tops = {p.relative_to(site).parts[0].removesuffix(".py").split(".")[0] for p in paths}
    return {canonicalize_name(d) for top in tops for d in owners[top]}


@pytest.fixture
def clean_environment(monkeypatch, tmp_path):
    """No PYTHONPATH or user site; the interpreter traces its imports; cwd outside the repo."""
    for name in [n for n in os.environ if n.startswith("PYTHON")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("PYTHONNOUSERSITE", "1")
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    monkeypatch.setenv("PYTHONVERBOSE", "1")
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize("pack", PACKS)
def test_a_published_pack_runs_alone(pack, tmp_path, clean_environment):
    package = unpack(archive(POLICIES_DIR / pack), tmp_path / "unpacked")
    assert not any(p.is_symlink() for p in package.rglob("*"))

    with PolicyRun([package], project="webplatform", stack="prd") as run:
        violations, _ = run.analyze([UNTAGGED_TOPIC, KEY_WITHOUT_ROTATION], "prd")
        (process,) = run.packs
        info = process.analyzer_info()
        trace = process.stderr_text()

    assert info.name == f"webplatform-{pack}"
    assert [p.name for p in info.policies] == [p.name for p in pack_policies(pack)]
    assert FLAGGED[pack] in {(v.policy, v.urn.rsplit("::", 1)[-1]) for v in violations}
    assert {v.enforcement_level for v in violations} == {"mandatory"}

    loaded = loaded_files(trace, package)
    paths = sysconfig.get_paths()
    site = Path(paths["purelib"]).resolve()
    system = [Path(paths[k]).resolve() for k in ("stdlib", "platstdlib", "purelib", "platlib")]
    assert package.resolve() / "policy_support.py" in loaded
    assert package.resolve() / f"{pack}_policies" / "__init__.py" in loaded
    foreign = [
        p for p in loaded if not any(p.is_relative_to(d) for d in [package.resolve(), *system])
    ]
    assert foreign == [], "imported from outside the pack and its interpreter"
    installed = distributions({p for p in loaded if p.is_relative_to(site)}, site)
    assert installed - requirements(package) == set(), "not brought in by the pack's dependencies"


def pack_policies(pack: str) -> list:
    return importlib.import_module(f"{pack}_policies").POLICIES


@pytest.mark.parametrize("pack", PACKS)
def test_the_shared_module_is_one_file_linked_from_each_pack(pack):
    link = POLICIES_DIR / pack / "policy_support.py"
    assert link.is_symlink()
    assert os.readlink(link) == "../policy_support.py"
    assert link.resolve() == (POLICIES_DIR / "policy_support.py").resolve()


@pytest.mark.parametrize("pack", PACKS)
def test_the_archive_leaves_out_a_local_virtualenv_and_bytecode(pack):
    ignore = (POLICIES_DIR / pack / ".gitignore").read_text().split()
    assert {"venv/", "__pycache__/", "*.pyc"} <= set(ignore)


@pytest.mark.parametrize("pack", PACKS)
def test_each_pack_has_a_version_to_publish(pack):
    project = yaml.safe_load((POLICIES_DIR / pack / "PulumiPolicy.yaml").read_text())
    assert SEMVER.fullmatch(str(project["version"])), project["version"]


def test_the_archive_follows_links_and_ignore_files_like_the_cli(tmp_path):
    (tmp_path / ".gitignore").write_text("*.log\n")
    shared = tmp_path / "shared.py"
    shared.write_text("X = 1\n")
    pack = tmp_path / "pack"
    for directory in ("venv/lib", ".git", "mod/__pycache__"):
        (pack / directory).mkdir(parents=True)
    (pack / ".gitignore").write_text("venv/\n__pycache__/\n")
    for name in ("__main__.py", "run.log", "venv/lib/x.py", ".git/HEAD", "mod/a.py"):
        (pack / name).write_text("")
    (pack / "mod/__pycache__/a.pyc").write_text("")
    (pack / "shared.py").symlink_to("../shared.py")

    assert [p.relative_to(pack).as_posix() for p in files(pack)] == [
        ".gitignore",
        "__main__.py",
        "shared.py",
        "mod/a.py",
    ]
    package = unpack(archive(pack), tmp_path / "out")
    assert (package / "shared.py").read_text() == "X = 1\n"
    assert not (package / "shared.py").is_symlink()
