"""The edge: load balancers drop invalid headers and are protected from deletion (prd);
CloudFront distributions have a web ACL, reach S3 origins only through origin access
control, and send HSTS through a response headers policy.

Absent fields are read as the provider's default: ``dropInvalidHeaderFields`` and
``enableDeletionProtection`` false, no ``webAclId``, no ``originAccessControlId``, no
``responseHeadersPolicyId``.
"""

from __future__ import annotations

from pulumi_policy import EnforcementLevel, Severity

from policy_support import flag, get, items, resource_policy, stack_policy

LOAD_BALANCERS = ["aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"]
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
RESPONSE_HEADERS_POLICY = "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy"


def _label(args) -> str:
    return f"{args.resource_type} '{args.name}'"


def _application(props) -> bool:
    return get(props, "loadBalancerType", default="application") == "application"


def _check_invalid_headers(props, args, cfg):
    if _application(props) and not flag(get(props, "dropInvalidHeaderFields")):
        yield f"{_label(args)} passes invalid header fields on (dropInvalidHeaderFields off)."


ALB_DROP_INVALID_HEADERS = resource_policy(
    "guardrails-alb-drop-invalid-headers",
    "Application load balancers drop HTTP headers with invalid fields.",
    types=LOAD_BALANCERS,
    check=_check_invalid_headers,
    controls=("ELB.4",),
    severity=Severity.MEDIUM,
    remediation="Set drop_invalid_header_fields=True.",
)


def _check_alb_deletion_protection(props, args, cfg):
    if _application(props) and not flag(get(props, "enableDeletionProtection")):
        yield f"{_label(args)} has deletion protection off (the default)."


ALB_DELETION_PROTECTION = resource_policy(
    "guardrails-alb-deletion-protection",
    "Application load balancers have deletion protection on (mandatory in prd).",
    types=LOAD_BALANCERS,
    check=_check_alb_deletion_protection,
    controls=("ELB.6",),
    severity=Severity.MEDIUM,
    remediation="Set enable_deletion_protection=True (edge.deletionProtection, on in prd).",
    level=EnforcementLevel.ADVISORY,
)


def _check_web_acl(props, args, cfg):
    if not get(props, "webAclId"):
        yield f"{_label(args)} has no web ACL (webAclId)."


CLOUDFRONT_WAF = resource_policy(
    "guardrails-cloudfront-waf",
    "CloudFront distributions are protected by a WAFv2 web ACL.",
    types=[DISTRIBUTION],
    check=_check_web_acl,
    controls=("CloudFront.6",),
    severity=Severity.HIGH,
    remediation="Set web_acl_id=<CLOUDFRONT-scope aws.wafv2.WebAcl arn (us-east-1)>.",
)


def _is_s3(origin) -> bool:
    domain = str(get(origin, "domainName", default=""))
    return ".s3." in domain or domain.endswith(".s3.amazonaws.com")


def _check_oac(props, args, cfg):
    for origin in items(get(props, "origins")):
        if get(origin, "customOriginConfig") is not None or not _is_s3(origin):
            continue
        if not get(origin, "originAccessControlId"):
            identity = get(origin, "s3OriginConfig", "originAccessIdentity")
            how = "a legacy origin access identity" if identity else "no origin access control"
            yield f"{_label(args)} origin {get(origin, 'originId')} uses {how}."


CLOUDFRONT_S3_OAC = resource_policy(
    "guardrails-cloudfront-s3-oac",
    "CloudFront reaches S3 origins through origin access control (not OAI, not public).",
    types=[DISTRIBUTION],
    check=_check_oac,
    controls=("CloudFront.13",),
    severity=Severity.HIGH,
    remediation=(
        "Add an aws.cloudfront.OriginAccessControl (s3, always, sigv4), set the origin's "
        "origin_access_control_id, and admit cloudfront.amazonaws.com with AWS:SourceArn of "
        "the distribution in the bucket policy."
    ),
)


def _has_hsts(policy) -> bool:
    hsts = get(policy.props, "securityHeadersConfig", "strictTransportSecurity")
    return hsts is not None and (get(hsts, "accessControlMaxAgeSec", default=0) or 0) > 0


def _check_hsts(distribution, stack, cfg):
    behaviors = [
        get(distribution.props, "defaultCacheBehavior"),
        *items(get(distribution.props, "orderedCacheBehaviors")),
    ]
    policies = stack.referred(
        distribution, "defaultCacheBehavior", [RESPONSE_HEADERS_POLICY], ("id",)
    ) + stack.referred(distribution, "orderedCacheBehaviors", [RESPONSE_HEADERS_POLICY], ("id",))
    by_id = {get(p.props, "id"): p for p in stack.of_type(RESPONSE_HEADERS_POLICY)}
    for behavior in behaviors:
        if behavior is None:
            continue
        where = get(behavior, "pathPattern", default="default")
        policy_id = get(behavior, "responseHeadersPolicyId")
        if not policy_id:
            yield f"behaviour {where} has no response headers policy."
            continue
        policy = by_id.get(policy_id)
        if policy is None and len(policies) == 1:
            policy = policies[0]  # the id is not known yet during preview
        if policy is not None and not _has_hsts(policy):
            yield f"behaviour {where}: its response headers policy sends no HSTS."


CLOUDFRONT_HSTS = stack_policy(
    "guardrails-cloudfront-hsts",
    "Every CloudFront behaviour has a response headers policy that sends HSTS.",
    subjects=[DISTRIBUTION],
    reads=[RESPONSE_HEADERS_POLICY],
    check=_check_hsts,
    severity=Severity.MEDIUM,
    remediation=(
        "Add an aws.cloudfront.ResponseHeadersPolicy with security_headers_config."
        "strict_transport_security (max age > 0, override) and set response_headers_policy_id "
        "on every behaviour."
    ),
)

POLICIES = [
    ALB_DROP_INVALID_HEADERS,
    ALB_DELETION_PROTECTION,
    CLOUDFRONT_WAF,
    CLOUDFRONT_S3_OAC,
    CLOUDFRONT_HSTS,
]
