"""The Mermaid diagram drawn from the plan, and the README's copy of the dev stack's."""

from __future__ import annotations

import re

import pytest

from plan import diagram
from plan.__main__ import main as plan_main
from plan.engine import ROOT_STACK_TYPE, Plan, Registration
from tests.conftest import stack_plan

NODE = re.compile(r'^    (\w+)\["(.*)"\]$')
EDGE = re.compile(r"^  (\w+) --> (\w+)$")
SUBGRAPH = re.compile(r'^  subgraph (layer_\w+)\["(\w+)"\]$')


def parse(text: str) -> tuple[list[str], dict[str, str], set[tuple[str, str]]]:
    """The layers in order, the nodes with their labels and the arrows of a rendered diagram;
    fails on any line that is none of those."""
    layers, nodes, edges = [], {}, set()
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    for line in lines[1:]:
        if match := SUBGRAPH.match(line):
            layers.append(match[2])
        elif match := NODE.match(line):
            nodes[match[1]] = match[2]
        elif match := EDGE.match(line):
            edges.add((match[1], match[2]))
        else:
            assert line == "  end", line
    return layers, nodes, edges


def test_the_readme_shows_the_dev_plans_diagram():
    text = diagram.README.read_text(encoding="utf-8")
    assert diagram.readme_with(text, diagram.render(stack_plan("dev"))) == text, (
        "README.md's diagram is out of date: run python -m plan.diagram"
    )


@pytest.mark.parametrize("stack", ["dev", "prd"])
def test_every_layer_is_a_subgraph_in_build_order(stack):
    plan = stack_plan(stack)
    layers, nodes, edges = parse(diagram.render(plan))
    components = {r.type.split(":")[1] for r in plan.resources if r.parent == plan.stack_urn}
    assert set(layers) == components - {"providers"}
    assert layers[:2] == ["foundation", "network"]
    assert layers.index("data") < layers.index("compute")
    assert layers.index("edge") < layers.index("compute")
    assert {end for edge in edges for end in edge} <= set(nodes) | {f"layer_{x}" for x in layers}


def test_the_arrows_follow_the_requests_and_data_of_the_dev_stack():
    _, nodes, edges = parse(diagram.render(stack_plan("dev")))
    assert {
        ("edge_waf", "edge_cdn"),  # the web ACL guards the distribution
        ("edge_alb", "edge_cdn"),  # the distribution's origin is the load balancer
        ("edge_alb", "service_web"),  # the web service registers in its target group
        ("database", "database_proxy"),
        ("database_proxy", "service_web"),
        ("parameters", "service_web"),
        ("keys", "layer_data"),
    } <= edges
    assert ("edge_alb", "service_worker") not in edges  # the worker takes no requests
    assert nodes["storage"].endswith("<br/>3 Bucket")
    assert "Policy" not in "".join(nodes.values())


def test_the_plan_prints_the_diagram(capsys):
    assert plan_main(["dev", "--diagram"]) == 0
    assert capsys.readouterr().out.strip() == diagram.render(stack_plan("dev"))


def _resource(type_token: str, name: str, parent: str, *dependencies: str) -> Registration:
    return Registration(
        urn=f"urn:pulumi:dev::webplatform::{type_token}::{name}",
        id=name,
        type=type_token,
        name=name,
        custom=not type_token.startswith("webplatform:"),
        parent=parent,
        provider="",
        protect=False,
        retain_on_delete=False,
        ignore_changes=[],
        dependencies=list(dependencies),
        property_dependencies={},
        inputs={},
    )


def test_a_new_layer_and_its_blocks_are_drawn_with_no_change_to_the_diagram():
    stack = _resource(ROOT_STACK_TYPE, "webplatform-dev", "")
    data = _resource("webplatform:data:Data", "data", stack.urn)
    table = _resource("aws:dynamodb/table:Table", "orders", data.urn)
    layer = _resource("webplatform:observability:Observability", "observability", stack.urn)
    alarms = _resource("webplatform:observability:Alarms", "alarms", layer.urn)
    resources = [
        stack,
        data,
        table,
        layer,
        alarms,
        _resource("aws:cloudwatch/metricAlarm:MetricAlarm", "a", alarms.urn, table.urn),
        _resource("aws:cloudwatch/metricAlarm:MetricAlarm", "b", alarms.urn, table.urn),
        _resource("aws:iam/rolePolicy:RolePolicy", "p", alarms.urn),
    ]
    plan = Plan("webplatform", "dev", {}, resources, {})
    assert plan.stack_urn == stack.urn
    layers, nodes, edges = parse(diagram.render(plan))
    assert layers == ["data", "observability"]
    assert nodes == {
        "data": "<b>data</b> Data<br/>Table",
        "alarms": "<b>alarms</b> Alarms<br/>2 MetricAlarm",
    }
    assert edges == {("data", "alarms")}
