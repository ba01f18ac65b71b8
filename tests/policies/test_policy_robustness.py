"""No policy raises on a resource's inputs, whatever their shape.

The real program's prd stack and the insecure fixture are planned once, keeping one resource of
each type. For every type a policy checks or reads, each example takes that resource and makes
one variant per node of its inputs, the node replaced by junk (null, a map where a string was, a
list where a map was, numbers, text that nearly means something, nested junk, and secret and
unknown values as the analyzer protocol encodes them), a junk entry added to a map, or an
element of a list repeated; JSON documents such as IAM policies are edited inside. The variants
go over gRPC, each through Analyze and all of them within the stack through AnalyzeStack, to
each pack with a policy that checks or sees that type (the others would only decode them). An
exception in a policy fails the whole call, and so the test; a "can't run" diagnostic is only
allowed where an unknown value was read (half the examples hold none).

Each pack is started once for the module. Examples are derandomized, so a run is the same every
time; ``POLICY_FUZZ_EXAMPLES`` (default 5) sets how many per type.
"""

from __future__ import annotations

import copy
import importlib
import json
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from policy_harness import PACKS, POLICIES_DIR, Res, check_stack
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from plan import engine
from plan.__main__ import PROJECT_DIR
from plan.policy_run import (
    PolicyPackProcess,
    _analyze_request,
    _stack_resource,
    load_policy_pack_config,
    reconcile_policy_config,
)
from tagging_policies.taggable_types import TAGGABLE_TYPES
from tests.conftest import FIXTURES

BUCKET = "aws:s3/bucket:Bucket"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SECRET_SIG = "4dabf18193072939515e22adb298388d"
SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270"
EXAMPLES = int(os.environ.get("POLICY_FUZZ_EXAMPLES", "5"))
PROVIDER_URN = "urn:pulumi:prd::webplatform::pulumi:providers:aws::junk"
NEARLY = ["", " ", "*", "inf", "-inf", "nan", "1e400", "-1", "0x10", "true", "FALSE", "null"]
NEARLY += ["0.0.0.0/0", "::/0", "aws:kms", "AES256", "arn:aws:iam::aws:policy/AdministratorAccess"]


def by_default(algorithm: Any) -> dict[str, Any]:
    return {"applyServerSideEncryptionByDefault": {"sseAlgorithm": algorithm}}


def secret(value: Any) -> dict[str, Any]:
    return {SECRET_SIG: SECRET_VALUE, "value": value}


@dataclass
class Embedded:
    """A JSON document held in a string (an IAM policy, container definitions)."""

    document: Any


def embed(value: Any) -> Any:
    """``value`` with JSON documents in strings decoded, so mutations reach inside them."""
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return Embedded(embed(json.loads(value)))
        except ValueError:
            return value
    if isinstance(value, dict):
        return {k: embed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [embed(v) for v in value]
    return value


def unembed(value: Any) -> Any:
    if isinstance(value, Embedded):
        return json.dumps(unembed(value.document))
    if isinstance(value, dict):
        return {k: unembed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unembed(v) for v in value]
    return value


def nodes(value: Any, path: tuple = ()) -> Iterator[tuple]:
    """The path of every node below ``value`` (an Embedded counts as its document; a secret is
    one node, since the engine never sends a malformed one)."""
    yield path
    inner = value.document if isinstance(value, Embedded) else value
    if isinstance(inner, dict | list) and not (isinstance(inner, dict) and SECRET_SIG in inner):
        for key, child in inner.items() if isinstance(inner, dict) else enumerate(inner):
            yield from nodes(child, (*path, key))


def vocabulary(records: list[dict]) -> tuple[str, ...]:
    keys: set[str] = set()
    for record in records:
        tree = embed(record["outputs"])
        for path in nodes(tree):
            keys.update(k for k in path if isinstance(k, str))
    return tuple(sorted(keys))


def junk_values(keys: tuple[str, ...], unknowns: bool) -> list[Any]:
    """Values of every shape a policy might not expect; hypothesis shrinks towards the first."""
    values = [
        None,
        {},
        [],
        {keys[0]: "x"},
        {"": ["x"]},
        [{}],
        ["x", None],
        [["x"]],
        [[{keys[-1]: [None]}]],
        {keys[len(keys) // 2]: {"": []}},
        True,
        0,
        -1.5,
        1e300,
        *NEARLY,
        secret("x"),
        secret({"a": [1]}),
        secret([None]),
        secret(None),
    ]
    unknown = [UNKNOWN_STRING_VALUE, [UNKNOWN_STRING_VALUE], {keys[1]: UNKNOWN_STRING_VALUE}]
    return values + unknown if unknowns else values


def at(tree: Any, path: tuple) -> Any:
    for step in path:
        tree = (tree.document if isinstance(tree, Embedded) else tree)[step]
    return tree.document if isinstance(tree, Embedded) else tree


@st.composite
def variants(draw, props: dict[str, Any], keys: tuple[str, ...]) -> list[dict[str, Any]]:
    """One copy of ``props`` per node, with that node edited: replaced by junk, or (a map) given
    a junk entry, or (a list) an element repeated, so two rules stand where there was one. Half
    the examples hold no unknown value."""
    pool = st.sampled_from(junk_values(keys, draw(st.booleans()))).map(copy.deepcopy)
    tree = embed(props)
    found = []
    for path in nodes(tree):
        variant = copy.deepcopy(tree)
        node = at(variant, path)
        if isinstance(node, list) and node and draw(st.booleans()):
            node.append(copy.deepcopy(draw(st.sampled_from(node))))
        elif not path or (
            isinstance(node, dict) and SECRET_SIG not in node and draw(st.booleans())
        ):
            node[draw(st.sampled_from(keys))] = draw(pool)
        else:
            at(variant, path[:-1])[path[-1]] = draw(pool)
        found.append(unembed(variant))
    return found


def holds_unknown(value: Any) -> bool:
    return UNKNOWN_STRING_VALUE in json.dumps(value)


class Stack:
    """The planned records by type, the background every stack analysis gets (one resource of
    each type a stack policy reads, as analyzer messages), and every key name seen."""

    def __init__(self, records: dict[str, dict], background: dict[str, Any], keys: tuple):
        self.records, self.background, self.keys = records, background, keys
        self.urns = sorted(background)

    def __repr__(self) -> str:
        return f"Stack({len(self.records)} records)"


def all_policies() -> list:
    return [p for pack in PACKS for p in importlib.import_module(f"{pack}_policies").POLICIES]


def watching(resource_type: str) -> dict[str, tuple[bool, bool]]:
    """Per pack: whether one of its resource policies checks ``resource_type``, and whether one
    of its stack policies sees it. A pack that does neither only decodes such a request."""
    found = {}
    for pack in PACKS:
        policies = importlib.import_module(f"{pack}_policies").POLICIES
        resource = [p for p in policies if not hasattr(p, "reads")]
        stack = [p for p in policies if hasattr(p, "reads")]
        found[pack] = (
            any(p.types is None or resource_type in p.types for p in resource),
            any(resource_type in (*p.types, *p.reads) for p in stack),
        )
    return found


def checked_types() -> list[str]:
    """Every type a policy checks or reads. The tagging pack's list of every taggable type is
    left to the others, most of which are taggable."""
    everything = set(TAGGABLE_TYPES)
    found: set[str] = set()
    for policy in all_policies():
        if policy.types is not None and set(policy.types) != everything:
            found.update(policy.types)
        found.update(getattr(policy, "reads", ()))
    return sorted(found)


@pytest.fixture(scope="module")
def stack() -> Stack:
    records: dict[str, dict[str, Any]] = {}
    for program in (FIXTURES / "programs" / "insecure", PROJECT_DIR):
        for resource in engine.run(program, "prd").resources:
            record = resource.to_policy_record()
            if record["custom"] and record["type"] not in records:
                records[record["type"]] = record
    read = {t for p in all_policies() if hasattr(p, "reads") for t in (*p.types, *p.reads)}
    by_urn = {r["urn"]: r for r in records.values()}
    background = {
        r["urn"]: _stack_resource(r, by_urn) for r in records.values() if r["type"] in read
    }
    return Stack(records, background, vocabulary(list(records.values())))


@pytest.fixture(scope="module")
def packs() -> Iterator[dict[str, PolicyPackProcess]]:
    started = {pack: PolicyPackProcess(POLICIES_DIR / pack) for pack in PACKS}
    try:
        for pack in started.values():
            pack.start()
        for name, pack in started.items():
            pack.wait_ready()
            info = pack.analyzer_info()
            config = load_policy_pack_config(POLICIES_DIR / name / "prd.json")
            pack.configure(info, reconcile_policy_config(info, config))
        yield started
    finally:
        for pack in started.values():
            pack.close()


def variant_records(stack: Stack, resource_type: str, props: list[dict], extra: dict) -> list:
    """Records of ``resource_type``, one per props, beside the planned one of that type and
    depending on what it depends on (and on ``extra``)."""
    name = f"junk-{resource_type.rsplit(':', 1)[-1].lower()}"
    seed = stack.records.get(resource_type) or {
        "urn": f"urn:pulumi:prd::webplatform::{resource_type}::{name}",
        "name": name,
        "propertyDependencies": {},
    }
    deps = {
        key: [u for u in urns if u in stack.background]
        for key, urns in {**seed["propertyDependencies"], **extra}.items()
    }
    return [
        {
            "urn": f"{seed['urn']}-{i}",
            "type": resource_type,
            "name": seed["name"],
            "inputs": each,
            "outputs": each,
            "provider": f"{PROVIDER_URN}::id",
            "protect": i % 2 == 0,
            "propertyDependencies": deps,
        }
        for i, each in enumerate(props)
    ]


@pytest.mark.parametrize("resource_type", checked_types())
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_no_policy_raises_on_junk_inputs(stack, packs, resource_type, data) -> None:
    seed = stack.records.get(resource_type, {}).get("outputs") or {}
    props = data.draw(variants(seed, stack.keys), label="props")
    provider_seed = {"region": "ap-northeast-1", "defaultTags": {"tags": {"Project": "p"}}}
    provider_inputs = data.draw(st.sampled_from(data.draw(variants(provider_seed, stack.keys))))
    extra = {data.draw(st.sampled_from(stack.keys)): [data.draw(st.sampled_from(stack.urns))]}
    records = variant_records(stack, resource_type, props, extra)
    provider = {
        "urn": PROVIDER_URN,
        "type": "pulumi:providers:aws",
        "name": "junk",
        "inputs": provider_inputs,
        "outputs": provider_inputs,
    }
    by_urn = {PROVIDER_URN: provider, **{r["urn"]: r for r in records}}
    requests = [_analyze_request(record, by_urn) for record in records]
    stack_resources = [*stack.background.values(), *(_stack_resource(r, by_urn) for r in records)]
    unknown = [holds_unknown(p) or holds_unknown(provider_inputs) for p in props]
    watched = watching(resource_type)

    def analyze(name: str) -> list[str]:
        pack, (checks, sees) = packs[name], watched[name]
        found = []
        if checks:
            for may, response in zip(unknown, pack.analyze_all(requests), strict=True):
                found += [] if may else [d.message for d in response.diagnostics]
        if sees:
            diagnostics = pack.analyze_stack(stack_resources).diagnostics
            found += [] if any(unknown) else [d.message for d in diagnostics]
        return [message for message in found if message.startswith("can't run")]

    with ThreadPoolExecutor(len(packs)) as pool:
        cannot_run = [m for found in pool.map(analyze, packs) for m in found]
    assert cannot_run == []


@pytest.mark.parametrize(
    ("policy", "resources"),
    [
        (
            "guardrails-ec2-security-group-public-ingress",
            [Res(INGRESS_RULE, "r", {"cidrIpv4": {"a": "b"}, "fromPort": "inf", "toPort": 1})],
        ),
        (
            "guardrails-ec2-security-group-public-ingress",
            [
                Res(
                    SECURITY_GROUP,
                    "g",
                    {"ingress": [{"cidrBlocks": ["::/0"], "fromPort": "-inf"}]},
                )
            ],
        ),
        (
            "encryption-s3-bucket-sse",
            [
                Res(BUCKET, "b", {"bucket": "b", "id": "b"}),
                Res(SSE, "s1", {"bucket": {"b": 1}, "rules": []}),
                Res(SSE, "s2", {"bucket": "b", "rules": [by_default("aws:kms"), by_default({})]}),
            ],
        ),
    ],
)
def test_shapes_that_used_to_raise(policy, resources) -> None:
    (found,) = [p for p in all_policies() if p.name == policy]
    check_stack(found, resources)  # reports what it can decide, raises nothing
