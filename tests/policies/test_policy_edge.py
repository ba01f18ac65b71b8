"""Edge policies: load balancer headers and deletion protection, CloudFront's web ACL, origin
access control, HSTS and standard logging (v2 or legacy), and the levels per environment."""

from __future__ import annotations

import json

import pytest
from policy_harness import DELETE, POLICIES_DIR, Res, check_resource, check_stack, mutate

from guardrails_policies import edge, observability

LB = "aws:lb/loadBalancer:LoadBalancer"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
HEADERS = "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy"
SOURCE = "aws:cloudwatch/logDeliverySource:LogDeliverySource"
DELIVERY = "aws:cloudwatch/logDelivery:LogDelivery"
DIST_ARN = "arn:aws:cloudfront::123456789012:distribution/E123"
ALB = {
    "loadBalancerType": "application",
    "dropInvalidHeaderFields": True,
    "enableDeletionProtection": True,
}
S3_DOMAIN = "assets.s3.ap-northeast-1.amazonaws.com"
CDN = {
    "webAclId": "arn:aws:wafv2:us-east-1:123456789012:global/webacl/web/abc",
    "defaultCacheBehavior": {"targetOriginId": "alb", "responseHeadersPolicyId": "rhp-1"},
    "orderedCacheBehaviors": [
        {"pathPattern": "/static/*", "targetOriginId": "s3", "responseHeadersPolicyId": "rhp-1"}
    ],
    "origins": [
        {
            "originId": "alb",
            "domainName": "origin.example.com",
            "customOriginConfig": {"originProtocolPolicy": "https-only"},
        },
        {"originId": "s3", "domainName": S3_DOMAIN, "originAccessControlId": "oac-1"},
    ],
}

CASES = [
    (
        edge.ALB_DROP_INVALID_HEADERS,
        LB,
        ALB,
        [
            ("dropInvalidHeaderFields", DELETE, True),  # the provider's default: false
            ("dropInvalidHeaderFields", False, True),
            ("loadBalancerType", "network", False),
        ],
    ),
    (
        edge.ALB_DELETION_PROTECTION,
        LB,
        ALB,
        [
            ("enableDeletionProtection", DELETE, True),
            ("enableDeletionProtection", False, True),
            ("loadBalancerType", DELETE, False),  # absent type is application: still on
        ],
    ),
    (edge.CLOUDFRONT_WAF, DISTRIBUTION, CDN, [("webAclId", DELETE, True), ("webAclId", "", True)]),
    (
        edge.CLOUDFRONT_S3_OAC,
        DISTRIBUTION,
        CDN,
        [
            ("origins.1.originAccessControlId", DELETE, True),
            (
                "origins.1.s3OriginConfig",
                {"originAccessIdentity": "origin-access-identity/x"},
                False,
            ),
            ("origins.1.domainName", "files.example.com", False),  # not S3: no OAC needed
        ],
    ),
]
MUTATIONS = [
    pytest.param(p, t, props, path, value, bad, id=f"{p.name}:{path}={value!r}")
    for p, t, props, mutations in CASES
    for path, value, bad in mutations
]


@pytest.mark.parametrize(("policy", "resource_type", "props"), [c[:3] for c in CASES])
def test_compliant_fixture_passes(policy, resource_type, props):
    assert check_resource(policy, resource_type, props) == []


@pytest.mark.parametrize(("policy", "resource_type", "props", "path", "value", "bad"), MUTATIONS)
def test_mutation(policy, resource_type, props, path, value, bad):
    found = check_resource(policy, resource_type, mutate(props, path, value))
    assert bool(found) is bad, found


def test_an_s3_origin_with_a_legacy_identity_is_reported():
    props = mutate(CDN, "origins.1.originAccessControlId", DELETE)
    props = mutate(props, "origins.1.s3OriginConfig", {"originAccessIdentity": "oai"})
    (message,) = check_resource(edge.CLOUDFRONT_S3_OAC, DISTRIBUTION, props)
    assert "legacy origin access identity" in message


HSTS = {"strictTransportSecurity": {"accessControlMaxAgeSec": 63072000, "override": True}}


@pytest.mark.parametrize(
    ("distribution", "policy", "bad"),
    [
        (CDN, {"id": "rhp-1", "securityHeadersConfig": HSTS}, False),
        (CDN, {"id": "rhp-1", "securityHeadersConfig": {"frameOptions": {}}}, True),
        (
            CDN,
            {
                "id": "rhp-1",
                "securityHeadersConfig": {"strictTransportSecurity": {"accessControlMaxAgeSec": 0}},
            },
            True,
        ),
        (
            mutate(CDN, "defaultCacheBehavior.responseHeadersPolicyId", DELETE),
            {"id": "rhp-1", "securityHeadersConfig": HSTS},
            True,
        ),
        (
            mutate(CDN, "orderedCacheBehaviors.0.responseHeadersPolicyId", DELETE),
            {"id": "rhp-1", "securityHeadersConfig": HSTS},
            True,
        ),
        (CDN, None, False),  # an id of a policy outside the stack (a managed one): not judged
    ],
)
def test_every_behaviour_sends_hsts(distribution, policy, bad):
    resources = [Res(DISTRIBUTION, "cdn", distribution)]
    if policy is not None:
        resources.append(Res(HEADERS, "headers", policy))
    assert bool(check_stack(edge.CLOUDFRONT_HSTS, resources)) is bad


def test_hsts_is_read_through_the_dependency_while_the_id_is_unknown():
    distribution = Res(
        DISTRIBUTION,
        "cdn",
        mutate(CDN, "defaultCacheBehavior.responseHeadersPolicyId", "unknown-yet"),
        deps={"defaultCacheBehavior": ["headers"]},
    )
    distribution.props = mutate(
        distribution.props, "orderedCacheBehaviors.0.responseHeadersPolicyId", "unknown-yet"
    )
    without = Res(HEADERS, "headers", {"securityHeadersConfig": {}})
    assert check_stack(edge.CLOUDFRONT_HSTS, [distribution, without])
    with_hsts = Res(HEADERS, "headers", {"securityHeadersConfig": HSTS})
    assert check_stack(edge.CLOUDFRONT_HSTS, [distribution, with_hsts]) == []


@pytest.mark.parametrize(
    ("extra", "legacy", "bad"),
    [
        # v2: an ACCESS_LOGS source on the distribution and a delivery from it
        (
            [
                Res(
                    SOURCE,
                    "src",
                    {"name": "cdn-logs", "logType": "ACCESS_LOGS", "resourceArn": DIST_ARN},
                ),
                Res(DELIVERY, "dlv", {"deliverySourceName": "cdn-logs"}),
            ],
            None,
            False,
        ),
        (
            [
                Res(
                    SOURCE,
                    "src",
                    {"name": "", "logType": "ACCESS_LOGS", "resourceArn": ""},
                    deps={"resourceArn": ["cdn"]},
                ),
                Res(
                    DELIVERY,
                    "dlv",
                    {"deliverySourceName": ""},
                    deps={"deliverySourceName": ["src"]},
                ),
            ],
            None,
            False,
        ),
        # a source without a delivery writes nothing
        (
            [
                Res(
                    SOURCE,
                    "src",
                    {"name": "cdn-logs", "logType": "ACCESS_LOGS", "resourceArn": DIST_ARN},
                )
            ],
            None,
            True,
        ),
        # another distribution's source
        (
            [
                Res(
                    SOURCE,
                    "src",
                    {
                        "name": "x",
                        "logType": "ACCESS_LOGS",
                        "resourceArn": "arn:aws:cloudfront::1:distribution/OTHER",
                    },
                ),
                Res(DELIVERY, "dlv", {"deliverySourceName": "x"}),
            ],
            None,
            True,
        ),
        # connection logs are not access logs
        (
            [
                Res(
                    SOURCE,
                    "src",
                    {"name": "c", "logType": "CONNECTION_LOGS", "resourceArn": DIST_ARN},
                ),
                Res(DELIVERY, "dlv", {"deliverySourceName": "c"}),
            ],
            None,
            True,
        ),
        ([], {"bucket": "logs.s3.amazonaws.com", "prefix": "cf/"}, False),  # legacy logging
        ([], None, True),  # absent: no logging (the provider's default)
    ],
)
def test_cloudfront_standard_logging(extra, legacy, bad):
    props = {**CDN, "arn": DIST_ARN}
    if legacy is not None:
        props["loggingConfig"] = legacy
    resources = [Res(DISTRIBUTION, "cdn", props), *extra]
    assert bool(check_stack(observability.CLOUDFRONT_LOGGING, resources)) is bad


def level(pack: str, env: str, policy: str) -> str:
    config = json.loads((POLICIES_DIR / pack / f"{env}.json").read_text())
    return config[policy]["enforcementLevel"]


def test_levels_per_environment():
    # The default certificate allows TLSv1; a domainless dev stack is reported, not stopped.
    for policy in (
        "encryption-cloudfront-viewer-tls",
        "encryption-cloudfront-origin-tls",
        "encryption-alb-listener-http-redirect",
    ):
        assert (level("encryption", "dev", policy), level("encryption", "prd", policy)) == (
            "advisory",
            "mandatory",
        )
    assert level("guardrails", "dev", "guardrails-alb-deletion-protection") == "advisory"
    assert level("guardrails", "prd", "guardrails-alb-deletion-protection") == "mandatory"
    for policy in (
        "guardrails-alb-drop-invalid-headers",
        "guardrails-cloudfront-waf",
        "guardrails-cloudfront-s3-oac",
        "guardrails-cloudfront-hsts",
        "guardrails-cloudfront-logging",
    ):
        assert level("guardrails", "dev", policy) == level("guardrails", "prd", policy)
        assert level("guardrails", "prd", policy) == "mandatory"
