"""The edge layer's part of the stack config: `<project>:edge`.

Tier defaults for these keys live with the others in `components.config.TIER_DEFAULTS`.
Value ranges that AWS defines are read from the service models botocore ships where it has
them (the WAF rate limit, CloudFront's price classes and TLS security policies), so they
follow the API rather than a copy of it.
"""

from __future__ import annotations

import functools
import gzip
import json
import re
import re._parser as re_parser
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import botocore
from pydantic import Field, field_validator, model_validator

from components.config.base import Model, aws, cidr_blocks, platform

ALB_GUIDE = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application"
CLOUDFRONT_API = "https://docs.aws.amazon.com/cloudfront/latest/APIReference"
ELB_API = "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference"
WAF_API = "https://docs.aws.amazon.com/waf/latest/APIReference"
WAF_GUIDE = "https://docs.aws.amazon.com/waf/latest/developerguide"
WAF_IP_SET = f"{WAF_API}/API_IPSet.html"
# A byte match's search string is 200 bytes at most (ByteMatchStatement, SearchString).
BYTE_MATCH = f"{WAF_API}/API_ByteMatchStatement.html"
ACM_DOMAIN = "https://docs.aws.amazon.com/acm/latest/APIReference/API_RequestCertificate.html"
# 57 characters at most, so that `origin.<domain>`, the regional certificate's name, stays
# within the 64 characters ACM takes for a certificate's DomainName (its Common Name).
DOMAIN_MAX = 64 - len("origin.")
DOMAIN = re.compile(
    rf"(?=.{{1,{DOMAIN_MAX}}}$)([a-z0-9]([a-z0-9-]{{0,61}}[a-z0-9])?\.)+[a-z][a-z0-9-]{{0,61}}[a-z0-9]"
)
# ALB host conditions (HostHeaderConditionConfig): 128 characters of letters, digits, - . and
# the wildcards * ?, at least one ".", only letters after the last one; lowercase here, as
# the comparison ignores case.
HOST_PATTERN = re.compile(r"(?=.{1,128}$)([a-z0-9*?-]+\.)+[a-z]+")
# ALB path conditions (RuleCondition, Values): case-sensitive, 128 characters of letters,
# digits, _ - . $ / ~ " ' @ : + & and the wildcards * ?.
PATH_PATTERN = re.compile(r"/[A-Za-z0-9_\-.$/~\"'@:+&*?]{0,127}")
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
    # The hybrid post-quantum ones, which AWS recommends (Res-PQ is the console's default).
    "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09",
)
# CloudFront viewer security policies accepted: TLS 1.2 or newer, 2021 ciphers or later.
VIEWER_TLS_FLOOR = ("TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025")
# An ALB rule takes at most three values per condition, five across its conditions (the
# origin-verify header takes one) and five wildcards (* and ?): "Condition basics" of
# https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html,
# and the Rules quotas of ALB_QUOTAS.
ALB_QUOTAS = f"{ALB_GUIDE}/load-balancer-limits.html"
CONDITION_VALUES = 3
ROUTE_CONDITION_VALUES = 4
RULE_WILDCARDS = 5
RULE_PRIORITY_MAX = 50000  # ALB listener rule priorities are 1-50000; the edge keeps the last.
MANAGED_GROUPS = (
    "CommonRuleSet",
    "KnownBadInputsRuleSet",
    "SQLiRuleSet",
    "AmazonIpReputationList",
    "AnonymousIpList",
)
# Each group's page names it (VendorName AWS, Name AWSManagedRules<group>); block leaves the
# group's own actions, count overrides them to count (OverrideAction).
BASELINE_GROUPS = f"{WAF_GUIDE}/aws-managed-rule-groups-baseline.html"
USE_CASE_GROUPS = f"{WAF_GUIDE}/aws-managed-rule-groups-use-case.html"
IP_REPUTATION_GROUPS = f"{WAF_GUIDE}/aws-managed-rule-groups-ip-rep.html"
# PCRE constructs WAF refuses ("Supported regular expression syntax in AWS WAF"), as Python's
# parser names them: backreferences, conditionals, atomic groups, possessive quantifiers.
WAF_REGEX = f"{WAF_GUIDE}/waf-regex-pattern-support.html"
REFUSED_REGEX = {
    "GROUPREF": "backreferences",
    "GROUPREF_EXISTS": "conditional patterns",
    "ATOMIC_GROUP": "atomic groups",
    "POSSESSIVE_REPEAT": "possessive quantifiers",
}
# A regex pattern set holds 10 patterns at most, each of 200 characters at most ("AWS WAF
# quotas", https://docs.aws.amazon.com/waf/latest/developerguide/limits.html, neither
# adjustable; the API's RegexString allows 512, but WAF refuses more than 200).
REGEX_SET_PATTERNS = 10
REGEX_PATTERN_MAX = 200
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


# Route 53 hosted zone ids: "Z" and upper-case letters and digits, as long as botocore's
# route53 ResourceId allows.
HOSTED_ZONE_ID = rf"^Z[0-9A-Z]{{1,{int(service_shape('route53', 'ResourceId')['max']) - 1}}}$"


def rate_limit_range() -> tuple[int, int]:
    """What WAF accepts as a rate-based rule's limit (botocore wafv2 RateLimit)."""
    shape = service_shape("wafv2", "RateLimit")
    return int(shape["min"]), int(shape["max"])


def _check_domain(name: str) -> str:
    if not DOMAIN.fullmatch(name):
        raise ValueError(f"expected a lowercase domain name such as app.example.com, got {name!r}")
    return name


def _opcodes(parsed: Any) -> Iterator[str]:
    """The names of the operations in a parsed regular expression, nested ones too."""
    for item in parsed:
        if isinstance(item, (list, tuple, re_parser.SubPattern)):
            yield from _opcodes(item)
        elif type(item).__name__ == "_NamedIntConstant":
            yield str(item)


def _check_cidrs(cidrs: list[str]) -> list[str]:
    cidr_blocks(cidrs)
    return cidrs


class ManagedRulesConfig(Model):
    """`edge.waf.managedRules`: each AWS managed rule group blocks, or only counts (try a
    group in count mode first and read its matches in the WAF logs)."""

    common_rule_set: Mode = Field(
        "block", description="AWSManagedRulesCommonRuleSet", json_schema_extra=aws(BASELINE_GROUPS)
    )
    known_bad_inputs_rule_set: Mode = Field(
        "block",
        description="AWSManagedRulesKnownBadInputsRuleSet",
        json_schema_extra=aws(BASELINE_GROUPS),
    )
    sqli_rule_set: Mode = Field(
        "block", description="AWSManagedRulesSQLiRuleSet", json_schema_extra=aws(USE_CASE_GROUPS)
    )
    amazon_ip_reputation_list: Mode = Field(
        "block",
        description="AWSManagedRulesAmazonIpReputationList",
        json_schema_extra=aws(IP_REPUTATION_GROUPS),
    )
    anonymous_ip_list: Mode = Field(
        "block",
        description="AWSManagedRulesAnonymousIpList",
        json_schema_extra=aws(IP_REPUTATION_GROUPS),
    )

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
        description="Path prefixes only the office and partner addresses may reach: / and up "
        "to 199 visible ASCII characters (a byte match's search string, 200 bytes)",
        json_schema_extra=aws(BYTE_MATCH),
    )
    ci_token: str | None = Field(
        None,
        description="CI tools presenting `authorization: Bearer <token>` are allowed (a secret): "
        "1-192 visible ASCII characters, so that `Bearer <token>` fits a 200-byte search string",
        json_schema_extra=aws(BYTE_MATCH),
    )
    blocked_user_agents: list[str] = Field(
        default_factory=list,
        description="Regular expressions of User-Agent values to block: up to 10 (a regex "
        "pattern set), each of 1-200 characters (WAF's quota), without backreferences, "
        "conditionals, atomic groups or possessive quantifiers (PCRE constructs WAF refuses)",
        json_schema_extra=aws(WAF_REGEX),
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
        if len(patterns) > REGEX_SET_PATTERNS:
            raise ValueError(f"a regex pattern set holds at most {REGEX_SET_PATTERNS} patterns")
        for pattern in patterns:
            try:
                parsed = re_parser.parse(pattern)
            except re.error as error:
                raise ValueError(f"{pattern!r} is not a regular expression: {error}") from None
            if not 1 <= len(pattern) <= REGEX_PATTERN_MAX:
                raise ValueError(
                    f"{pattern!r}: WAF takes patterns of 1 to {REGEX_PATTERN_MAX} characters"
                )
            refused = sorted({REFUSED_REGEX[op] for op in _opcodes(parsed) if op in REFUSED_REGEX})
            if refused:
                raise ValueError(f"{pattern!r}: WAF's regular expressions have no {refused[0]}")
        return patterns


class RouteConfig(Model):
    """One entry of `edge.routes`: requests for these hosts and paths go to a web service."""

    service: str = Field(
        description="A web-facing service (one with a port).",
        json_schema_extra=platform("the name of a service in this stack file"),
    )
    priority: int = Field(
        ge=1,
        lt=RULE_PRIORITY_MAX,
        description="Lower numbers match first.",
        json_schema_extra=aws(f"{ALB_GUIDE}/listener-update-rules.html"),
    )
    paths: list[str] = Field(
        default_factory=lambda: ["/*"],
        description="Up to 3 ALB path patterns: case-sensitive, up to 128 characters of "
        "letters, digits, _ - . $ / ~ \" ' @ : + & and the wildcards * ?",
        json_schema_extra=aws(f"{ELB_API}/API_RuleCondition.html"),
    )
    hosts: list[str] = Field(
        default_factory=list,
        description="Up to 3 host patterns, empty: any; each must match origin.<domain>, the "
        "one Host CloudFront sends; up to 128 characters of lowercase letters, digits, - . * ?, "
        "with a dot and only letters after the last one",
        json_schema_extra=aws(f"{ELB_API}/API_HostHeaderConditionConfig.html"),
    )

    @field_validator("paths")
    @classmethod
    def _check_paths(cls, paths: list[str]) -> list[str]:
        for path in paths:
            if not PATH_PATTERN.fullmatch(path):
                raise ValueError(f"expected ALB path patterns such as /api/*, got {path!r}")
        return paths

    @field_validator("hosts")
    @classmethod
    def _check_hosts(cls, hosts: list[str]) -> list[str]:
        for host in hosts:
            if not HOST_PATTERN.fullmatch(host):
                raise ValueError(f"expected host patterns such as api.example.com, got {host!r}")
        return hosts

    @model_validator(mode="after")
    def _fits_one_rule(self) -> RouteConfig:
        if not self.paths and not self.hosts:
            raise ValueError("a route needs paths or hosts")
        for field, values in (("paths", self.paths), ("hosts", self.hosts)):
            if len(values) > CONDITION_VALUES:
                raise ValueError(
                    f"an ALB condition takes {CONDITION_VALUES} values at most, {field} has "
                    f"{len(values)}; split the route"
                )
        if len(self.paths) + len(self.hosts) > ROUTE_CONDITION_VALUES:
            raise ValueError(
                f"an ALB rule takes {ROUTE_CONDITION_VALUES} host and path values at most "
                "(the origin-verify header takes the fifth); split the route"
            )
        wildcards = sum(value.count("*") + value.count("?") for value in self.paths + self.hosts)
        if wildcards > RULE_WILDCARDS:
            raise ValueError(
                f"an ALB rule takes {RULE_WILDCARDS} wildcards (* and ?) at most, the route has "
                f"{wildcards}; split the route"
            )
        return self


class EdgeConfig(Model):
    """`<project>:edge`: load balancer, certificates, DNS, CloudFront and WAF."""

    domain: str | None = Field(
        None,
        description="The app's domain (app.example.com), none: CloudFront's own domain; "
        "lowercase labels, 57 characters at most so that origin.<domain> fits ACM's 64",
        json_schema_extra=aws(ACM_DOMAIN),
    )
    hosted_zone_id: str | None = Field(
        None,
        pattern=HOSTED_ZONE_ID,
        description="The Route 53 public zone of the domain.",
        json_schema_extra=aws(
            "https://docs.aws.amazon.com/Route53/latest/APIReference/API_HostedZone.html"
        ),
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
    deletion_protection: bool = Field(
        description="Refuse to delete the load balancer (its deletion_protection.enabled).",
        json_schema_extra=aws(f"{ALB_GUIDE}/edit-load-balancer-attributes.html"),
    )
    health_check_grace_period_seconds: int = Field(
        60,
        ge=0,
        le=2147483647,
        description="Time new tasks get before health checks count (ECS: 0-2,147,483,647).",
        json_schema_extra=aws(
            "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html",
            "seconds",
        ),
    )
    origin_verify_version: int = Field(
        1,
        ge=1,
        description="Bump to rotate the secret header CloudFront sends the ALB.",
        json_schema_extra=platform(
            "a counter in this program; a new value makes a new random header value"
        ),
    )
    origin_facing_prefix_list_id: str | None = Field(
        None,
        # EC2 resource ids end in 8 or 17 hexadecimal characters ("Resource IDs",
        # https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/resource-ids.html).
        pattern=r"^pl-([0-9a-f]{8}|[0-9a-f]{17})$",
        description="CloudFront's origin-facing prefix list (com.amazonaws.global.cloudfront."
        "origin-facing), where the table has no region.",
        json_schema_extra=aws(
            "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/LocationsOfEdgeServers.html"
        ),
    )
    routes: list[RouteConfig] = Field(
        default_factory=list,
        description="Host/path rules, empty: everything to the web service; each one is an ALB "
        "rule (100 a load balancer by default, an adjustable quota)",
        json_schema_extra=aws(ALB_QUOTAS),
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
