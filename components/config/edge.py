"""The edge layer's part of the stack config: `<project>:edge`.

Tier defaults for these keys live with the others in `components.config.TIER_DEFAULTS`.
Value ranges that AWS defines are read from the service models botocore ships where it has
them (the WAF rate limit, CloudFront's price classes and TLS security policies), so they
follow the API rather than a copy of it.
"""

from __future__ import annotations

import functools
import gzip
import ipaddress
import json
import re
from pathlib import Path
from typing import Any, Literal

import botocore
from pydantic import Field, field_validator, model_validator

from components.config.base import Model, aws

ALB_GUIDE = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application"
CLOUDFRONT_API = "https://docs.aws.amazon.com/cloudfront/latest/APIReference"
WAF_IP_SET = "https://docs.aws.amazon.com/waf/latest/APIReference/API_IPSet.html"
# 240 characters at most, so that `origin.<domain>` stays within DNS's 253.
DOMAIN = re.compile(
    r"(?=.{1,240}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]"
)
HOST_PATTERN = re.compile(r"(\*\.)?([a-z0-9*?]([a-z0-9*?-]{0,61}[a-z0-9*?])?\.)*[a-z0-9*?-]+")
# Route 53 hosted zone ids: "Z" and upper-case letters and digits, 32 characters at most
# (botocore's route53 ResourceId has max 32).
HOSTED_ZONE_ID = r"^Z[0-9A-Z]{1,31}$"
# The ELB security policies for HTTPS listeners that negotiate TLS 1.2 or newer only (Elastic
# Load Balancing user guide, "Security policies for your Application Load Balancer"); the same
# list as the encryption pack's allowedSslPolicies.
TLS_POLICIES = (
    "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
)
# CloudFront viewer security policies accepted: TLS 1.2 or newer, 2021 ciphers or later.
VIEWER_TLS_FLOOR = ("TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025")
# An ALB rule takes at most five condition values; the origin-verify header takes one.
ROUTE_CONDITION_VALUES = 4
RULE_PRIORITY_MAX = 50000  # ALB listener rule priorities are 1-50000; the edge keeps the last.
MANAGED_GROUPS = (
    "CommonRuleSet",
    "KnownBadInputsRuleSet",
    "SQLiRuleSet",
    "AmazonIpReputationList",
    "AnonymousIpList",
)
Mode = Literal["block", "count"]


@functools.cache
def service_shape(service: str, shape: str) -> dict[str, Any]:
    """A shape of an AWS service model as botocore ships it (its newest API version)."""
    data = Path(botocore.__file__).parent / "data" / service
    version = sorted(p.name for p in data.iterdir() if p.is_dir())[-1]
    path = data / version / "service-2.json.gz"
    if path.exists():
        with gzip.open(path, "rt") as f:
            model = json.load(f)
    else:
        model = json.loads((data / version / "service-2.json").read_text())
    return dict(model["shapes"][shape])


def rate_limit_range() -> tuple[int, int]:
    """What WAF accepts as a rate-based rule's limit (botocore wafv2 RateLimit)."""
    shape = service_shape("wafv2", "RateLimit")
    return int(shape["min"]), int(shape["max"])


def _check_domain(name: str) -> str:
    if not DOMAIN.fullmatch(name):
        raise ValueError(f"expected a lowercase domain name such as app.example.com, got {name!r}")
    return name


def _check_cidrs(cidrs: list[str]) -> list[str]:
    for cidr in cidrs:
        try:
            network = ipaddress.ip_network(cidr, strict=True)
        except ValueError:
            raise ValueError(f"expected CIDRs such as 203.0.113.0/24, got {cidr!r}") from None
        if network.prefixlen == 0:
            raise ValueError(f"{cidr}: WAF IP sets take any range but /0")
    if len(set(cidrs)) != len(cidrs):
        raise ValueError("lists a CIDR twice")
    return cidrs


class ManagedRulesConfig(Model):
    """`edge.waf.managedRules`: each AWS managed rule group blocks, or only counts (try a
    group in count mode first and read its matches in the WAF logs)."""

    common_rule_set: Mode = "block"
    known_bad_inputs_rule_set: Mode = "block"
    sqli_rule_set: Mode = "block"
    amazon_ip_reputation_list: Mode = "block"
    anonymous_ip_list: Mode = "block"

    def modes(self) -> dict[str, str]:
        """Mode by the group's name without the `AWSManagedRules` prefix."""
        return {
            "CommonRuleSet": self.common_rule_set,
            "KnownBadInputsRuleSet": self.known_bad_inputs_rule_set,
            "SQLiRuleSet": self.sqli_rule_set,
            "AmazonIpReputationList": self.amazon_ip_reputation_list,
            "AnonymousIpList": self.anonymous_ip_list,
        }


class WafConfig(Model):
    """`edge.waf`: the web ACL in front of CloudFront."""

    rate_limit: int = Field(
        description="Requests per source IP per 5 minutes before WAF blocks it (botocore's "
        "wafv2 RateLimit: 10-2e9).",
        json_schema_extra=aws(
            "https://docs.aws.amazon.com/waf/latest/APIReference/API_RateBasedStatement.html"
        ),
    )
    managed_rules: ManagedRulesConfig = Field(default_factory=ManagedRulesConfig)
    office_cidrs: list[str] = Field(
        default_factory=list,
        description="The company's addresses: IPv4 or IPv6 CIDRs, any prefix but /0",
        json_schema_extra=aws(WAF_IP_SET),
    )
    partner_cidrs: list[str] = Field(
        default_factory=list,
        description="Partners' addresses: IPv4 or IPv6 CIDRs, any prefix but /0",
        json_schema_extra=aws(WAF_IP_SET),
    )
    deny_cidrs: list[str] = Field(
        default_factory=list,
        description="Always blocked: IPv4 or IPv6 CIDRs, any prefix but /0",
        json_schema_extra=aws(WAF_IP_SET),
    )
    admin_paths: list[str] = Field(
        default_factory=lambda: ["/admin"],
        description="Path prefixes only the office and partner addresses may reach.",
    )
    ci_token: str | None = Field(
        None,
        description="CI tools presenting `authorization: Bearer <token>` are allowed (a secret).",
    )
    blocked_user_agents: list[str] = Field(
        default_factory=list, description="Regular expressions of User-Agent values to block."
    )

    @field_validator("rate_limit")
    @classmethod
    def _check_rate_limit(cls, limit: int) -> int:
        low, high = rate_limit_range()
        if not low <= limit <= high:
            raise ValueError(f"WAF takes {low} to {high:,} requests per 5 minutes, got {limit}")
        return limit

    @field_validator("office_cidrs", "partner_cidrs", "deny_cidrs")
    @classmethod
    def _check_cidr_lists(cls, cidrs: list[str]) -> list[str]:
        return _check_cidrs(cidrs)

    @field_validator("admin_paths")
    @classmethod
    def _check_admin_paths(cls, paths: list[str]) -> list[str]:
        for path in paths:
            if not re.fullmatch(r"/[\x21-\x7e]{1,199}", path):
                raise ValueError(f"expected path prefixes such as /admin, got {path!r}")
        return paths

    @field_validator("ci_token")
    @classmethod
    def _check_ci_token(cls, token: str | None) -> str | None:
        # "Bearer " and the token stay within WAF's 200-byte search string; a header value has
        # no spaces or control characters in a token. Use a long random one.
        if token is not None and not re.fullmatch(r"[\x21-\x7e]{1,192}", token):
            raise ValueError("expected 1 to 192 visible ASCII characters without spaces")
        return token

    @field_validator("blocked_user_agents")
    @classmethod
    def _check_user_agents(cls, patterns: list[str]) -> list[str]:
        limit = int(service_shape("wafv2", "RegexPatternString")["max"])
        if len(patterns) > 10:
            raise ValueError("a regex pattern set holds at most 10 patterns")
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as error:
                raise ValueError(f"{pattern!r} is not a regular expression: {error}") from None
            if not 1 <= len(pattern) <= limit:
                raise ValueError(f"{pattern!r}: WAF takes patterns of 1 to {limit} characters")
        return patterns


class RouteConfig(Model):
    """One entry of `edge.routes`: requests for these hosts and paths go to a web service."""

    service: str = Field(description="A web-facing service (one with a port).")
    priority: int = Field(
        ge=1,
        lt=RULE_PRIORITY_MAX,
        description="Lower numbers match first.",
        json_schema_extra=aws(f"{ALB_GUIDE}/listener-update-rules.html"),
    )
    paths: list[str] = Field(default_factory=lambda: ["/*"], description="ALB path patterns.")
    hosts: list[str] = Field(default_factory=list, description="Host patterns; empty: any.")

    @field_validator("paths")
    @classmethod
    def _check_paths(cls, paths: list[str]) -> list[str]:
        for path in paths:
            if not re.fullmatch(r"/[A-Za-z0-9_\-.$/~\"'@:+&()!,;=*?]{0,127}", path):
                raise ValueError(f"expected ALB path patterns such as /api/*, got {path!r}")
        return paths

    @field_validator("hosts")
    @classmethod
    def _check_hosts(cls, hosts: list[str]) -> list[str]:
        for host in hosts:
            if len(host) > 128 or not HOST_PATTERN.fullmatch(host):
                raise ValueError(f"expected host patterns such as api.example.com, got {host!r}")
        return hosts

    @model_validator(mode="after")
    def _fits_one_rule(self) -> RouteConfig:
        if not self.paths and not self.hosts:
            raise ValueError("a route needs paths or hosts")
        if len(self.paths) + len(self.hosts) > ROUTE_CONDITION_VALUES:
            raise ValueError(
                f"an ALB rule takes {ROUTE_CONDITION_VALUES} host and path values at most "
                "(the origin-verify header takes the fifth); split the route"
            )
        return self


class EdgeConfig(Model):
    """`<project>:edge`: load balancer, certificates, DNS, CloudFront and WAF."""

    domain: str | None = Field(
        None, description="The app's domain (app.example.com); none: CloudFront's own domain."
    )
    hosted_zone_id: str | None = Field(
        None, pattern=HOSTED_ZONE_ID, description="The Route 53 public zone of the domain."
    )
    tls_policy: str = Field(
        "ELBSecurityPolicy-TLS13-1-2-2021-06",
        description="The HTTPS listener's ELB policy: a TLS 1.2+ one",
        json_schema_extra=aws(f"{ALB_GUIDE}/describe-ssl-policies.html"),
    )
    minimum_protocol_version: str = Field(
        "TLSv1.2_2021",
        description="CloudFront's viewer security policy (with a domain): TLS 1.2+ of "
        "botocore's MinimumProtocolVersion enum",
        json_schema_extra=aws(f"{CLOUDFRONT_API}/API_ViewerCertificate.html"),
    )
    price_class: str = Field(
        description="CloudFront price class (botocore's PriceClass enum).",
        json_schema_extra=aws(f"{CLOUDFRONT_API}/API_DistributionConfig.html"),
    )
    idle_timeout_seconds: int = Field(
        60,
        ge=1,
        le=4000,
        description="ALB connection idle time.",
        json_schema_extra=aws(f"{ALB_GUIDE}/edit-load-balancer-attributes.html", "seconds"),
    )
    deletion_protection: bool = Field(description="Refuse to delete the load balancer.")
    health_check_grace_period_seconds: int = Field(
        60, ge=0, le=2147483647, description="Time new tasks get before health checks count."
    )
    origin_verify_version: int = Field(
        1, ge=1, description="Bump to rotate the secret header CloudFront sends the ALB."
    )
    origin_facing_prefix_list_id: str | None = Field(
        None,
        pattern=r"^pl-[0-9a-f]{8,17}$",
        description="CloudFront's origin-facing prefix list, where the table has no region.",
    )
    routes: list[RouteConfig] = Field(
        default_factory=list, description="Host/path rules; empty: everything to the web service."
    )
    waf: WafConfig

    @field_validator("domain")
    @classmethod
    def _check_domain(cls, name: str | None) -> str | None:
        return None if name is None else _check_domain(name)

    @field_validator("tls_policy")
    @classmethod
    def _check_tls_policy(cls, policy: str) -> str:
        if policy not in TLS_POLICIES:
            raise ValueError(f"expected one of {', '.join(TLS_POLICIES)}, got {policy!r}")
        return policy

    @field_validator("minimum_protocol_version")
    @classmethod
    def _check_viewer_tls(cls, version: str) -> str:
        known = service_shape("cloudfront", "MinimumProtocolVersion")["enum"]
        allowed = [v for v in known if v in VIEWER_TLS_FLOOR]
        if version not in allowed:
            raise ValueError(f"expected one of {', '.join(allowed)}, got {version!r}")
        return version

    @field_validator("price_class")
    @classmethod
    def _check_price_class(cls, price_class: str) -> str:
        known = [c for c in service_shape("cloudfront", "PriceClass")["enum"] if c != "None"]
        if price_class not in known:
            raise ValueError(f"expected one of {', '.join(known)}, got {price_class!r}")
        return price_class

    def settings(self) -> dict[str, Any]:
        """The edge layer's `EdgeSettings` from the validated config."""
        waf = self.waf
        return {
            "domain": self.domain,
            "origin_domain": self.origin_domain,
            "hosted_zone_id": self.hosted_zone_id,
            "tls_policy": self.tls_policy,
            "minimum_protocol_version": self.minimum_protocol_version,
            "price_class": self.price_class,
            "idle_timeout_seconds": self.idle_timeout_seconds,
            "deletion_protection": self.deletion_protection,
            "origin_verify_version": self.origin_verify_version,
            "routes": [route.model_dump() for route in self.routes],
            "waf": {
                "rate_limit": waf.rate_limit,
                "managed_rules": waf.managed_rules.modes(),
                "office_cidrs": waf.office_cidrs,
                "partner_cidrs": waf.partner_cidrs,
                "deny_cidrs": waf.deny_cidrs,
                "admin_paths": waf.admin_paths,
                "blocked_user_agents": waf.blocked_user_agents,
            },
        }

    def prefix_list_id(self, region: str) -> str | None:
        """The load balancer admits this prefix list: the configured one, else the table's."""
        return self.origin_facing_prefix_list_id or prefix_list_for(region)

    @property
    def origin_domain(self) -> str | None:
        """The name CloudFront reaches the load balancer by: `origin.<domain>`."""
        return f"origin.{self.domain}" if self.domain else None


# The id of the AWS-managed prefix list com.amazonaws.global.cloudfront.origin-facing in each
# region (ids differ per region; the list's entries are CloudFront's origin-facing servers).
# From `aws ec2 describe-managed-prefix-lists --filters
# Name=prefix-list-name,Values=com.amazonaws.global.cloudfront.origin-facing` per region; the
# plan makes no lookups, so a new region adds its id here after running that command.
CLOUDFRONT_ORIGIN_FACING_PREFIX_LISTS = {
    "ap-northeast-1": "pl-58a04531",
    "ap-northeast-2": "pl-22a6434b",
    "ap-northeast-3": "pl-31a14458",
    "ap-south-1": "pl-9aa247f3",
    "ap-southeast-1": "pl-31a34658",
    "ap-southeast-2": "pl-b8a742d1",
    "ca-central-1": "pl-38a64351",
    "eu-central-1": "pl-a3a144ca",
    "eu-north-1": "pl-fab65393",
    "eu-west-1": "pl-4fa04526",
    "eu-west-2": "pl-93a247fa",
    "eu-west-3": "pl-75b1541c",
    "sa-east-1": "pl-5da64334",
    "us-east-1": "pl-3b927c52",
    "us-east-2": "pl-b6a144df",
    "us-west-1": "pl-4ea04527",
    "us-west-2": "pl-82a045eb",
}


def prefix_list_for(region: str) -> str | None:
    """CloudFront's origin-facing prefix list in a region; None where it is not recorded."""
    return CLOUDFRONT_ORIGIN_FACING_PREFIX_LISTS.get(region)
