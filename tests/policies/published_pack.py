"""A Python policy pack as ``pulumi policy publish`` packages it and Pulumi later unpacks it.

``pulumi policy publish`` archives the directory it runs in (the CLI's ``archive.TGZ`` with its
default excludes, under a ``package/`` prefix): every file below it, symbolic links resolved to
what they point at, except ``.git`` and the files that a ``.gitignore`` in that directory, below
it or above it excludes. When a stack needs the pack, Pulumi unpacks the archive, makes the
virtualenv that ``PulumiPolicy.yaml`` names, installs the pack's ``uv.lock`` into it (``uv sync``,
the ``uv`` toolchain) and runs the pack from ``package/``; ``requirements`` gives what that
virtualenv would hold.
"""

from __future__ import annotations

import importlib.metadata
import io
import os
import tarfile
import tomllib
from collections.abc import Iterable, Iterator
from pathlib import Path

import pathspec
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

PREFIX = "package"


def _ignore_rules(directory: Path) -> pathspec.GitIgnoreSpec | None:
    path = directory / ".gitignore"
    if not path.is_file():
        return None
    return pathspec.GitIgnoreSpec.from_lines(path.read_text(encoding="utf-8").splitlines())


def files(pack_dir: Path) -> Iterator[Path]:
    """The files the archive holds, as paths below ``pack_dir`` (links not resolved)."""
    pack_dir = Path(pack_dir).absolute()
    rules = [(d, spec) for d in pack_dir.parents if (spec := _ignore_rules(d)) is not None]
    for root, dirs, names in os.walk(pack_dir, followlinks=True):
        here = Path(root)
        if (spec := _ignore_rules(here)) is not None:
            rules.append((here, spec))
        dirs[:] = sorted(d for d in dirs if d != ".git")
        for name in sorted(names):
            path = here / name
            if name == ".git" or any(
                path.is_relative_to(base) and spec.match_file(path.relative_to(base).as_posix())
                for base, spec in rules
            ):
                continue
            yield path


def archive(pack_dir: Path) -> bytes:
    """The .tar.gz that ``pulumi policy publish`` uploads for ``pack_dir``."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", dereference=True) as tar:
        for path in files(pack_dir):
            name = f"{PREFIX}/{path.relative_to(Path(pack_dir).absolute()).as_posix()}"
            tar.add(path, arcname=name, recursive=False)
    return buffer.getvalue()


def unpack(data: bytes, into: Path) -> Path:
    """Unpack an archive as Pulumi does; the pack's directory."""
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        tar.extractall(into, filter="data")
    return Path(into) / PREFIX


def requirements(pack_dir: Path) -> set[str]:
    """The distributions that the pack's locked dependencies bring in (as installed here)."""
    pyproject = tomllib.loads((Path(pack_dir) / "pyproject.toml").read_text(encoding="utf-8"))
    return _closure(Requirement(r).name for r in pyproject["project"]["dependencies"])


def _closure(names: Iterable[str]) -> set[str]:
    found: set[str] = set()
    todo = [canonicalize_name(n) for n in names]
    while todo:
        name = todo.pop()
        if name in found:
            continue
        found.add(name)
        for text in importlib.metadata.requires(name) or []:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(canonicalize_name(requirement.name))
    return found
