"""The edge layer: load balancer, certificates, DNS, CloudFront and WAF."""

from components.edge.layer import Edge, EdgeArgs

__all__ = ["Edge", "EdgeArgs"]
