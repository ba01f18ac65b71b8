"""Route 53 alias records: the app's domain to CloudFront (A and AAAA), and the origin name
CloudFront reaches the load balancer by."""

from typing import TypedDict

import pulumi
import pulumi_aws as aws

from components.edge.cdn import CLOUDFRONT_HOSTED_ZONE_ID


class DnsArgs(TypedDict):
    hosted_zone_id: str
    """The domain's public hosted zone."""
    domain: str
    """The app's domain."""
    origin_domain: str
    """The load balancer's name for CloudFront (origin.<domain>)."""
    distribution_domain_name: pulumi.Input[str]
    """The distribution's cloudfront.net name."""
    alb_dns_name: pulumi.Input[str]
    """The load balancer's DNS name."""
    alb_zone_id: pulumi.Input[str]
    """The load balancer's hosted zone, for its alias."""


class Dns(pulumi.ComponentResource):
    """ALIAS records (no CNAMEs): resolved by Route 53 itself, at the zone apex too."""

    app_fqdn: pulumi.Output[str]
    """The app's name as Route 53 serves it."""
    origin_fqdn: pulumi.Output[str]
    """The origin name as Route 53 serves it."""

    def __init__(
        self, name: str, args: DnsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("webplatform:edge:Dns", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        to_cdn = {
            "name": args["distribution_domain_name"],
            "zone_id": CLOUDFRONT_HOSTED_ZONE_ID,
            "evaluate_target_health": False,
        }
        app = None
        for record_type in ("A", "AAAA"):
            record = aws.route53.Record(
                f"{name}-app-{record_type.lower()}",
                zone_id=args["hosted_zone_id"],
                name=args["domain"],
                type=record_type,
                aliases=[to_cdn],  # type: ignore[list-item]
                opts=child,
            )
            app = app or record
        assert app is not None
        origin = aws.route53.Record(
            f"{name}-origin",
            zone_id=args["hosted_zone_id"],
            name=args["origin_domain"],
            type="A",
            aliases=[
                {
                    "name": args["alb_dns_name"],
                    "zone_id": args["alb_zone_id"],
                    "evaluate_target_health": True,
                }
            ],
            opts=child,
        )
        self.app_fqdn = app.fqdn
        self.origin_fqdn = origin.fqdn
        self.register_outputs({"app_fqdn": self.app_fqdn, "origin_fqdn": self.origin_fqdn})
