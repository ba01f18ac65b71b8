"""The network layer: VPC, subnets, routes, NAT, NACLs, flow logs, endpoints, security groups."""

from components.network.layer import Network, NetworkArgs
from components.network.rules import admit_clients, security_group_rule, tcp

__all__ = ["Network", "NetworkArgs", "admit_clients", "security_group_rule", "tcp"]
