"""The edge settings: tier defaults, and one line naming the file and key for each mistake."""

from __future__ import annotations

import json

import pytest

from components import config as stack_config
from components.config.edge import rate_limit_range
from tests.conftest import MINIMAL

WEB = {"image": "222222222222.dkr.ecr.ap-northeast-1.amazonaws.com/web:1.0.0", "port": 8080}
WORKER = {"image": "222222222222.dkr.ecr.ap-northeast-1.amazonaws.com/worker:1.0.0"}
DOMAIN = {"domain": "app.example.com", "hostedZoneId": "Z0123456789ABCDEFGHIJ"}


def load(tier: str = "prd", secret_keys: tuple[str, ...] = (), **changes: object):
    values = {k: v if isinstance(v, str) else json.dumps(v) for k, v in MINIMAL[tier].items()}
    values["webplatform:services"] = json.dumps({"web": WEB, "worker": WORKER})
    for key, value in changes.items():
        values[f"webplatform:{key}"] = value if isinstance(value, str) else json.dumps(value)
    return stack_config.load("webplatform", "prd", values, secret_keys)


def test_tier_defaults() -> None:
    dev, prd = load("dev").edge, load("prd").edge
    assert dev.domain is None and prd.domain is None
    assert (dev.deletion_protection, prd.deletion_protection) == (False, True)
    assert dev.tls_policy == prd.tls_policy == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert dev.minimum_protocol_version == "TLSv1.2_2021"
    assert dev.price_class == prd.price_class == "PriceClass_200"
    assert dev.waf.rate_limit == prd.waf.rate_limit == 2000
    assert dev.waf.managed_rules.modes()["AnonymousIpList"] == "count"
    assert set(prd.waf.managed_rules.modes().values()) == {"block"}
    assert prd.waf.admin_paths == ["/admin"]


def test_a_domain_gives_the_origin_name() -> None:
    edge = load(edge=DOMAIN).edge
    assert edge.origin_domain == "origin.app.example.com"
    assert edge.settings()["origin_domain"] == "origin.app.example.com"


def test_wafs_rate_limit_range_comes_from_the_service_model() -> None:
    assert rate_limit_range() == (10, 2_000_000_000)
    assert load(edge={"waf": {"rateLimit": 10}}).edge.waf.rate_limit == 10
    assert load(edge={"waf": {"rateLimit": 2_000_000_000}}).edge.waf.rate_limit == 2_000_000_000


@pytest.mark.parametrize(
    ("edge", "message"),
    [
        (
            {"domain": "app.example.com"},
            "webplatform:edge.hostedZoneId: set domain and hostedZoneId together, or neither",
        ),
        (
            {"hostedZoneId": "Z0123456789ABCDEFGHIJ"},
            "webplatform:edge.domain: set domain and hostedZoneId together, or neither",
        ),
        (
            {"domain": "App.Example.com", "hostedZoneId": "Z0123456789ABCDEFGHIJ"},
            "webplatform:edge.domain: expected a lowercase domain name such as app.example.com",
        ),
        (
            {"domain": "app.example.com", "hostedZoneId": "z123"},
            "webplatform:edge.hostedZoneId: expected a Route 53 hosted zone id",
        ),
        (
            {"tlsPolicy": "ELBSecurityPolicy-2016-08"},
            "webplatform:edge.tlsPolicy: expected one of ELBSecurityPolicy-TLS13-1-2-2021-06,",
        ),
        (
            {"minimumProtocolVersion": "TLSv1"},
            "webplatform:edge.minimumProtocolVersion: expected one of TLSv1.2_2021,",
        ),
        (
            {"priceClass": "PriceClass_300"},
            "webplatform:edge.priceClass: expected one of PriceClass_100, PriceClass_200, "
            "PriceClass_All",
        ),
        (
            {"idleTimeoutSeconds": 0},
            "webplatform:edge.idleTimeoutSeconds: must be 1 or more",
        ),
        (
            {"waf": {"rateLimit": 9}},
            "webplatform:edge.waf.rateLimit: WAF takes 10 to 2,000,000,000 requests per 5 "
            "minutes, got 9",
        ),
        (
            {"waf": {"rateLimit": 2_000_000_001}},
            "webplatform:edge.waf.rateLimit: WAF takes 10 to 2,000,000,000",
        ),
        (
            {"waf": {"managedRules": {"sqliRuleSet": "allow"}}},
            "webplatform:edge.waf.managedRules.sqliRuleSet: expected one of block, count",
        ),
        (
            {"waf": {"managedRules": {"phpRuleSet": "count"}}},
            "webplatform:edge.waf.managedRules.phpRuleSet: unknown key;",
        ),
        (
            {"waf": {"officeCidrs": ["203.0.113.1/24"]}},
            "webplatform:edge.waf.officeCidrs: expected CIDR blocks such as 203.0.113.0/24 (one "
            "address: /32), got '203.0.113.1/24'",
        ),
        (
            {"waf": {"denyCidrs": ["0.0.0.0/0"]}},
            "webplatform:edge.waf.denyCidrs: expected a CIDR block narrower than /0",
        ),
        (
            {"waf": {"partnerCidrs": ["198.51.100.0/24", "198.51.100.0/24"]}},
            "webplatform:edge.waf.partnerCidrs: lists a CIDR twice",
        ),
        (
            {"waf": {"adminPaths": ["admin"]}},
            "webplatform:edge.waf.adminPaths: expected path prefixes such as /admin",
        ),
        (
            {"waf": {"blockedUserAgents": ["(unclosed"]}},
            "webplatform:edge.waf.blockedUserAgents: '(unclosed' is not a regular expression",
        ),
        (
            {"routes": [{"service": "web", "priority": 10}, {"service": "web", "priority": 10}]},
            "webplatform:edge.routes[1].priority: priority 10 is taken by routes[0]",
        ),
        (
            {"routes": [{"service": "api", "priority": 10}]},
            "webplatform:edge.routes[0].service: no service 'api' in services",
        ),
        (
            {"routes": [{"service": "worker", "priority": 10}]},
            "webplatform:edge.routes[0].service: service 'worker' has no port; only web-facing "
            "services take routes",
        ),
        (
            {"routes": [{"service": "web", "priority": 50000}]},
            "webplatform:edge.routes[0].priority: must be less than 50000",
        ),
        (
            {"routes": [{"service": "web", "priority": 1, "paths": ["api/*"]}]},
            "webplatform:edge.routes[0].paths: expected ALB path patterns such as /api/*",
        ),
        (
            {
                "routes": [
                    {
                        "service": "web",
                        "priority": 1,
                        "paths": ["/a", "/b", "/c"],
                        "hosts": ["a.example.com", "b.example.com"],
                    }
                ]
            },
            "webplatform:edge.routes[0]: an ALB rule takes 4 host and path values at most",
        ),
        (
            {"originVerifyVersion": 0},
            "webplatform:edge.originVerifyVersion: must be 1 or more",
        ),
        ({"domian": "app.example.com"}, "webplatform:edge.domian: unknown key; did you mean"),
    ],
)
def test_each_mistake_names_the_file_and_key(edge: dict, message: str) -> None:
    with pytest.raises(stack_config.ConfigError) as raised:
        load(edge=edge)
    text = str(raised.value)
    assert text.startswith(f"Pulumi.prd.yaml: {message}"), text
    assert "\n" not in text


def test_the_ci_token_must_be_a_secret() -> None:
    token = "ci-0123456789abcdef0123456789abcdef"
    with pytest.raises(stack_config.ConfigError) as raised:
        load(edge={"waf": {"ciToken": token}})
    assert str(raised.value) == (
        "Pulumi.prd.yaml: webplatform:edge.waf.ciToken: must be a secret: "
        "pulumi config set --secret --path 'edge.waf.ciToken' <token>"
    )
    edge = load(edge={"waf": {"ciToken": token}}, secret_keys=("webplatform:edge",)).edge
    assert edge.waf.ci_token == token


def test_a_bad_secret_token_is_not_quoted() -> None:
    with pytest.raises(stack_config.ConfigError) as raised:
        load(edge={"waf": {"ciToken": "has space"}}, secret_keys=("webplatform:edge",))
    assert "has space" not in str(raised.value)
    assert "webplatform:edge.waf.ciToken: expected 1 to 192 visible ASCII" in str(raised.value)


def test_a_region_without_a_recorded_prefix_list_is_refused() -> None:
    values = {k: v if isinstance(v, str) else json.dumps(v) for k, v in MINIMAL["dev"].items()}
    values["aws:region"] = "me-central-1"
    with pytest.raises(stack_config.ConfigError) as raised:
        stack_config.load("webplatform", "dev", values)
    assert str(raised.value).startswith(
        "Pulumi.dev.yaml: aws:region: no CloudFront origin-facing prefix list id is known for "
        "me-central-1; set edge.originFacingPrefixListId"
    )
    values["webplatform:edge"] = json.dumps({"originFacingPrefixListId": "pl-0123456789abcdef0"})
    config = stack_config.load("webplatform", "dev", values)
    assert config.edge.prefix_list_id("me-central-1") == "pl-0123456789abcdef0"
