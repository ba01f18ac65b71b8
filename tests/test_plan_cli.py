"""`python -m plan`: the text and JSON a user reads, for both stacks."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from tests.conftest import plan_output

RESOURCE_KEYS = {
    "urn", "type", "name", "custom", "parent", "provider", "protect", "retainOnDelete",
    "ignoreChanges", "dependencies", "inputs",
}  # fmt: skip


def run_json(stack: str) -> dict:
    status, out = plan_output(stack, "--json")
    assert status == 0
    return json.loads(out)


@pytest.mark.parametrize("stack", ["dev", "prd"])
def test_json_follows_the_contract(stack: str) -> None:
    document = run_json(stack)
    assert set(document) == {"project", "stack", "resources", "outputs", "policyViolations"}
    assert (document["project"], document["stack"]) == ("webplatform", stack)
    assert isinstance(document["policyViolations"], list)
    for resource in document["resources"]:
        assert set(resource) == RESOURCE_KEYS
        assert resource["urn"].startswith(f"urn:pulumi:{stack}::webplatform::")
        assert resource["urn"].endswith(f"::{resource['name']}")
        assert isinstance(resource["custom"], bool)
        assert isinstance(resource["dependencies"], list)
    urns = {r["urn"] for r in document["resources"]}
    stack_urn = f"urn:pulumi:{stack}::webplatform::pulumi:pulumi:Stack::webplatform-{stack}"
    roots = [r["urn"] for r in document["resources"] if r["parent"] == ""]
    assert roots == [stack_urn]
    assert all(r["parent"] in urns for r in document["resources"] if r["parent"])
    assert all(d in urns for r in document["resources"] for d in r["dependencies"])


def test_prd_plan_lists_the_production_network() -> None:
    types = Counter(r["type"] for r in run_json("prd")["resources"])
    assert types["aws:ec2/natGateway:NatGateway"] == 3
    assert types["aws:ec2/eip:Eip"] == 3
    assert types["aws:ec2/subnet:Subnet"] == 9
    assert types["aws:ec2/flowLog:FlowLog"] == 1
    assert types["aws:ec2/vpcEndpoint:VpcEndpoint"] == 10


def test_dev_plan_lists_one_nat_gateway() -> None:
    types = Counter(r["type"] for r in run_json("dev")["resources"])
    assert types["aws:ec2/natGateway:NatGateway"] == 1
    assert types["aws:ec2/subnet:Subnet"] == 6
    assert types["aws:ec2/vpcEndpoint:VpcEndpoint"] == 2


def test_camel_case_inputs_carry_the_default_tags() -> None:
    resources = run_json("dev")["resources"]
    (vpc,) = [r for r in resources if r["type"] == "aws:ec2/vpc:Vpc"]
    assert vpc["inputs"]["cidrBlock"] == "10.10.0.0/16"
    assert vpc["inputs"]["tagsAll"]["Environment"] == "dev"
    assert vpc["inputs"]["tagsAll"]["Name"] == "webplatform-dev-vpc"


@pytest.mark.parametrize("stack", ["dev", "prd"])
def test_text_plan_shows_tree_counts_and_outputs(stack: str) -> None:
    status, text = plan_output(stack)
    assert status == 0
    lines = text.splitlines()
    assert lines[0].startswith(f"Plan for stack {stack} of webplatform: ")
    assert f"+ webplatform-{stack}  pulumi:pulumi:Stack" in lines
    assert "├─ network  webplatform:network:Network" in lines
    assert any(line.endswith("network  aws:ec2/vpc:Vpc") for line in lines)
    zone_count = 3 if stack == "prd" else 2
    assert ["aws:ec2/subnet:Subnet", str(3 * zone_count)] in [line.split() for line in lines]
    assert "Resources by layer:" in lines
    start = lines.index("Resources by layer:") + 1
    layers = [line.split()[0] for line in lines[start : lines.index("", start)]]
    assert {"data", "network", "providers"} <= set(layers)
    assert layers == sorted(layers)
    assert f"  flowLogGroup: /vpc/webplatform-{stack}/flow-logs" in lines
