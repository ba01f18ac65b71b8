"""Stack files as the Pulumi CLI reads them, and what only the set of them can tell.

The CLI's YAML reader refuses a key repeated in one mapping and reads YAML 1.2 booleans
(`true`, `false`; `yes` and `on` stay text); `StackFileLoader` does the same, so a repeated
`web:` entry is an error naming its line instead of silently replacing the first.
"""

import ipaddress
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import yaml


class StackFileLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing duplicate keys, with YAML 1.2's booleans only."""

    yaml_implicit_resolvers: ClassVar[dict[Any, list[tuple[str, re.Pattern[str]]]]] = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)  # type: ignore[no-untyped-call]
            line = key_node.start_mark.line + 1
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"key {key!r} appears twice in one mapping (first on line {seen[key]})",
                    key_node.start_mark,
                )
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


StackFileLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def read_yaml(text: str) -> Any:
    """A stack or project file's document; yaml.MarkedYAMLError on a mistake."""
    return yaml.load(text, Loader=StackFileLoader)


def overlapping_networks(stack_path: Path, project: str) -> Iterator[str]:
    """A warning for each other stack file beside `stack_path` whose VPC CIDR overlaps this
    one's: peering or a transit gateway later needs the ranges apart."""
    own = _cidr(stack_path, project)
    if own is None:
        return
    for other in sorted(stack_path.parent.glob("Pulumi.*.yaml")):
        if other.name == stack_path.name:
            continue
        cidr = _cidr(other, project)
        if cidr is not None and cidr.overlaps(own):
            yield (
                f"{stack_path.name}: {project}:network.cidr {own} overlaps {cidr} of "
                f"{other.name}; give each stack its own range so the networks can be peered"
            )


def _cidr(path: Path, project: str) -> ipaddress.IPv4Network | None:
    try:
        config = (read_yaml(path.read_text()) or {}).get("config") or {}
        return ipaddress.IPv4Network(config[f"{project}:network"]["cidr"])
    except (yaml.YAMLError, OSError, AttributeError, KeyError, TypeError, ValueError):
        return None
