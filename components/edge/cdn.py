"""The CloudFront distribution: the load balancer as the dynamic origin, the assets bucket as
the static one through origin access control, security headers, the web ACL, and standard
logging v2 (CloudWatch log delivery) to the access-logs bucket."""

from typing import TypedDict

import pulumi
import pulumi_aws as aws

# AWS managed policies, by the ids the CloudFront API takes (CloudFront developer guide,
# "Use managed cache policies" and "Use managed origin request policies").
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"

CLOUDFRONT_HOSTED_ZONE_ID = "Z2FDTNDATAQYW2"
"""The Route 53 zone of every *.cloudfront.net name, for alias records (AWS general reference,
CloudFront endpoints)."""
STATIC_PATH = "/static/*"
ERROR_PAGE = "/static/errors/404.html"
ALB_ORIGIN = "alb"
ASSETS_ORIGIN = "assets"
HSTS_SECONDS = 63072000  # two years
ALL_METHODS = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"]


class CdnArgs(TypedDict):
    name_prefix: str
    """`<project>-<environment>`: names of the policies, access control and log delivery."""
    domain: str | None
    """The app's domain, the distribution's alias; None: the cloudfront.net name only."""
    certificate_arn: pulumi.Input[str] | None
    """The us-east-1 certificate of the domain; None with no domain (default certificate)."""
    minimum_protocol_version: str
    """Viewer security policy with a certificate (TLSv1.2_2021 or newer)."""
    price_class: str
    """CloudFront price class."""
    web_acl_arn: pulumi.Input[str]
    """The CLOUDFRONT-scope web ACL."""
    alb_origin_domain: pulumi.Input[str]
    """The name CloudFront reaches the load balancer by (origin.<domain>, or its DNS name)."""
    alb_origin_https: bool
    """Reach the load balancer over HTTPS (TLS 1.2) rather than HTTP (no domain, no cert)."""
    origin_verify_header: str
    """The header CloudFront adds to every request to the load balancer."""
    origin_verify_secret: pulumi.Input[str]
    """Its secret value."""
    assets_regional_domain_name: pulumi.Input[str]
    """The assets bucket's regional domain."""
    access_logs_bucket_arn: pulumi.Input[str]
    """Where the access logs are delivered."""


class Cdn(pulumi.ComponentResource):
    """The distribution viewers reach the app through; pass the us-east-1 provider (its log
    delivery must be created there).

    The default behaviour goes to the load balancer uncached with every method, header
    (except Host), cookie and query string; `/static/*` goes to the assets bucket with GET and
    HEAD only, cached, with no cookies or query strings. Viewers are redirected to HTTPS, over
    HTTP/2 or HTTP/3 and IPv6; responses are compressed and get HSTS, nosniff, frame and
    referrer headers. A 403 (S3's answer for a missing object) is shown as a 404 page.
    """

    distribution_id: pulumi.Output[str]
    """The distribution, for invalidations."""
    distribution_arn: pulumi.Output[str]
    """The distribution's ARN, for the assets bucket policy's AWS:SourceArn."""
    domain_name: pulumi.Output[str]
    """The distribution's cloudfront.net name."""
    url: pulumi.Output[str]
    """https:// and the app's domain, or the cloudfront.net name without one."""

    def __init__(
        self, name: str, args: CdnArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("webplatform:edge:Cdn", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        prefix = args["name_prefix"]
        access = aws.cloudfront.OriginAccessControl(
            f"{name}-assets",
            name=f"{prefix}-assets",
            description="CloudFront reads the assets bucket, signing every request",
            origin_access_control_origin_type="s3",
            signing_behavior="always",
            signing_protocol="sigv4",
            opts=child,
        )
        headers = aws.cloudfront.ResponseHeadersPolicy(
            name,
            name=f"{prefix}-security-headers",
            comment="HSTS, nosniff, frame and referrer policies on every response",
            security_headers_config={
                "strict_transport_security": {
                    "access_control_max_age_sec": HSTS_SECONDS,
                    "include_subdomains": True,
                    "preload": False,
                    "override": True,
                },
                "content_type_options": {"override": True},
                "frame_options": {"frame_option": "DENY", "override": True},
                "referrer_policy": {
                    "referrer_policy": "strict-origin-when-cross-origin",
                    "override": True,
                },
            },
            opts=child,
        )
        certificate = args["certificate_arn"]
        viewer_certificate = (
            {
                "acm_certificate_arn": certificate,
                "ssl_support_method": "sni-only",
                "minimum_protocol_version": args["minimum_protocol_version"],
            }
            if certificate is not None
            else {"cloudfront_default_certificate": True}
        )
        distribution = aws.cloudfront.Distribution(  # type: ignore[call-overload]
            name,
            enabled=True,
            comment=prefix,
            aliases=[args["domain"]] if args["domain"] else [],
            price_class=args["price_class"],
            http_version="http2and3",
            is_ipv6_enabled=True,
            web_acl_id=args["web_acl_arn"],
            origins=[
                {
                    "origin_id": ALB_ORIGIN,
                    "domain_name": args["alb_origin_domain"],
                    "custom_origin_config": {
                        "http_port": 80,
                        "https_port": 443,
                        "origin_protocol_policy": (
                            "https-only" if args["alb_origin_https"] else "http-only"
                        ),
                        "origin_ssl_protocols": ["TLSv1.2"],
                        "origin_read_timeout": 30,
                        "origin_keepalive_timeout": 5,
                    },
                    "custom_headers": [
                        {
                            "name": args["origin_verify_header"],
                            "value": args["origin_verify_secret"],
                        }
                    ],
                },
                {
                    "origin_id": ASSETS_ORIGIN,
                    "domain_name": args["assets_regional_domain_name"],
                    "origin_access_control_id": access.id,
                },
            ],
            default_cache_behavior={
                "target_origin_id": ALB_ORIGIN,
                "viewer_protocol_policy": "redirect-to-https",
                "allowed_methods": ALL_METHODS,
                "cached_methods": ["GET", "HEAD"],
                "cache_policy_id": CACHING_DISABLED,
                "origin_request_policy_id": ALL_VIEWER_EXCEPT_HOST_HEADER,
                "response_headers_policy_id": headers.id,
                "compress": True,
            },
            ordered_cache_behaviors=[
                {
                    "path_pattern": STATIC_PATH,
                    "target_origin_id": ASSETS_ORIGIN,
                    "viewer_protocol_policy": "redirect-to-https",
                    "allowed_methods": ["GET", "HEAD"],
                    "cached_methods": ["GET", "HEAD"],
                    "cache_policy_id": CACHING_OPTIMIZED,
                    "response_headers_policy_id": headers.id,
                    "compress": True,
                }
            ],
            custom_error_responses=[
                {
                    "error_code": 403,
                    "response_code": 404,
                    "response_page_path": ERROR_PAGE,
                    "error_caching_min_ttl": 10,
                }
            ],
            restrictions={"geo_restriction": {"restriction_type": "none"}},
            viewer_certificate=viewer_certificate,  # type: ignore[arg-type]
            opts=child,
        )
        source = aws.cloudwatch.LogDeliverySource(
            name,
            name=f"{prefix}-cdn",
            log_type="ACCESS_LOGS",
            resource_arn=distribution.arn,
            opts=child,
        )
        destination = aws.cloudwatch.LogDeliveryDestination(
            name,
            name=f"{prefix}-cdn-access-logs",
            output_format="parquet",
            delivery_destination_configuration={
                "destination_resource_arn": args["access_logs_bucket_arn"]
            },
            opts=child,
        )
        aws.cloudwatch.LogDelivery(
            name,
            delivery_source_name=source.name,
            delivery_destination_arn=destination.arn,
            opts=child,
        )
        self.distribution_id = distribution.id
        self.distribution_arn = distribution.arn
        self.domain_name = distribution.domain_name
        self.url = (
            pulumi.Output.from_input(f"https://{args['domain']}")
            if args["domain"]
            else distribution.domain_name.apply(lambda host: f"https://{host}")
        )
        self.register_outputs(
            {
                "distribution_id": self.distribution_id,
                "distribution_arn": self.distribution_arn,
                "domain_name": self.domain_name,
                "url": self.url,
            }
        )
