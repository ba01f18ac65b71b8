"""Security-group rules as their own resources, so any layer can add its own."""

from collections.abc import Sequence
from typing import Any, Literal

import pulumi
import pulumi_aws as aws

ANYWHERE = "0.0.0.0/0"
Direction = Literal["ingress", "egress"]


def security_group_rule(
    name: str,
    direction: Direction,
    group_id: pulumi.Input[str],
    description: str,
    opts: pulumi.ResourceOptions,
    **target: Any,
) -> pulumi.CustomResource:
    """One rule of a security group, as its own resource, so any layer can add its own."""
    rule_class = (
        aws.vpc.SecurityGroupIngressRule
        if direction == "ingress"
        else aws.vpc.SecurityGroupEgressRule
    )
    return rule_class(
        name, security_group_id=group_id, description=description, opts=opts, **target
    )


def tcp(
    low: int,
    high: int | None = None,
    *,
    cidr: str | None = None,
    group: pulumi.Input[str] | None = None,
) -> dict:
    """Arguments of a TCP rule on a port or range, to a CIDR or a security group."""
    peer = {"cidr_ipv4": cidr} if cidr else {"referenced_security_group_id": group}
    return {"ip_protocol": "tcp", "from_port": low, "to_port": high or low, **peer}


def admit_clients(
    name: str,
    group_id: pulumi.Input[str],
    clients: Sequence[pulumi.Input[str]],
    port: int,
    label: str,
    parent: pulumi.Resource,
) -> None:
    """Ingress on `port` into `group_id` from each client group (a data store's clients)."""
    for i, client in enumerate(clients):
        security_group_rule(
            f"{name}-from-client-{i}",
            "ingress",
            group_id,
            f"{label} from client group {i}",
            pulumi.ResourceOptions(parent=parent),
            **tcp(port, group=client),
        )
