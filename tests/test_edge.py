"""The edge layer per tier, with and without a domain: load balancer, certificates, DNS,
CloudFront, WAF, and the web services attached behind it."""

from __future__ import annotations

import json

import pytest

from components.config.edge import CLOUDFRONT_ORIGIN_FACING_PREFIX_LISTS
from components.edge.cdn import (
    ALL_VIEWER_EXCEPT_HOST_HEADER,
    CACHING_DISABLED,
    CACHING_OPTIMIZED,
)
from tests.conftest import by_name, of_type, stack_plan

LB = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
RULE = "aws:lb/listenerRule:ListenerRule"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
CERT = "aws:acm/certificate:Certificate"
VALIDATION = "aws:acm/certificateValidation:CertificateValidation"
RECORD = "aws:route53/record:Record"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
HEADERS_POLICY = "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy"
OAC = "aws:cloudfront/originAccessControl:OriginAccessControl"
WEB_ACL = "aws:wafv2/webAcl:WebAcl"
IP_SET = "aws:wafv2/ipSet:IpSet"
REGEX_SET = "aws:wafv2/regexPatternSet:RegexPatternSet"
WAF_LOGGING = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
ECS_SERVICE = "aws:ecs/service:Service"
SCALING_POLICY = "aws:appautoscaling/policy:Policy"
PASSWORD = "random:index/randomPassword:RandomPassword"
US_EAST_1 = "aws-us-east-1"
WEB = {
    "image": "111111111111.dkr.ecr.ap-northeast-1.amazonaws.com/web:1.0.0",
    "port": 8080,
    "healthCheckPath": "/healthz",
    "autoscaling": {"cpuPercent": 60, "requestsPerTarget": 800},
}
API = {**WEB, "port": 9000, "healthCheckPath": "/ping"}
WORKER = {"image": "111111111111.dkr.ecr.ap-northeast-1.amazonaws.com/worker:1.0.0"}
DOMAIN = {"domain": "app.example.com", "hostedZoneId": "Z0123456789ABCDEFGHIJ"}


@pytest.fixture(scope="module")
def dev():
    return stack_plan("dev")


@pytest.fixture(scope="module")
def prd():
    return stack_plan("prd")


def provider_of(resource) -> str:
    return resource.provider.split("::")[-1].rsplit("::", 1)[0].split("::")[0]


def in_us_east_1(resource) -> bool:
    return f"::{US_EAST_1}::" in resource.provider


def test_the_load_balancer_is_hardened_and_logs_in_both_tiers(dev, prd) -> None:
    for plan, protected in ((dev, False), (prd, True)):
        (balancer,) = of_type(plan, LB)
        inputs = balancer.inputs
        stack = "dev" if plan is dev else "prd"
        assert inputs["name"] == f"webplatform-{stack}"
        assert inputs["loadBalancerType"] == "application"
        assert inputs["internal"] is False
        assert inputs["dropInvalidHeaderFields"] is True
        assert inputs["desyncMitigationMode"] in ("defensive", "strictest")
        assert inputs["enableHttp2"] is True
        assert inputs["idleTimeout"] == 60
        assert inputs["enableDeletionProtection"] is protected
        buckets = plan.outputs["buckets"]
        assert inputs["accessLogs"] == {
            "bucket": buckets["access-logs"],
            "prefix": "alb",
            "enabled": True,
        }
        public = plan.outputs["publicSubnetIds"]
        assert sorted(inputs["subnets"]) == sorted(public)
        assert inputs["securityGroups"] == [plan.outputs["securityGroupIds"]["alb"]]


def test_with_a_domain_https_serves_and_http_only_redirects(prd) -> None:
    listeners = {r.name: r.inputs for r in of_type(prd, LISTENER)}
    https, http = listeners["edge-alb-https"], listeners["edge-alb-http"]
    assert (https["protocol"], https["port"]) == ("HTTPS", 443)
    assert https["sslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    validation = by_name(prd, VALIDATION, "edge-origin")
    assert https["certificateArn"] == validation.outputs["certificateArn"]
    assert https["defaultActions"] == [
        {
            "type": "fixed-response",
            "fixedResponse": {
                "contentType": "text/plain",
                "messageBody": "Not Found",
                "statusCode": "404",
            },
        }
    ]
    assert (http["protocol"], http["port"]) == ("HTTP", 80)
    (redirect,) = http["defaultActions"]
    assert redirect["type"] == "redirect"
    assert redirect["redirect"]["protocol"] == "HTTPS"
    assert redirect["redirect"]["port"] == "443"
    assert redirect["redirect"]["statusCode"] == "HTTP_301"


def test_rules_forward_only_with_cloudfronts_secret_header(prd) -> None:
    secret = by_name(prd, PASSWORD, "edge-origin-verify")
    assert secret.inputs["keepers"] == {"version": "1"}
    https = by_name(prd, LISTENER, "edge-alb-https")
    rules = {r.name: r.inputs for r in of_type(prd, RULE)}
    assert set(rules) == {"edge-alb-100-web", "edge-alb-forbidden"}
    forward = rules["edge-alb-100-web"]
    assert forward["listenerArn"] == https.outputs["arn"]
    assert forward["priority"] == 100
    assert {"httpHeader": {"httpHeaderName": "X-Origin-Verify", "values": [
        secret.outputs["result"]
    ]}} in forward["conditions"]  # fmt: skip
    assert {"pathPattern": {"values": ["/*"]}} in forward["conditions"]
    group = by_name(prd, TARGET_GROUP, "service-web")
    assert forward["actions"] == [{"type": "forward", "targetGroupArn": group.outputs["arn"]}]
    forbidden = rules["edge-alb-forbidden"]
    assert forbidden["priority"] == 50000
    assert forbidden["actions"][0]["fixedResponse"]["statusCode"] == "403"
    distribution = by_name(prd, DISTRIBUTION, "edge-cdn").inputs
    (alb,) = [o for o in distribution["origins"] if o["originId"] == "alb"]
    assert alb["customHeaders"] == [{"name": "X-Origin-Verify", "value": secret.outputs["result"]}]


def test_only_cloudfront_reaches_the_load_balancer(dev, prd) -> None:
    for plan, port in ((prd, 443), (dev, 80)):
        group = plan.outputs["securityGroupIds"]["alb"]
        ingress = [
            r.inputs
            for r in of_type(plan, INGRESS)
            if r.inputs["securityGroupId"] == group and r.inputs["fromPort"] == port
        ]
        (rule,) = ingress
        assert rule["prefixListId"] == CLOUDFRONT_ORIGIN_FACING_PREFIX_LISTS["ap-northeast-1"]
        assert (rule["fromPort"], rule["toPort"], rule["ipProtocol"]) == (port, port, "tcp")
        assert "cidrIpv4" not in rule


def test_a_stack_without_a_domain_uses_cloudfronts_name_and_no_certificates(dev) -> None:
    assert of_type(dev, CERT) == [] and of_type(dev, RECORD) == []
    (listener,) = of_type(dev, LISTENER)
    assert (listener.inputs["protocol"], listener.inputs["port"]) == ("HTTP", 80)
    assert listener.inputs["defaultActions"][0]["fixedResponse"]["statusCode"] == "404"
    distribution = by_name(dev, DISTRIBUTION, "edge-cdn")
    assert distribution.inputs["viewerCertificate"] == {"cloudfrontDefaultCertificate": True}
    assert distribution.inputs["aliases"] == []
    (alb,) = [o for o in distribution.inputs["origins"] if o["originId"] == "alb"]
    assert alb["domainName"] == dev.outputs["alb"]["dnsName"]
    assert alb["customOriginConfig"]["originProtocolPolicy"] == "http-only"
    url = f"https://{distribution.outputs['domainName']}"
    assert dev.outputs["appUrl"] == url
    assert dev.outputs["cdn"] == {"distributionId": distribution.outputs["id"], "url": url}


def test_with_a_domain_certificates_are_dns_validated_in_the_zone(prd) -> None:
    certificates = {c.name: c for c in of_type(prd, CERT)}
    assert set(certificates) == {"edge-cdn", "edge-origin"}
    assert certificates["edge-cdn"].inputs["domainName"] == "app.example.com"
    assert in_us_east_1(certificates["edge-cdn"])
    assert certificates["edge-origin"].inputs["domainName"] == "origin.app.example.com"
    assert not in_us_east_1(certificates["edge-origin"])
    for name, certificate in certificates.items():
        assert certificate.inputs["validationMethod"] == "DNS"
        assert certificate.inputs["options"] == {
            "certificateTransparencyLoggingPreference": "ENABLED"
        }
        (option,) = certificate.outputs["domainValidationOptions"]
        record = by_name(prd, RECORD, f"{name}-validation").inputs
        assert record["zoneId"] == "Z0123456789ABCDEFGHIJ"
        assert (record["name"], record["type"]) == (option["resourceRecordName"], "CNAME")
        assert record["records"] == [option["resourceRecordValue"]]
        validation = by_name(prd, VALIDATION, name)
        assert validation.inputs["certificateArn"] == certificate.outputs["arn"]
        assert validation.inputs["validationRecordFqdns"] == [
            by_name(prd, RECORD, f"{name}-validation").outputs["fqdn"]
        ]


def test_with_a_domain_route53_aliases_point_at_cloudfront_and_the_alb(prd) -> None:
    distribution = by_name(prd, DISTRIBUTION, "edge-cdn")
    balancer = by_name(prd, LB, "edge-alb")
    for record_type in ("a", "aaaa"):
        record = by_name(prd, RECORD, f"edge-dns-app-{record_type}").inputs
        assert (record["name"], record["type"]) == ("app.example.com", record_type.upper())
        assert record["aliases"] == [
            {
                "name": distribution.outputs["domainName"],
                "zoneId": "Z2FDTNDATAQYW2",
                "evaluateTargetHealth": False,
            }
        ]
    origin = by_name(prd, RECORD, "edge-dns-origin").inputs
    assert (origin["name"], origin["type"]) == ("origin.app.example.com", "A")
    assert origin["aliases"] == [
        {
            "name": balancer.outputs["dnsName"],
            "zoneId": balancer.outputs["zoneId"],
            "evaluateTargetHealth": True,
        }
    ]
    assert prd.outputs["appUrl"] == "https://app.example.com"
    assert prd.outputs["alb"] == {
        "dnsName": balancer.outputs["dnsName"],
        "arnSuffix": balancer.outputs["arnSuffix"],
    }


def test_cloudfront_serves_viewers_over_modern_tls_with_the_domain(prd) -> None:
    distribution = by_name(prd, DISTRIBUTION, "edge-cdn")
    inputs = distribution.inputs
    assert in_us_east_1(distribution)
    assert inputs["aliases"] == ["app.example.com"]
    cdn_certificate = by_name(prd, VALIDATION, "edge-cdn").outputs["certificateArn"]
    assert inputs["viewerCertificate"] == {
        "acmCertificateArn": cdn_certificate,
        "sslSupportMethod": "sni-only",
        "minimumProtocolVersion": "TLSv1.2_2021",
    }
    assert inputs["httpVersion"] == "http2and3"
    assert inputs["isIpv6Enabled"] is True
    assert inputs["priceClass"] == "PriceClass_200"
    (alb,) = [o for o in inputs["origins"] if o["originId"] == "alb"]
    assert alb["domainName"] == "origin.app.example.com"
    assert alb["customOriginConfig"]["originProtocolPolicy"] == "https-only"
    assert alb["customOriginConfig"]["originSslProtocols"] == ["TLSv1.2"]
    assert inputs["webAclId"] == by_name(prd, WEB_ACL, "edge-waf").outputs["arn"]
    assert "loggingConfig" not in inputs


def test_cloudfront_behaviours_split_dynamic_and_static(prd) -> None:
    inputs = by_name(prd, DISTRIBUTION, "edge-cdn").inputs
    headers = by_name(prd, HEADERS_POLICY, "edge-cdn")
    default = inputs["defaultCacheBehavior"]
    assert default["targetOriginId"] == "alb"
    assert default["viewerProtocolPolicy"] == "redirect-to-https"
    assert sorted(default["allowedMethods"]) == [
        "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT",
    ]  # fmt: skip
    assert default["cachePolicyId"] == CACHING_DISABLED
    assert default["originRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST_HEADER
    assert default["responseHeadersPolicyId"] == headers.outputs["id"]
    assert default["compress"] is True
    (static,) = inputs["orderedCacheBehaviors"]
    assert static["pathPattern"] == "/static/*"
    assert static["targetOriginId"] == "assets"
    assert static["allowedMethods"] == ["GET", "HEAD"]
    assert static["cachePolicyId"] == CACHING_OPTIMIZED
    assert "originRequestPolicyId" not in static  # no cookies or query strings to S3
    assert static["compress"] is True and static["viewerProtocolPolicy"] == "redirect-to-https"
    (assets,) = [o for o in inputs["origins"] if o["originId"] == "assets"]
    assert assets["domainName"] == (
        f"{prd.outputs['buckets']['assets']}.s3.ap-northeast-1.amazonaws.com"
    )
    assert assets["originAccessControlId"] == by_name(prd, OAC, "edge-cdn-assets").outputs["id"]
    assert inputs["customErrorResponses"] == [
        {
            "errorCode": 403,
            "responseCode": 404,
            "responsePagePath": "/static/errors/404.html",
            "errorCachingMinTtl": 10,
        }
    ]
    security = headers.inputs["securityHeadersConfig"]
    assert security["strictTransportSecurity"]["accessControlMaxAgeSec"] >= 31536000
    assert security["contentTypeOptions"] == {"override": True}
    assert security["frameOptions"]["frameOption"] == "DENY"
    assert security["referrerPolicy"]["referrerPolicy"] == "strict-origin-when-cross-origin"


def test_cloudfront_logs_through_v2_log_delivery_in_us_east_1(prd) -> None:
    distribution = by_name(prd, DISTRIBUTION, "edge-cdn")
    source = by_name(prd, "aws:cloudwatch/logDeliverySource:LogDeliverySource", "edge-cdn")
    destination = by_name(
        prd, "aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination", "edge-cdn"
    )
    delivery = by_name(prd, "aws:cloudwatch/logDelivery:LogDelivery", "edge-cdn")
    assert all(in_us_east_1(r) for r in (source, destination, delivery))
    assert source.inputs["logType"] == "ACCESS_LOGS"
    assert source.inputs["resourceArn"] == distribution.outputs["arn"]
    bucket = f"arn:aws:s3:::{prd.outputs['buckets']['access-logs']}"
    assert destination.inputs["deliveryDestinationConfiguration"] == {
        "destinationResourceArn": bucket
    }
    assert delivery.inputs["deliverySourceName"] == source.outputs["name"]
    assert delivery.inputs["deliveryDestinationArn"] == destination.outputs["arn"]


def test_the_assets_bucket_admits_only_this_distribution(prd) -> None:
    distribution = by_name(prd, DISTRIBUTION, "edge-cdn").outputs["arn"]
    policies = [
        json.loads(p.inputs["policy"])
        for p in of_type(prd, "aws:s3/bucketPolicy:BucketPolicy")
        if p.inputs["bucket"] == prd.outputs["buckets"]["assets"]
    ]
    (policy,) = policies
    (read,) = [s for s in policy["Statement"] if s["Principal"] == {
        "Service": "cloudfront.amazonaws.com"
    }]  # fmt: skip
    assert read["Action"] == "s3:GetObject"
    assert read["Condition"] == {"StringEquals": {"AWS:SourceArn": distribution}}
    assert read["Resource"] == f"arn:aws:s3:::{prd.outputs['buckets']['assets']}/*"


def test_the_data_key_lets_cloudfront_decrypt_for_this_accounts_distributions(prd) -> None:
    key = by_name(prd, "aws:kms/key:Key", "keys-data")
    (statement,) = [
        s
        for s in json.loads(key.inputs["policy"])["Statement"]
        if s["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    ]
    assert statement["Action"] == "kms:Decrypt"
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "222222222222"},
        "ArnLike": {"aws:SourceArn": "arn:aws:cloudfront::222222222222:distribution/*"},
    }


def test_web_services_attach_after_the_listener_and_scale_on_requests(prd) -> None:
    group = by_name(prd, TARGET_GROUP, "service-web")
    service = by_name(prd, ECS_SERVICE, "service-web")
    assert service.inputs["loadBalancers"] == [
        {"targetGroupArn": group.outputs["arn"], "containerName": "web", "containerPort": 8080}
    ]
    assert service.inputs["healthCheckGracePeriodSeconds"] == 60
    listener = by_name(prd, LISTENER, "edge-alb-https")
    rule = by_name(prd, RULE, "edge-alb-100-web")
    assert {listener.urn, rule.urn, group.urn} <= set(service.dependencies)
    worker = by_name(prd, ECS_SERVICE, "service-worker").inputs
    assert "loadBalancers" not in worker and "healthCheckGracePeriodSeconds" not in worker
    requests = by_name(prd, SCALING_POLICY, "service-web-requests").inputs
    spec = requests["targetTrackingScalingPolicyConfiguration"]
    assert spec["targetValue"] == 1000
    assert spec["predefinedMetricSpecification"] == {
        "predefinedMetricType": "ALBRequestCountPerTarget",
        "resourceLabel": f"{prd.outputs['alb']['arnSuffix']}/{group.outputs['arnSuffix']}",
    }


def test_routes_send_hosts_and_paths_to_each_web_service(plan_stack) -> None:
    plan = plan_stack(
        "dev",
        services={"web": WEB, "api": API, "worker": WORKER},
        edge={
            "domain": "app.example.com",
            "hostedZoneId": "Z0123456789ABCDEFGHIJ",
            "routes": [
                {"service": "api", "priority": 10, "paths": ["/api/*"], "hosts": ["*.example.com"]},
                {"service": "web", "priority": 20},
            ],
        },
    )
    rules = {r.name: r.inputs for r in of_type(plan, RULE)}
    assert set(rules) == {"edge-alb-10-api", "edge-alb-20-web", "edge-alb-forbidden"}
    api = rules["edge-alb-10-api"]
    assert api["priority"] == 10
    assert {"pathPattern": {"values": ["/api/*"]}} in api["conditions"]
    assert {"hostHeader": {"values": ["*.example.com"]}} in api["conditions"]
    groups = {g.name: g.inputs for g in of_type(plan, TARGET_GROUP)}
    assert set(groups) == {"service-api", "service-web"}
    assert (groups["service-api"]["port"], groups["service-api"]["healthCheck"]["path"]) == (
        9000,
        "/ping",
    )
    assert groups["service-api"]["name"] == "webplatform-dev-api"
    for name, port in (("api", 9000), ("web", 8080)):
        balancers = by_name(plan, ECS_SERVICE, f"service-{name}").inputs["loadBalancers"]
        assert [(b["containerName"], b["containerPort"]) for b in balancers] == [(name, port)]


def test_without_routes_only_the_first_web_service_is_attached(plan_stack) -> None:
    # api is first in the file; web, not routed, cannot scale on requests per target.
    web = {**WEB, "autoscaling": {"cpuPercent": 60}}
    plan = plan_stack("dev", services={"api": API, "web": web})
    assert [g.name for g in of_type(plan, TARGET_GROUP)] == ["service-api"]
    assert "loadBalancers" not in by_name(plan, ECS_SERVICE, "service-web").inputs
    assert plan.outputs["services"]["web"]["targetGroupArn"] is None


def test_the_web_acl_runs_the_configured_rules_in_us_east_1(plan_stack) -> None:
    plan = plan_stack(
        "prd",
        services={"web": WEB},
        edge={
            "waf": {
                "rateLimit": 500,
                "managedRules": {"sqliRuleSet": "count"},
                "officeCidrs": ["203.0.113.0/24", "2001:db8::/32"],
                "partnerCidrs": ["198.51.100.0/24"],
                "denyCidrs": ["192.0.2.0/24"],
                "adminPaths": ["/Admin", "/internal"],
                "blockedUserAgents": ["(?i)sqlmap"],
                "ciToken": {"secure": "v1:abcdef"},
            }
        },
    )
    acl = by_name(plan, WEB_ACL, "edge-waf")
    assert in_us_east_1(acl) and acl.inputs["scope"] == "CLOUDFRONT"
    assert acl.inputs["defaultAction"] == {"allow": {}}
    rules = {r["name"]: r for r in acl.inputs["rules"]}
    assert list(rules) == [
        "deny-ips",
        "blocked-user-agents",
        "label-admin-trusted",
        "admin-paths-office-partners-only",
        "allow-ci-bearer-token",
        "rate-limit-per-ip",
        "aws-CommonRuleSet",
        "aws-KnownBadInputsRuleSet",
        "aws-SQLiRuleSet",
        "aws-AmazonIpReputationList",
        "aws-AnonymousIpList",
    ]
    assert [r["priority"] for r in acl.inputs["rules"]] == list(range(len(rules)))
    sets = {s.name: s for s in of_type(plan, IP_SET)}
    assert {n: s.inputs["addresses"] for n, s in sets.items()} == {
        "edge-waf-deny": ["192.0.2.0/24"],
        "edge-waf-office": ["203.0.113.0/24"],
        "edge-waf-office-v6": ["2001:db8::/32"],
        "edge-waf-partners": ["198.51.100.0/24"],
    }
    assert sets["edge-waf-office-v6"].inputs["ipAddressVersion"] == "IPV6"
    assert all(s.inputs["scope"] == "CLOUDFRONT" and in_us_east_1(s) for s in sets.values())
    deny = rules["deny-ips"]
    assert deny["action"] == {"block": {}}
    assert deny["statement"] == {
        "ipSetReferenceStatement": {"arn": sets["edge-waf-deny"].outputs["arn"]}
    }
    trusted = rules["label-admin-trusted"]
    assert trusted["action"] == {"count": {}}
    assert trusted["ruleLabels"] == [{"name": "webplatform:admin-trusted"}]
    assert len(trusted["statement"]["orStatement"]["statements"]) == 3
    admin = rules["admin-paths-office-partners-only"]["statement"]["andStatement"]["statements"]
    paths = [s["byteMatchStatement"]["searchString"] for s in admin[0]["orStatement"]["statements"]]
    assert paths == ["/admin", "/internal"]
    assert admin[1] == {
        "notStatement": {
            "statement": {
                "labelMatchStatement": {"scope": "LABEL", "key": "webplatform:admin-trusted"}
            }
        }
    }
    ci = rules["allow-ci-bearer-token"]
    assert ci["action"] == {"allow": {}}
    match = ci["statement"]["byteMatchStatement"]
    assert match["fieldToMatch"] == {"singleHeader": {"name": "authorization"}}
    assert match["positionalConstraint"] == "EXACTLY"
    assert match["searchString"] == "[secret]"  # "Bearer <token>", a secret: never shown
    rate = rules["rate-limit-per-ip"]["statement"]["rateBasedStatement"]
    assert rate == {"limit": 500, "aggregateKeyType": "IP", "evaluationWindowSec": 300}
    assert rules["aws-SQLiRuleSet"]["overrideAction"] == {"count": {}}
    assert rules["aws-CommonRuleSet"]["overrideAction"] == {"none": {}}
    assert rules["aws-CommonRuleSet"]["statement"] == {
        "managedRuleGroupStatement": {"vendorName": "AWS", "name": "AWSManagedRulesCommonRuleSet"}
    }
    (patterns,) = of_type(plan, REGEX_SET)
    assert patterns.inputs["regularExpressions"] == [{"regexString": "(?i)sqlmap"}]
    user_agents = rules["blocked-user-agents"]["statement"]["regexPatternSetReferenceStatement"]
    assert user_agents["fieldToMatch"] == {"singleHeader": {"name": "user-agent"}}


def test_without_office_or_partner_sets_the_admin_paths_are_closed(dev) -> None:
    rules = {r["name"]: r for r in by_name(dev, WEB_ACL, "edge-waf").inputs["rules"]}
    assert "label-admin-trusted" not in rules and "allow-ci-bearer-token" not in rules
    admin = rules["admin-paths-office-partners-only"]
    assert admin["action"] == {"block": {}}
    assert admin["statement"]["byteMatchStatement"]["searchString"] == "/admin"
    assert rules["aws-AnonymousIpList"]["overrideAction"] == {"count": {}}  # dev's default


def test_waf_logs_to_an_encrypted_group_in_us_east_1_with_secrets_redacted(prd) -> None:
    acl = by_name(prd, WEB_ACL, "edge-waf")
    group = by_name(prd, LOG_GROUP, "edge-waf")
    key = by_name(prd, "aws:kms/key:Key", "edge-waf-logs")
    assert in_us_east_1(group) and in_us_east_1(key)
    assert group.inputs["name"] == "aws-waf-logs-webplatform-prd"
    assert group.inputs["kmsKeyId"] == key.outputs["arn"]
    assert group.inputs["retentionInDays"] == 365
    assert key.protect is True and key.inputs["enableKeyRotation"] is True
    (logs_statement,) = [
        s for s in json.loads(key.inputs["policy"])["Statement"] if "Service" in s["Principal"]
    ]
    assert logs_statement["Principal"] == {"Service": "logs.us-east-1.amazonaws.com"}
    logging = by_name(prd, WAF_LOGGING, "edge-waf").inputs
    assert logging["resourceArn"] == acl.outputs["arn"]
    assert logging["logDestinationConfigs"] == [group.outputs["arn"]]
    assert logging["redactedFields"] == [
        {"singleHeader": {"name": "authorization"}},
        {"singleHeader": {"name": "cookie"}},
    ]


def test_bumping_the_origin_verify_version_rotates_the_secret(plan_stack) -> None:
    plan = plan_stack("dev", edge={"originVerifyVersion": 2})
    assert by_name(plan, PASSWORD, "edge-origin-verify").inputs["keepers"] == {"version": "2"}


def test_settings_reach_the_load_balancer_and_cloudfront(plan_stack) -> None:
    plan = plan_stack(
        "prd",
        edge={
            **DOMAIN,
            "tlsPolicy": "ELBSecurityPolicy-TLS13-1-3-2021-06",
            "minimumProtocolVersion": "TLSv1.2_2025",
            "priceClass": "PriceClass_All",
            "idleTimeoutSeconds": 120,
            "healthCheckGracePeriodSeconds": 90,
        },
        services={"web": WEB},
    )
    assert by_name(plan, LISTENER, "edge-alb-https").inputs["sslPolicy"] == (
        "ELBSecurityPolicy-TLS13-1-3-2021-06"
    )
    assert by_name(plan, LB, "edge-alb").inputs["idleTimeout"] == 120
    distribution = by_name(plan, DISTRIBUTION, "edge-cdn").inputs
    assert distribution["priceClass"] == "PriceClass_All"
    assert distribution["viewerCertificate"]["minimumProtocolVersion"] == "TLSv1.2_2025"
    service = by_name(plan, ECS_SERVICE, "service-web").inputs
    assert service["healthCheckGracePeriodSeconds"] == 90
