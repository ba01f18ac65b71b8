"""Regenerate ``tagging_policies/taggable_types.py`` from the installed pulumi_aws.

A resource type is taggable when its pulumi_aws class has a ``tags_all`` property: those are the
types whose provider merges the provider's ``defaultTags`` into ``tagsAll``. The pack itself
never imports pulumi_aws (its requirements do not include it, and importing it is slow), so the
list is written once into a plain module and committed. Run it again after upgrading pulumi_aws:

    python policies/tagging/tools/generate_taggable_types.py

It needs pulumi_aws installed (the project's virtualenv has it).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys
from pathlib import Path

OUTPUT = Path(__file__).resolve().parent.parent / "tagging_policies" / "taggable_types.py"


def taggable_types() -> tuple[str, list[str]]:
    """Return (pulumi_aws version, sorted type tokens of taggable resources)."""
    from importlib.metadata import version

    import pulumi
    import pulumi_aws
    from pulumi.type_token import get_type_token

    tokens: set[str] = set()
    for service in pkgutil.iter_modules(pulumi_aws.__path__):
        if not service.ispkg or service.name == "config":
            continue
        module = importlib.import_module(f"pulumi_aws.{service.name}")
        getattr(module, "_utilities", None)  # service modules load lazily: force the load
        for attr in dir(module):
            cls = getattr(module, attr)
            if not inspect.isclass(cls) or not issubclass(cls, pulumi.CustomResource):
                continue
            token = get_type_token(cls)
            if token and isinstance(inspect.getattr_static(cls, "tags_all", None), property):
                tokens.add(token)
    return version("pulumi_aws"), sorted(tokens)


def render(provider_version: str, tokens: list[str]) -> str:
    lines = [
        '"""Type tokens of taggable AWS resources (their pulumi_aws class has ``tags_all``).',
        "",
        f"Written by tools/generate_taggable_types.py from pulumi_aws {provider_version}; do not",
        "edit by hand, run the tool again after upgrading the provider.",
        '"""',
        "",
        f'PROVIDER_VERSION = "{provider_version}"',
        "",
        "TAGGABLE_TYPES: frozenset[str] = frozenset(",
        "    {",
        *(f'        "{token}",' for token in tokens),
        "    }",
        ")",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    provider_version, tokens = taggable_types()
    OUTPUT.write_text(render(provider_version, tokens))
    print(f"{len(tokens)} taggable types from pulumi_aws {provider_version} -> {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
