"""The network layer's part of the stack config: `<project>:network`."""

import ipaddress
import re
from typing import Any, Literal

from pydantic import Field, field_validator

from components.config.base import Model, aws, platform

NatStrategy = Literal["none", "single", "perAz"]
SUBNET_TIERS = ("public", "app", "data")
RFC1918 = tuple(ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))


class NetworkConfig(Model):
    """`<project>:network` in the stack file."""

    cidr: ipaddress.IPv4Network = Field(
        description="VPC CIDR: RFC1918, /16 to /28, the network address.",
        json_schema_extra=aws(
            "https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html"
        ),
    )
    subnet_prefix_length: int | None = Field(
        None,
        ge=16,
        le=28,
        description="Prefix length of every subnet; derived from the CIDR.",
        json_schema_extra=aws(
            "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSubnet.html"
        ),
    )
    nat_gateways: NatStrategy = Field(
        description="none, single, or perAz (one per zone).",
        json_schema_extra=platform("how many NAT gateways this program makes"),
    )
    interface_endpoints: list[str] = Field(
        description="AWS services reached through interface endpoints in the app subnets; each "
        "one with an endpoint in the region (botocore's endpoint data).",
        json_schema_extra=aws(
            "https://docs.aws.amazon.com/vpc/latest/privatelink/aws-services-privatelink-support.html"
        ),
    )
    flow_log_traffic: Literal["ALL", "ACCEPT", "REJECT"] = Field(
        "ALL",
        description="The traffic the flow log records (botocore's TrafficType enum)",
        json_schema_extra=aws(
            "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateFlowLogs.html"
        ),
    )

    @property
    def has_ssm_endpoints(self) -> bool:
        """Session Manager is reachable through interface endpoints (not only through NAT)."""
        return {"ssm", "ssmmessages"} <= set(self.interface_endpoints)

    @field_validator("cidr", mode="before")
    @classmethod
    def _parse_cidr(cls, value: Any) -> ipaddress.IPv4Network:
        if not isinstance(value, str):
            raise ValueError(f"expected an IPv4 CIDR such as 10.0.0.0/16, got {value!r}")
        try:
            return ipaddress.IPv4Network(value, strict=True)
        except (ValueError, TypeError):
            pass
        try:
            network = ipaddress.IPv4Network(value, strict=False)
        except (ValueError, TypeError):
            raise ValueError(f"expected an IPv4 CIDR such as 10.0.0.0/16, got {value!r}") from None
        raise ValueError(f"{value} has host bits set; did you mean {network}?")

    @field_validator("cidr")
    @classmethod
    def _check_cidr(cls, cidr: ipaddress.IPv4Network) -> ipaddress.IPv4Network:
        if not any(cidr.subnet_of(block) for block in RFC1918):
            raise ValueError(f"{cidr} is not in RFC1918 space (10/8, 172.16/12, 192.168/16)")
        if not 16 <= cidr.prefixlen <= 28:
            raise ValueError(f"a VPC must be /16 to /28, got /{cidr.prefixlen}")
        return cidr

    @field_validator("interface_endpoints")
    @classmethod
    def _check_endpoints(cls, names: list[str]) -> list[str]:
        for name in names:
            if not re.fullmatch(r"[a-z0-9]+([.-][a-z0-9]+)*", name):
                raise ValueError(f"{name!r} is not an AWS service name such as 'ecr.api'")
        if len(set(names)) != len(names):
            raise ValueError("lists a service twice")
        return names


def subnet_layout(network: NetworkConfig, zone_count: int) -> tuple[int, int] | None:
    """(subnet prefix length, subnets reserved per tier), or None when the subnets do not fit.

    Each tier reserves room for four zones when the VPC is big enough, so adding a zone later
    does not renumber the existing subnets.
    """
    prefix = network.subnet_prefix_length or min(network.cidr.prefixlen + 8, 27)
    if prefix < network.cidr.prefixlen:
        return None
    slots = 2 ** (prefix - network.cidr.prefixlen)
    stride = max(zone_count, min(4, slots // len(SUBNET_TIERS)))
    if stride * len(SUBNET_TIERS) > slots:
        return None
    return prefix, stride
