"""The plan as text: a tree of components and resources, counts, outputs, policy results."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from plan.engine import ROOT_STACK_TYPE, Plan, Registration
from plan.policy_run import PolicyException, Violation

HIDDEN_INPUTS = {"tags", "tagsAll"}
VALUE_WIDTH = 48


def render(plan: Plan, violations: list[Violation], exceptions: list[PolicyException]) -> str:
    children: dict[str, list[Registration]] = {}
    for resource in plan.resources:
        children.setdefault(resource.parent, []).append(resource)
    custom = [r for r in plan.resources if r.custom]
    components = [r for r in plan.resources if not r.custom and r.type != ROOT_STACK_TYPE]
    lines = [
        f"Plan for stack {plan.stack} of {plan.project}: "
        f"{len(custom)} resources to create in {len(components)} components",
        "",
        f"+ {plan.project}-{plan.stack}  pulumi:pulumi:Stack",
    ]
    _tree(children, plan.stack_urn, "", lines, _referents(plan))

    layers = Counter(layer_of(r, plan) for r in custom)
    types = Counter(r.type for r in custom)
    lines += ["", "Resources by layer:"]
    lines += [f"  {layer:<24} {n:>4}" for layer, n in sorted(layers.items())]
    lines += ["", "Resources by type:"]
    lines += [f"  {t:<64} {n:>4}" for t, n in sorted(types.items())]
    lines += ["", "Outputs:"]
    lines += [f"  {k}: {_value(v, full=True)}" for k, v in sorted(plan.outputs.items())]
    return "\n".join(lines + _policy_lines(violations, exceptions))


def _policy_lines(violations: list[Violation], exceptions: list[PolicyException]) -> list[str]:
    """Violations grouped by policy, mandatory first; then the exceptions taken, with reasons."""
    mandatory = sum(v.enforcement_level == "mandatory" for v in violations)
    lines = ["", f"Policy violations: {mandatory} mandatory, {len(violations) - mandatory} other"]
    by_policy: dict[tuple[bool, str, str], list[Violation]] = {}
    for v in violations:
        by_policy.setdefault((v.enforcement_level != "mandatory", v.pack, v.policy), []).append(v)
    for (_, pack, policy), found in sorted(by_policy.items()):
        lines.append(f"  [{found[0].enforcement_level}] {pack}/{policy}")
        for v in found:
            lines.append(f"    {v.urn}")
            lines += [f"      {line}" for line in v.message.splitlines()]
    if exceptions:
        lines += ["", "Policy exceptions taken:"]
        lines += [f"  {e.pack}/{e.policy}: {e.resource}: {e.reason}" for e in exceptions]
    return lines


def _referents(plan: Plan) -> dict[str, str]:
    """Each resource's id and ARN, to the resource's name: inputs read "id (name)"."""
    names: dict[str, str] = {}
    for resource in plan.resources:
        if resource.custom and not resource.type.startswith("pulumi:providers:"):
            names[resource.id] = resource.name
            if isinstance(resource.outputs.get("arn"), str):
                names[resource.outputs["arn"]] = resource.name
    return names


def _tree(
    children: dict[str, list[Registration]],
    parent: str,
    indent: str,
    lines: list[str],
    referents: dict[str, str],
) -> None:
    kids = sorted(children.get(parent, []), key=lambda r: (r.custom, r.type, r.name))
    for i, resource in enumerate(kids):
        last = i == len(kids) - 1
        flags = [f for f, on in (("protect", resource.protect),
                                 ("retain", resource.retain_on_delete)) if on]  # fmt: skip
        if resource.ignore_changes:
            flags.append(f"ignoreChanges={','.join(resource.ignore_changes)}")
        head = f"{indent}{'└─' if last else '├─'} {resource.name}  {resource.type}"
        lines.append(head + "".join(f"  [{f}]" for f in flags))
        pad = indent + ("   " if last else "│  ")
        if resource.custom:
            for key, value in sorted(resource.inputs.items()):
                if key not in HIDDEN_INPUTS:
                    text = _value(value)
                    own = (resource.id, resource.outputs.get("arn"))
                    if isinstance(value, str) and value in referents and value not in own:
                        text = f"{_value(value, width=VALUE_WIDTH // 2)} ({referents[value]})"
                    lines.append(f"{pad}{'│  ' if children.get(resource.urn) else '   '}"
                                 f"{key}: {text}")  # fmt: skip
        _tree(children, resource.urn, pad, lines, referents)


def layer_of(resource: Registration, plan: Plan) -> str:
    """The layer a resource belongs to: its nearest component's (`<project>:<layer>:<Name>`)."""
    if resource.type.startswith("pulumi:providers:"):
        return "providers"
    by_urn = {r.urn: r for r in plan.resources}
    node: Registration | None = resource
    while node is not None:
        parts = node.type.split(":")
        if not node.custom and parts[0] == plan.project:
            return parts[1]
        node = by_urn.get(node.parent)
    return "stack"


def _value(value: Any, full: bool = False, width: int = VALUE_WIDTH) -> str:
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    if not full and len(text) > width:
        text = text[: width - 1] + "…"
    return text
