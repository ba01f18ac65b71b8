"""The edge layer: how requests reach the services.

    viewer ─HTTPS─► CloudFront (+ WAF) ─HTTPS + X-Origin-Verify─► ALB ─HTTP─► tasks
                                   └──── /static/* (OAC) ─────► assets bucket

Built after the data layer and before compute: the load balancer, its listeners and the
target groups exist first, and the compute layer attaches each web service's ECS service to
its target group (ECS refuses a target group no listener forwards to).
"""

from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components.edge.cdn import Cdn
from components.edge.certificates import Certificate
from components.edge.dns import Dns
from components.edge.firewall import GLOBAL_REGION, Firewall
from components.edge.load_balancer import ORIGIN_VERIFY_HEADER, LoadBalancer, Route, WebTarget
from components.platform import Platform


class WafSettings(TypedDict):
    """What the stack config says of the web ACL."""

    rate_limit: int
    """Requests per source IP in 5 minutes before WAF blocks it."""
    managed_rules: Mapping[str, str]
    """AWS managed rule groups (without the `AWSManagedRules` prefix) to "block" or "count"."""
    office_cidrs: Sequence[str]
    """The company's addresses."""
    partner_cidrs: Sequence[str]
    """Partners' addresses."""
    deny_cidrs: Sequence[str]
    """Addresses always blocked."""
    admin_paths: Sequence[str]
    """Path prefixes only the office and partner addresses reach."""
    blocked_user_agents: Sequence[str]
    """Regular expressions of User-Agent values to block."""


class EdgeSettings(TypedDict):
    """What the stack config says of the edge."""

    domain: str | None
    """The app's domain; None: CloudFront's own name and default certificate."""
    origin_domain: str | None
    """origin.<domain>, the load balancer's name for CloudFront; None without a domain."""
    hosted_zone_id: str | None
    """The domain's Route 53 public zone; None without a domain."""
    tls_policy: str
    """The HTTPS listener's ELB security policy."""
    minimum_protocol_version: str
    """CloudFront's viewer security policy (with a domain)."""
    price_class: str
    """CloudFront price class."""
    idle_timeout_seconds: int
    """Seconds an idle load balancer connection stays open."""
    deletion_protection: bool
    """Refuse to delete the load balancer."""
    origin_verify_version: int
    """Changing it generates a new X-Origin-Verify secret."""
    routes: Sequence[Route]
    """Host/path rules; empty: every path to the first web service."""
    waf: WafSettings
    """The web ACL's rules."""


class EdgeArgs(TypedDict):
    platform: Platform
    """Name prefix, account, log retention and protection."""
    vpc_id: pulumi.Input[str]
    """The network's VPC, for the target groups."""
    public_subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """The network's public subnets, for the load balancer."""
    alb_security_group_id: pulumi.Input[str]
    """The network's alb group, which admits only CloudFront's origin-facing addresses."""
    access_logs_bucket: pulumi.Input[str]
    """The data layer's access-logs bucket: load balancer and CloudFront logs."""
    access_logs_bucket_arn: pulumi.Input[str]
    """Its ARN, the CloudFront log delivery's destination."""
    assets_regional_domain_name: pulumi.Input[str]
    """The data layer's assets bucket, CloudFront's static origin."""
    settings: EdgeSettings
    """The stack config's edge settings."""
    services: Mapping[str, WebTarget]
    """Web-facing services (port and health-check path), in the stack config's order."""
    ci_token: pulumi.Input[str] | None
    """A secret bearer token CI tools present to pass WAF; None: no such rule."""
    test_ports: NotRequired[Mapping[str, int]]
    """Test listener port by routed service deployed blue/green (each gets a green target
    group); absent: every service deploys rolling."""
    test_cidrs: NotRequired[Sequence[str]]
    """Addresses admitted to the test listeners."""


class Edge(pulumi.ComponentResource):
    """Load balancer, certificates, DNS, CloudFront and WAF.

    The load balancer answers only requests carrying CloudFront's secret X-Origin-Verify
    header, and its security group admits only CloudFront's origin-facing addresses. With a
    domain, ACM certificates (us-east-1 for CloudFront, regional for the load balancer) are
    validated in the hosted zone and Route 53 aliases point the domain at CloudFront and
    origin.<domain> at the load balancer; without one, CloudFront's own name and default
    certificate are used and it reaches the load balancer over HTTP.

    CloudFront's certificate, web ACL, WAF log group and log delivery live in us-east-1:
    `global_provider` is that provider (the stack's us-east-1 provider with its tags and
    account pin); without it the layer makes a us-east-1 provider of its own.
    """

    app_url: pulumi.Output[str]
    """Where users reach the app."""
    distribution_id: pulumi.Output[str]
    """The CloudFront distribution, for invalidations."""
    distribution_arn: pulumi.Output[str]
    """The distribution's ARN, for the assets bucket policy."""
    cdn_url: pulumi.Output[str]
    """The distribution's own https://<id>.cloudfront.net URL."""
    alb_dns_name: pulumi.Output[str]
    """The load balancer's DNS name (it answers only CloudFront)."""
    alb_arn_suffix: pulumi.Output[str]
    """`app/<name>/<id>`, for metrics and requests-per-target scaling."""
    listener_arn: pulumi.Output[str]
    """The listener that forwards to the services."""
    target_group_arns: pulumi.Output[dict[str, str]]
    """Target group by routed web service, resolved once its listener rules exist."""
    target_group_arn_suffixes: pulumi.Output[dict[str, str]]
    """`targetgroup/<name>/<id>` by routed web service."""
    target_group_names: pulumi.Output[dict[str, str]]
    """Target group name by routed web service."""
    green_target_groups: pulumi.Output[dict[str, dict[str, str]]]
    """Per blue/green service: its second target group's name and arnSuffix, and the
    testListenerArn."""
    web_acl_arn: pulumi.Output[str]
    """The CloudFront web ACL."""
    web_acl_name: pulumi.Output[str]
    """The web ACL's name and metric name (metrics in us-east-1)."""
    waf_log_group_name: pulumi.Output[str]
    """The WAF log group, in us-east-1."""

    def __init__(
        self,
        name: str,
        args: EdgeArgs,
        opts: pulumi.ResourceOptions | None = None,
        global_provider: aws.Provider | None = None,
    ) -> None:
        super().__init__("webplatform:edge:Edge", name, None, opts)
        platform = args["platform"]
        settings = args["settings"]
        prefix = platform["name_prefix"]
        child = pulumi.ResourceOptions(parent=self)
        if global_provider is None:
            global_provider = aws.Provider(
                f"{name}-{GLOBAL_REGION}",
                region=GLOBAL_REGION,
                allowed_account_ids=[platform["account_id"]],
                opts=child,
            )
        in_us_east_1 = pulumi.ResourceOptions(parent=self, provider=global_provider)

        origin_verify = random.RandomPassword(
            f"{name}-origin-verify",
            length=48,
            special=False,
            keepers={"version": str(settings["origin_verify_version"])},
            opts=child,
        )
        secret: pulumi.Output[str] = origin_verify.result  # a secret output already

        domain, zone = settings["domain"], settings["hosted_zone_id"]
        origin_domain = settings["origin_domain"]
        alb_certificate: Certificate | None = None
        cdn_certificate: Certificate | None = None
        if domain is not None and zone is not None and origin_domain is not None:
            alb_certificate = Certificate(
                f"{name}-origin", {"domain": origin_domain, "hosted_zone_id": zone}, opts=child
            )
            cdn_certificate = Certificate(
                f"{name}-cdn", {"domain": domain, "hosted_zone_id": zone}, opts=in_us_east_1
            )

        balancer = LoadBalancer(
            f"{name}-alb",
            {
                "name_prefix": prefix,
                "vpc_id": args["vpc_id"],
                "subnet_ids": args["public_subnet_ids"],
                "security_group_id": args["alb_security_group_id"],
                "access_logs_bucket": args["access_logs_bucket"],
                "certificate_arn": alb_certificate.certificate_arn if alb_certificate else None,
                "tls_policy": settings["tls_policy"],
                "idle_timeout_seconds": settings["idle_timeout_seconds"],
                "deletion_protection": settings["deletion_protection"],
                "services": args["services"],
                "routes": settings["routes"],
                "origin_verify_secret": secret,
                "test_ports": args.get("test_ports", {}),
                "test_cidrs": args.get("test_cidrs", []),
            },
            opts=child,
        )
        waf = settings["waf"]
        firewall = Firewall(
            f"{name}-waf",
            {
                "name_prefix": prefix,
                "account_id": platform["account_id"],
                "log_retention_days": platform["log_retention_days"],
                "protect": platform["protect"],
                "rate_limit": waf["rate_limit"],
                "managed_rules": waf["managed_rules"],
                "office_cidrs": waf["office_cidrs"],
                "partner_cidrs": waf["partner_cidrs"],
                "deny_cidrs": waf["deny_cidrs"],
                "admin_paths": waf["admin_paths"],
                "ci_token": args["ci_token"],
                "blocked_user_agents": waf["blocked_user_agents"],
            },
            opts=in_us_east_1,
        )
        cdn = Cdn(
            f"{name}-cdn",
            {
                "name_prefix": prefix,
                "domain": domain,
                "certificate_arn": cdn_certificate.certificate_arn if cdn_certificate else None,
                "minimum_protocol_version": settings["minimum_protocol_version"],
                "price_class": settings["price_class"],
                "web_acl_arn": firewall.web_acl_arn,
                "alb_origin_domain": origin_domain or balancer.dns_name,
                "alb_origin_https": alb_certificate is not None,
                "origin_verify_header": ORIGIN_VERIFY_HEADER,
                "origin_verify_secret": secret,
                "assets_regional_domain_name": args["assets_regional_domain_name"],
                "access_logs_bucket_arn": args["access_logs_bucket_arn"],
            },
            opts=in_us_east_1,
        )
        if domain is not None and zone is not None and origin_domain is not None:
            Dns(
                f"{name}-dns",
                {
                    "hosted_zone_id": zone,
                    "domain": domain,
                    "origin_domain": origin_domain,
                    "distribution_domain_name": cdn.domain_name,
                    "alb_dns_name": balancer.dns_name,
                    "alb_zone_id": balancer.zone_id,
                },
                opts=child,
            )

        self.app_url = cdn.url
        self.distribution_id = cdn.distribution_id
        self.distribution_arn = cdn.distribution_arn
        self.cdn_url = cdn.domain_name.apply(lambda host: f"https://{host}")
        self.alb_dns_name = balancer.dns_name
        self.alb_arn_suffix = balancer.arn_suffix
        self.listener_arn = balancer.listener_arn
        self.target_group_arns = balancer.target_group_arns
        self.target_group_arn_suffixes = balancer.target_group_arn_suffixes
        self.target_group_names = balancer.target_group_names
        self.green_target_groups = balancer.green_target_groups
        self.web_acl_arn = firewall.web_acl_arn
        self.web_acl_name = firewall.web_acl_name
        self.waf_log_group_name = firewall.log_group_name
        self.register_outputs(
            {
                "web_acl_name": self.web_acl_name,
                "waf_log_group_name": self.waf_log_group_name,
                "app_url": self.app_url,
                "distribution_id": self.distribution_id,
                "distribution_arn": self.distribution_arn,
                "cdn_url": self.cdn_url,
                "alb_dns_name": self.alb_dns_name,
                "alb_arn_suffix": self.alb_arn_suffix,
                "listener_arn": self.listener_arn,
                "target_group_arns": self.target_group_arns,
                "target_group_arn_suffixes": self.target_group_arn_suffixes,
                "target_group_names": self.target_group_names,
                "green_target_groups": self.green_target_groups,
                "web_acl_arn": self.web_acl_arn,
            }
        )


def assets_read_statement(
    assets_bucket_arn: pulumi.Input[str], distribution_arn: pulumi.Input[str]
) -> pulumi.Output[dict[str, Any]]:
    """The assets bucket policy's statement for origin access control: CloudFront may read
    the objects on behalf of this distribution only."""
    return pulumi.Output.all(assets_bucket_arn, distribution_arn).apply(
        lambda v: {
            "Sid": "CloudFrontReadsForTheDistribution",
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": f"{v[0]}/*",
            "Condition": {"StringEquals": {"AWS:SourceArn": v[1]}},
        }
    )
