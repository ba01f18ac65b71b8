"""What AWS accepts for the edge, observability and pipeline keys: each rule with a value just
inside (accepted) and just outside (one line naming the key and the rule)."""

from __future__ import annotations

import json
import re

import pytest

from components import config as stack_config
from components.config import edge, pipeline
from components.config.base import NAME_MAX
from components.config.edge import service_shape
from tests.test_aws_constraints import SOURCE
from tests.test_aws_constraints import (
    test_each_aws_rule_accepts_just_inside_and_refuses_just_outside as check_rule,
)
from tests.test_config import MINIMAL, WEB

ZONE_MAX = int(service_shape("route53", "ResourceId")["max"])
DOMAIN = f"{'a' * 40}.{'b' * 12}.com"  # 57 characters: origin.<domain> is ACM's 64
ZONE = "Z0123456789ABCDEFGHIJ"
APP = {"domain": "app.example.com", "hostedZoneId": ZONE}
UA_LIMIT = edge.REGEX_SET_PATTERNS
# The longest context whose `<context>/**` fits the trigger with a NAME_MAX-character name.
CONTEXT_ROOM = pipeline.trigger_pattern_max("GitFilePathPattern") - NAME_MAX - len("/**")
CONTEXT = "d" * (CONTEXT_ROOM - len("/")) + "/{service}"


def route(**changes: object) -> dict:
    routes = [{"service": "web", "priority": 10, **changes}]
    return {"services": {"web": WEB}, "edge": {**APP, "routes": routes}}


def waf(**changes: object) -> dict:
    return {"edge": {"waf": changes}}


def thresholds(**changes: object) -> dict:
    return {"observability": {"thresholds": changes}}


def source(**changes: object) -> dict:
    return {"pipeline": {"source": {**SOURCE, **changes}}}


def blue_green(**changes: object) -> dict:
    return {"pipeline": {"blueGreen": changes}}


# (changes just inside, changes just outside, the message of the outside one)
RULES = [
    pytest.param(
        {"edge": {"domain": DOMAIN, "hostedZoneId": ZONE}},
        {"edge": {"domain": f"d{DOMAIN}", "hostedZoneId": ZONE}},
        "edge.domain: expected a lowercase domain name such as app.example.com",
        id="domain-57-characters",
    ),
    pytest.param(
        {"edge": {"domain": "app.example.com", "hostedZoneId": "Z" + "A" * (ZONE_MAX - 1)}},
        {"edge": {"domain": "app.example.com", "hostedZoneId": "Z" + "A" * ZONE_MAX}},
        "edge.hostedZoneId: expected a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ",
        id="route53-zone-id-length",
    ),
    pytest.param(
        {"edge": {"healthCheckGracePeriodSeconds": 2147483647}},
        {"edge": {"healthCheckGracePeriodSeconds": 2147483648}},
        "edge.healthCheckGracePeriodSeconds: must be 2147483647 or less (seconds), got "
        "2147483648",
        id="ecs-health-check-grace-period",
    ),
    pytest.param(
        {"edge": {"originFacingPrefixListId": "pl-0123456789abcdef0"}},
        {"edge": {"originFacingPrefixListId": "pl-0123456789abcdef"}},
        "edge.originFacingPrefixListId: does not have the expected form",
        id="prefix-list-id",
    ),
    pytest.param(
        route(paths=["/api/~'\"@:+&$_.-/*?"]),
        route(paths=["/api/(v1)"]),
        "edge.routes[0].paths: expected ALB path patterns such as /api/*, got '/api/(v1)'",
        id="alb-path-characters",
    ),
    pytest.param(
        route(paths=["/" + "a" * 127]),
        route(paths=["/" + "a" * 128]),
        "edge.routes[0].paths: expected ALB path patterns such as /api/*",
        id="alb-path-length",
    ),
    pytest.param(
        route(hosts=["*.example.com"]),
        route(hosts=["localhost"]),
        "edge.routes[0].hosts: expected host patterns such as api.example.com, got 'localhost'",
        id="alb-host-needs-a-dot",
    ),
    pytest.param(
        route(hosts=["origin.app.example.com"]),
        route(hosts=["origin.app.example.c0m"]),
        "edge.routes[0].hosts: expected host patterns such as api.example.com",
        id="alb-host-letters-after-the-last-dot",
    ),
    pytest.param(
        route(hosts=["origin.*.com"]),
        route(hosts=["api.example.com"]),
        "edge.routes[0].hosts: api.example.com never matches: CloudFront sends the load "
        "balancer Host origin.app.example.com; route by paths",
        id="alb-host-cloudfront-sends",
    ),
    pytest.param(
        {"services": {"web": WEB}, "edge": {"routes": [{"service": "web", "priority": 10}]}},
        {"services": {"web": WEB},
         "edge": {"routes": [{"service": "web", "priority": 10, "hosts": ["*.example.com"]}]}},
        "edge.routes[0].hosts: *.example.com never matches: CloudFront sends the load balancer "
        "its own DNS name as Host; route by paths",
        id="alb-host-without-domain",
    ),
    pytest.param(
        route(paths=["/a", "/b", "/c"]),
        route(paths=["/a", "/b", "/c", "/d"]),
        "edge.routes[0]: an ALB condition takes 3 values at most, paths has 4; split the route",
        id="alb-condition-values",
    ),
    pytest.param(
        route(hosts=["*.example.com", "origin.app.*.com", "*.app.example.com"]),
        route(hosts=["*.example.com", "origin.app.*.com", "*.app.example.com", "*.com"]),
        "edge.routes[0]: an ALB condition takes 3 values at most, hosts has 4; split the route",
        id="alb-condition-host-values",
    ),
    pytest.param(
        route(paths=["/a*/*", "/b*/*"], hosts=["*.example.com"]),
        route(paths=["/a*/*", "/b*/*", "/c?"], hosts=["*.example.com"]),
        "edge.routes[0]: an ALB rule takes 5 wildcards (* and ?) at most, the route has 6",
        id="alb-rule-wildcards",
    ),
    pytest.param(
        waf(officeCidrs=["203.0.113.5/32", "2001:db8::1/128"]),
        waf(officeCidrs=["203.0.113.5"]),
        "edge.waf.officeCidrs: expected CIDR blocks such as 203.0.113.0/24 (one address: /32), "
        "got '203.0.113.5'",
        id="waf-ip-set-cidr-notation",
    ),
    pytest.param(
        blue_green(testCidrs=["203.0.113.5/32"]),
        blue_green(testCidrs=["203.0.113.5"]),
        "pipeline.blueGreen.testCidrs: expected CIDR blocks such as 203.0.113.0/24",
        id="security-group-cidr-notation",
    ),
    pytest.param(
        waf(blockedUserAgents=["a" * 200]),
        waf(blockedUserAgents=["a" * 201]),
        "edge.waf.blockedUserAgents: 'aaaa",
        id="waf-regex-200-characters",
    ),
    pytest.param(
        waf(adminPaths=["/" + "a" * 199]),
        waf(adminPaths=["/" + "a" * 200]),
        "edge.waf.adminPaths: expected path prefixes such as /admin",
        id="waf-byte-match-200-bytes",
    ),
    pytest.param(
        waf(blockedUserAgents=["(?i)(bad|evil)bot/[0-9]+"]),
        waf(blockedUserAgents=["(?>bad)bot"]),
        "edge.waf.blockedUserAgents: '(?>bad)bot': WAF's regular expressions have no atomic "
        "groups",
        id="waf-regex-atomic-group",
    ),
    pytest.param(
        waf(blockedUserAgents=["(bad)bot"]),
        waf(blockedUserAgents=["(bad)bot(?(1)x|y)"]),
        "edge.waf.blockedUserAgents: '(bad)bot(?(1)x|y)': WAF's regular expressions have no "
        "conditional patterns",
        id="waf-regex-conditional",
    ),
    pytest.param(
        waf(blockedUserAgents=["bot+"]),
        waf(blockedUserAgents=["bot++"]),
        "edge.waf.blockedUserAgents: 'bot++': WAF's regular expressions have no possessive "
        "quantifiers",
        id="waf-regex-possessive",
    ),
    pytest.param(
        waf(blockedUserAgents=[f"bot{n}" for n in range(UA_LIMIT)]),
        waf(blockedUserAgents=[f"bot{n}" for n in range(UA_LIMIT + 1)]),
        f"edge.waf.blockedUserAgents: a regex pattern set holds at most {UA_LIMIT} patterns",
        id="waf-regex-set-size",
    ),
    pytest.param(
        waf(managedRules={"sqliRuleSet": "count"}),
        waf(managedRules={"sqliRuleSet": "off"}),
        "edge.waf.managedRules.sqliRuleSet: expected one of block, count",
        id="waf-managed-group-mode",
    ),
    pytest.param(
        thresholds(targetP95Seconds=0.001),
        thresholds(targetP95Seconds=float("inf")),
        "observability.thresholds.targetP95Seconds: expected a finite number",
        id="alarm-threshold-finite",
    ),
    pytest.param(
        thresholds(serverErrorsPercent=100),
        thresholds(serverErrorsPercent=100.5),
        "observability.thresholds.serverErrorsPercent: must be 100 or less, got 100.5",
        id="alarm-threshold-percentage",
    ),
    pytest.param(
        thresholds(databaseConnections=1),
        thresholds(databaseConnections=0),
        "observability.thresholds.databaseConnections: must be 1 or more, got 0",
        id="alarm-threshold-count",
    ),
    pytest.param(
        {"observability": {"queryResultsExpireDays": 1}},
        {"observability": {"queryResultsExpireDays": 0}},
        "observability.queryResultsExpireDays: must be 1 or more (days), got 0",
        id="s3-expiration-days",
    ),
    pytest.param(
        source(repository=f"{'o' * 39}/{'r' * 100}"),
        source(repository=f"{'o' * 40}/{'r' * 100}"),
        "pipeline.source.repository: expected a GitHub repository as owner/name",
        id="full-repository-id",
    ),
    pytest.param(
        source(branch="b" * 255),
        source(branch="b" * 256),
        "pipeline.source.branch: expected a branch name such as main",
        id="trigger-branch-pattern-length",
    ),
    pytest.param(
        source(branch="release/2026.1"),
        source(branch="release/*"),
        "pipeline.source.branch: expected a branch name such as main",
        id="trigger-branch-no-glob",
    ),
    pytest.param(
        source(context=CONTEXT),
        source(context=f"d{CONTEXT}"),
        f"pipeline.source.context: d{CONTEXT}/** is 256 characters with a {NAME_MAX}-character "
        "name; a trigger's file path pattern takes 255",
        id="trigger-file-path-length",
    ),
    pytest.param(
        source(context="apps/{service}/docker"),
        source(context="apps/*/{service}"),
        "pipeline.source.context: expected a directory inside the repository",
        id="trigger-file-path-no-glob",
    ),
    pytest.param(
        {"pipeline": {"traffic": {"type": "linear", "percent": 99}}},
        {"pipeline": {"traffic": {"type": "linear", "percent": 100}}},
        "pipeline.traffic.percent: must be 99 or less, got 100",
        id="codedeploy-percentage",
    ),
    pytest.param(
        {"pipeline": {"traffic": {"type": "canary", "minutes": 10080}}},
        {"pipeline": {"traffic": {"type": "canary", "minutes": 0}}},
        "pipeline.traffic.minutes: must be 1 or more (minutes), got 0",
        id="codedeploy-interval",
    ),
    pytest.param(
        blue_green(testCidrs=["203.0.113.0/24", "198.51.100.7/32"]),
        blue_green(testCidrs=["203.0.113.0/24", "203.0.113.0/24"]),
        "pipeline.blueGreen.testCidrs: lists a CIDR twice",
        id="security-group-rule-once",
    ),
    pytest.param(
        blue_green(rollback5xxCount=1),
        blue_green(rollback5xxCount=0),
        "pipeline.blueGreen.rollback5xxCount: must be 1 or more, got 0",
        id="rollback-alarm-threshold",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("inside", "outside", "message"), RULES)
def test_each_rule_accepts_just_inside_and_refuses_just_outside(
    inside: dict, outside: dict, message: str
) -> None:
    check_rule(inside, outside, message)


def test_the_ci_token_fits_a_byte_match_with_its_bearer_prefix() -> None:
    values = {k: v if isinstance(v, str) else json.dumps(v) for k, v in MINIMAL["prd"].items()}
    secret = ("webplatform:edge",)
    values["webplatform:edge"] = json.dumps({"waf": {"ciToken": "t" * 192}})
    config = stack_config.load("webplatform", "prd", values, secret)
    assert len(f"Bearer {config.edge.waf.ci_token}") <= 200
    values["webplatform:edge"] = json.dumps({"waf": {"ciToken": "t" * 193}})
    with pytest.raises(stack_config.ConfigError, match=r"edge\.waf\.ciToken: expected 1 to 192"):
        stack_config.load("webplatform", "prd", values, secret)


def test_the_hand_written_rules_fit_botocores() -> None:
    acm = service_shape("acm", "DomainNameString")
    origin = f"origin.{DOMAIN}"
    assert len(origin) == 64 <= acm["max"] and re.fullmatch(acm["pattern"], origin)
    # An ALB host condition value is 128 characters at most (HostHeaderConditionConfig).
    host = f"{'h' * 59}.{'i' * 64}.com"
    assert edge.HOST_PATTERN.fullmatch(host) and not edge.HOST_PATTERN.fullmatch(f"h{host}")
    name = service_shape("wafv2", "EntityName")
    for group in edge.MANAGED_GROUPS:
        assert re.fullmatch(name["pattern"], f"AWSManagedRules{group}")
    assert set(edge.ManagedRulesConfig().modes()) == set(edge.MANAGED_GROUPS)
