"""The architecture as the plan shows it: one node per layer under the stack, every resource
below one of them."""

import pytest

from tests.conftest import stack_plan

LAYERS = {
    "foundation": "webplatform:foundation:Foundation",
    "network": "webplatform:network:Network",
    "data": "webplatform:data:Data",
    "edge": "webplatform:edge:Edge",
    "compute": "webplatform:compute:Compute",
    "observability": "webplatform:observability:Observability",
    "pipeline": "webplatform:pipeline:Pipeline",
}


@pytest.mark.parametrize("stack", ["dev", "prd"])
def test_each_layer_is_one_node_under_the_stack_with_every_resource_below_one(stack: str) -> None:
    plan = stack_plan(stack)
    by_urn = {r.urn: r for r in plan.resources}
    (root,) = [r for r in plan.resources if r.parent == ""]
    under_stack = {r.name: r.type for r in plan.resources if r.parent == root.urn}
    providers = {n for n, t in under_stack.items() if t.startswith("pulumi:providers:")}
    assert {n: t for n, t in under_stack.items() if n not in providers} == LAYERS
    assert providers == {"aws", "aws-us-east-1"}

    def layer_of(urn: str) -> str:
        while by_urn[urn].parent != root.urn:
            urn = by_urn[urn].parent
        return by_urn[urn].name

    for resource in plan.resources:
        if resource.custom and not resource.type.startswith("pulumi:providers:"):
            assert layer_of(resource.urn) in LAYERS, resource.urn
