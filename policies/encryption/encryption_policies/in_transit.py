"""Encryption in transit: TLS 1.2+ at the ALB and CloudFront, HTTPS to origins, TLS to the
cache, and S3 bucket policies that refuse plain HTTP."""

from __future__ import annotations

from collections.abc import Mapping

from pulumi_policy import Severity

from policy_support import flag, get, items, resource_policy, stack_policy, statements, strings

from .at_rest import BUCKET_TYPES, CACHE_CLUSTER, REPLICATION_GROUP

LISTENER_TYPES = ["aws:lb/listener:Listener", "aws:alb/listener:Listener"]
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"

# The provider's default when sslPolicy is absent (TLS 1.0): never on the allowlist.
LISTENER_DEFAULT_SSL_POLICY = "ELBSecurityPolicy-2016-08"


def _label(args) -> str:
    return f"{args.resource_type} '{args.name}'"


def _check_listener_tls(props, args, cfg):
    if get(props, "protocol", default="HTTP") not in ("HTTPS", "TLS"):
        return
    policy = get(props, "sslPolicy", default=LISTENER_DEFAULT_SSL_POLICY)
    if policy not in cfg["allowedSslPolicies"]:
        yield f"{_label(args)} uses sslPolicy {policy}; allowed: {cfg['allowedSslPolicies']}."


LISTENER_TLS_POLICY = resource_policy(
    "encryption-alb-listener-tls-policy",
    "HTTPS and TLS load balancer listeners use an allowlisted TLS 1.2+ security policy.",
    types=LISTENER_TYPES,
    check=_check_listener_tls,
    controls=("ELB.17",),
    severity=Severity.HIGH,
    remediation="Set ssl_policy='ELBSecurityPolicy-TLS13-1-2-2021-06' (or another allowed one).",
    params={
        "allowedSslPolicies": {
            "type": "array",
            "items": {"type": "string"},
            "description": "ELB security policies accepted on HTTPS/TLS listeners.",
            "default": [
                "ELBSecurityPolicy-TLS13-1-2-2021-06",
                "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
                "ELBSecurityPolicy-TLS13-1-3-2021-06",
                "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
                "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
                "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
                "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09",
                "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
                "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
                "ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09",
                "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09",
                "ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09",
            ],
        },
    },
)


def _redirects_to_https(action) -> bool:
    return get(action, "type") == "redirect" and get(action, "redirect", "protocol") == "HTTPS"


def _check_listener_redirect(props, args, cfg):
    if get(props, "protocol", default="HTTP") != "HTTP":
        return
    actions = items(get(props, "defaultActions"))
    if not actions or not all(_redirects_to_https(a) for a in actions):
        yield f"{_label(args)} is plain HTTP and does not only redirect to HTTPS."


LISTENER_HTTP_REDIRECT = resource_policy(
    "encryption-alb-listener-http-redirect",
    "Plain HTTP load balancer listeners only redirect to HTTPS.",
    types=LISTENER_TYPES,
    check=_check_listener_redirect,
    controls=("ELB.1",),
    severity=Severity.HIGH,
    remediation=(
        "Give the port 80 listener one default action: type 'redirect' with "
        "redirect={'protocol': 'HTTPS', 'port': '443', 'status_code': 'HTTP_301'}."
    ),
)


def _check_viewer_tls(props, args, cfg):
    behaviors = [get(props, "defaultCacheBehavior"), *items(get(props, "orderedCacheBehaviors"))]
    for behavior in behaviors:
        policy = get(behavior, "viewerProtocolPolicy")
        if behavior is not None and policy not in ("redirect-to-https", "https-only"):
            where = get(behavior, "pathPattern", default="default")
            yield f"{_label(args)} behaviour {where} has viewerProtocolPolicy {policy}."
    certificate = get(props, "viewerCertificate")
    allowed = cfg["allowedMinimumProtocolVersions"]
    if flag(get(certificate, "cloudfrontDefaultCertificate")):
        yield f"{_label(args)} uses the default certificate, which allows TLSv1; use ACM."
        return
    version = get(certificate, "minimumProtocolVersion", default="TLSv1")
    if version not in allowed:
        yield f"{_label(args)} minimumProtocolVersion is {version}; allowed: {allowed}."


CLOUDFRONT_VIEWER_TLS = resource_policy(
    "encryption-cloudfront-viewer-tls",
    "CloudFront serves viewers over HTTPS only (redirect-to-https or https-only) with an "
    "allowlisted minimum TLS version.",
    types=[DISTRIBUTION],
    check=_check_viewer_tls,
    controls=("CloudFront.3",),
    severity=Severity.HIGH,
    remediation=(
        "Set viewer_protocol_policy='redirect-to-https' on every behaviour and "
        "viewer_certificate={'acm_certificate_arn': <us-east-1 cert>, 'ssl_support_method': "
        "'sni-only', 'minimum_protocol_version': 'TLSv1.2_2021'}."
    ),
    params={
        "allowedMinimumProtocolVersions": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Accepted viewerCertificate.minimumProtocolVersion values.",
            "default": ["TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025"],
        },
    },
)


def _check_origin_tls(props, args, cfg):
    for origin in items(get(props, "origins")):
        custom = get(origin, "customOriginConfig")
        if custom is None:
            continue  # S3 (OAC) and VPC origins
        origin_id = get(origin, "originId")
        if get(custom, "originProtocolPolicy") != "https-only":
            yield f"{_label(args)} origin {origin_id} is not https-only."
        protocols = strings(get(custom, "originSslProtocols"))
        if not protocols or set(protocols) - {"TLSv1.2"}:
            yield f"{_label(args)} origin {origin_id} allows {protocols}; use ['TLSv1.2']."


CLOUDFRONT_ORIGIN_TLS = resource_policy(
    "encryption-cloudfront-origin-tls",
    "CloudFront reaches custom origins over HTTPS with TLS 1.2 only.",
    types=[DISTRIBUTION],
    check=_check_origin_tls,
    controls=("CloudFront.9", "CloudFront.10"),
    severity=Severity.HIGH,
    remediation=(
        "Set custom_origin_config={'origin_protocol_policy': 'https-only', "
        "'origin_ssl_protocols': ['TLSv1.2'], ...} on every custom origin."
    ),
)


def _check_cache_transit(props, args, cfg):
    if args.resource_type == CACHE_CLUSTER and get(props, "replicationGroupId"):
        return  # the replication group's setting applies
    if not flag(get(props, "transitEncryptionEnabled")):
        yield f"{_label(args)} has transitEncryptionEnabled off (the default)."
    elif get(props, "transitEncryptionMode") == "preferred":
        yield f"{_label(args)} transitEncryptionMode is 'preferred'; plain connections are allowed."


ELASTICACHE_IN_TRANSIT = resource_policy(
    "encryption-elasticache-in-transit",
    "ElastiCache requires TLS from clients.",
    types=[REPLICATION_GROUP, CACHE_CLUSTER],
    check=_check_cache_transit,
    controls=("ElastiCache.5",),
    severity=Severity.HIGH,
    remediation="Set transit_encryption_enabled=True (and transit_encryption_mode 'required').",
)


def _is_everyone(principal) -> bool:
    if principal == "*":
        return True
    return isinstance(principal, Mapping) and "*" in strings(get(principal, "AWS"))


def _denies_plain_http(statement) -> bool:
    if get(statement, "Effect") != "Deny" or not _is_everyone(get(statement, "Principal")):
        return False
    if not {"*", "s3:*"} & {a.lower() for a in strings(get(statement, "Action"))}:
        return False
    condition = get(statement, "Condition")
    for operator in ("Bool", "BoolIfExists"):
        block = get(condition, operator)
        if not isinstance(block, Mapping):
            continue
        for key in block:
            value = block[key]
            values = items(value) or [value]
            if key.lower() == "aws:securetransport" and "false" in {str(v).lower() for v in values}:
                return True
    return False


def _check_secure_transport(bucket, stack, cfg):
    policies = stack.referring(bucket, [BUCKET_POLICY], "bucket", ("bucket", "id"))
    if not any(_denies_plain_http(s) for p in policies for s in statements(get(p.props, "policy"))):
        yield "has no bucket policy denying requests without aws:SecureTransport."


S3_SECURE_TRANSPORT = stack_policy(
    "encryption-s3-bucket-secure-transport",
    "Every S3 bucket has a bucket policy that denies requests made without TLS "
    "(aws:SecureTransport false).",
    subjects=BUCKET_TYPES,
    reads=[BUCKET_POLICY],
    check=_check_secure_transport,
    controls=("S3.5",),
    severity=Severity.HIGH,
    remediation=(
        "Add an aws.s3.BucketPolicy with a statement {Effect: Deny, Principal: '*', Action: "
        "'s3:*', Resource: [bucket arn, bucket arn/*], Condition: {Bool: "
        "{'aws:SecureTransport': 'false'}}}."
    ),
)

POLICIES = [
    LISTENER_TLS_POLICY,
    LISTENER_HTTP_REDIRECT,
    CLOUDFRONT_VIEWER_TLS,
    CLOUDFRONT_ORIGIN_TLS,
    ELASTICACHE_IN_TRANSIT,
    S3_SECURE_TRANSPORT,
]
