"""Drive policies the way the policy SDK's analyzer does, without starting a server.

Props, provider props and config go through the same conversions as in
``pulumi_policy.policy._PolicyAnalyzerServicer``: a protobuf Struct (numbers become floats),
``deserialize_properties`` and the ``unknown_checking_proxy``.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from google.protobuf import json_format, struct_pb2
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

POLICIES_DIR = Path(__file__).resolve().parents[2] / "policies"
PACKS = ("tagging", "encryption", "guardrails")
# The CLI runs each pack with its own directory first on sys.path; each pack holds the shared
# policy_support module (a link to policies/policy_support.py).
for _path in (POLICIES_DIR / pack for pack in PACKS):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

UNKNOWN = UNKNOWN_STRING_VALUE


class _Delete:
    """Removes a property in ``mutate``; named in test ids the same in every process."""

    def __repr__(self) -> str:
        return "DELETE"


DELETE = _Delete()
STACK = "dev"
PROJECT = "webplatform"


def struct(value: Mapping[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(value)
    return message


def engine_props(props: Mapping[str, Any]) -> Mapping[str, Any]:
    """Props as the analyzer hands them to a policy."""
    return unknown_checking_proxy(deserialize_properties(json_format.MessageToDict(struct(props))))


def engine_config(config: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Policy config as Configure stores it (MessageToDict of the properties Struct)."""
    return json_format.MessageToDict(struct(config)) if config else None


def urn(resource_type: str, name: str) -> str:
    return f"urn:pulumi:{STACK}::{PROJECT}::{resource_type}::{name}"


def options(protect: bool = False) -> PolicyResourceOptions:
    return PolicyResourceOptions(protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], None)


def mutate(props: Mapping[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of ``props`` with ``path`` ("a.b.0.c") set to ``value`` (DELETE removes it)."""
    result = copy.deepcopy(dict(props))
    *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
    node: Any = result
    for step in parents:
        node = node[step]
    if value is DELETE:
        del node[last]
    else:
        node[last] = value
    return result


def check_resource(
    policy,
    resource_type: str,
    props: Mapping[str, Any],
    *,
    name: str = "web-res",
    config: Mapping[str, Any] | None = None,
    protect: bool = False,
    provider_props: Mapping[str, Any] | None = None,
) -> list[str]:
    """Messages the policy reports for one resource."""
    provider = None
    if provider_props is not None:
        provider = PolicyProviderResource(
            "pulumi:providers:aws",
            engine_props(provider_props),
            urn("pulumi:providers:aws", "main"),
            "main",
        )
    args = ResourceValidationArgs(
        resource_type,
        engine_props(props),
        urn(resource_type, name),
        name,
        options(protect),
        provider,
        engine_config(config),
    )
    found: list[str] = []
    policy.validate(args, lambda message, _urn=None: found.append(message))
    return found


@dataclass
class Res:
    """A stack resource: outputs, and the names its properties depend on."""

    type: str
    name: str
    props: dict[str, Any]
    deps: dict[str, list[str]] = field(default_factory=dict)
    protect: bool = False


def check_stack(policy, resources: list[Res], config=None, sink=None) -> list[tuple[str, str]]:
    """(resource name, message) pairs the stack policy reports (also appended to ``sink``)."""
    built = {
        r.name: PolicyResource(
            r.type,
            engine_props(r.props),
            urn(r.type, r.name),
            r.name,
            options(r.protect),
            None,
            None,
            [],
            {},
        )
        for r in resources
    }
    for r in resources:
        for prop, names in r.deps.items():
            built[r.name].property_dependencies[prop] = [built[n] for n in names]
            built[r.name].dependencies.extend(built[n] for n in names)
    by_urn = {res.urn: name for name, res in built.items()}
    found: list[tuple[str, str]] = sink if sink is not None else []
    args = StackValidationArgs(list(built.values()), engine_config(config))
    policy.validate(args, lambda message, u=None: found.append((by_urn.get(u, ""), message)))
    return found
