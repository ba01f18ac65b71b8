"""The application load balancer in the public subnets: a target group per routed web service,
the listeners, and the rules that forward only what came through CloudFront."""

from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from components.base import output_dict, output_dicts
from components.compute.service import target_group_name

ORIGIN_VERIFY_HEADER = "X-Origin-Verify"
"""The header CloudFront adds to every request to the load balancer, with the secret value."""
DEFAULT_ROUTE_PRIORITY = 100
FORBIDDEN_PRIORITY = 50000  # the last priority an ALB rule can have


class WebTarget(TypedDict):
    """What the load balancer needs of one web-facing service."""

    port: int
    """The container port the target group sends traffic to."""
    health_check_path: str
    """The path the target group checks."""


class Route(TypedDict):
    """A listener rule: requests for these hosts and paths go to one service."""

    service: str
    """The web service that takes the requests."""
    priority: int
    """The rule's priority on the listener (lower matches first)."""
    paths: Sequence[str]
    """ALB path patterns (such as /api/*)."""
    hosts: Sequence[str]
    """Host patterns; empty: any host."""


class LoadBalancerArgs(TypedDict):
    name_prefix: str
    """`<project>-<environment>`: the load balancer's and target groups' names."""
    vpc_id: pulumi.Input[str]
    """The VPC of the target groups."""
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """The public subnets, one per zone."""
    security_group_id: pulumi.Input[str]
    """The network's alb group (CloudFront's origin-facing addresses only)."""
    access_logs_bucket: pulumi.Input[str]
    """The access-logs bucket (its policy admits the region's ELB log delivery)."""
    certificate_arn: pulumi.Input[str] | None
    """The regional certificate of the origin name; None: no domain, so the load balancer
    serves plain HTTP on port 80 (to CloudFront only) and there is no HTTPS listener."""
    tls_policy: str
    """The HTTPS listener's ELB security policy."""
    idle_timeout_seconds: int
    """Seconds an idle connection stays open."""
    deletion_protection: bool
    """Refuse to delete the load balancer."""
    services: Mapping[str, WebTarget]
    """The web-facing services, in the stack config's order."""
    routes: Sequence[Route]
    """Host/path rules; empty: every path to the first web service."""
    origin_verify_secret: pulumi.Input[str]
    """The value CloudFront sends in X-Origin-Verify; a rule forwards only with it."""
    test_ports: NotRequired[Mapping[str, int]]
    """Test listener port by routed service deployed blue/green; each such service gets a
    second (green) target group, and CodeDeploy owns which group its rules forward to."""
    test_cidrs: NotRequired[Sequence[str]]
    """Addresses the load balancer's group admits on the test ports."""


class LoadBalancer(pulumi.ComponentResource):
    """An internet-facing ALB that answers only CloudFront.

    Every forwarding rule requires the secret X-Origin-Verify header, and the last rule
    answers 403 to anything else; a request no rule takes gets the default 404. With a
    certificate the HTTPS listener on 443 serves and the HTTP listener on 80 only redirects to
    it (301); without one the HTTP listener serves. Invalid header fields are dropped, desync
    mitigation is defensive, HTTP/2 is on and access logs go to the access-logs bucket.
    """

    arn: pulumi.Output[str]
    """The load balancer."""
    arn_suffix: pulumi.Output[str]
    """`app/<name>/<id>`, for CloudWatch metrics and requests-per-target scaling."""
    dns_name: pulumi.Output[str]
    """The load balancer's DNS name."""
    zone_id: pulumi.Output[str]
    """The Route 53 zone of the DNS name, for alias records."""
    listener_arn: pulumi.Output[str]
    """The listener that forwards to the services (HTTPS, or HTTP without a domain)."""
    target_group_arns: pulumi.Output[dict[str, str]]
    """Target group by routed service; each value resolves once the listener and the rules
    forwarding to it exist, so an ECS service using it is created after them."""
    target_group_arn_suffixes: pulumi.Output[dict[str, str]]
    """`targetgroup/<name>/<id>` by routed service."""
    target_group_names: pulumi.Output[dict[str, str]]
    """Target group name by routed service (CodeDeploy names groups, not ARNs)."""
    green_target_groups: pulumi.Output[dict[str, dict[str, str]]]
    """Per blue/green service: the second group's name and arnSuffix, and the testListenerArn
    that forwards to it."""

    def __init__(
        self, name: str, args: LoadBalancerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("webplatform:edge:LoadBalancer", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        prefix = args["name_prefix"]
        routes = list(args["routes"]) or [
            {"service": service, "priority": DEFAULT_ROUTE_PRIORITY, "paths": ["/*"], "hosts": []}
            for service in list(args["services"])[:1]
        ]
        balancer = aws.lb.LoadBalancer(
            name,
            name=prefix,
            load_balancer_type="application",
            internal=False,
            ip_address_type="ipv4",
            subnets=args["subnet_ids"],
            security_groups=[args["security_group_id"]],
            drop_invalid_header_fields=True,
            desync_mitigation_mode="defensive",
            enable_http2=True,
            idle_timeout=args["idle_timeout_seconds"],
            enable_deletion_protection=args["deletion_protection"],
            xff_header_processing_mode="append",
            access_logs=aws.lb.LoadBalancerAccessLogsArgs(
                bucket=args["access_logs_bucket"], prefix="alb", enabled=True
            ),
            opts=child,
        )
        routed = list(dict.fromkeys(route["service"] for route in routes))
        groups = {
            service: _target_group(
                f"service-{service}", f"{prefix}-{service}", args, service, child
            )
            for service in routed
        }
        test_ports = args.get("test_ports", {})
        greens = {
            service: _target_group(
                f"service-{service}-green", f"{prefix}-{service}-green", args, service, child
            )
            for service in test_ports
        }

        not_found = {
            "type": "fixed-response",
            "fixed_response": {
                "content_type": "text/plain",
                "message_body": "Not Found",
                "status_code": "404",
            },
        }
        certificate = args["certificate_arn"]
        if certificate is not None:
            listener = aws.lb.Listener(
                f"{name}-https",
                load_balancer_arn=balancer.arn,
                port=443,
                protocol="HTTPS",
                ssl_policy=args["tls_policy"],
                certificate_arn=certificate,
                default_actions=[not_found],  # type: ignore[list-item]
                opts=child,
            )
            aws.lb.Listener(
                f"{name}-http",
                load_balancer_arn=balancer.arn,
                port=80,
                protocol="HTTP",
                default_actions=[
                    {
                        "type": "redirect",
                        "redirect": {
                            "protocol": "HTTPS",
                            "port": "443",
                            "host": "#{host}",
                            "path": "/#{path}",
                            "query": "#{query}",
                            "status_code": "HTTP_301",
                        },
                    }
                ],
                opts=child,
            )
        else:
            listener = aws.lb.Listener(
                f"{name}-http",
                load_balancer_arn=balancer.arn,
                port=80,
                protocol="HTTP",
                default_actions=[not_found],  # type: ignore[list-item]
                opts=child,
            )

        verified = {
            "http_header": {
                "http_header_name": ORIGIN_VERIFY_HEADER,
                "values": [args["origin_verify_secret"]],
            }
        }
        rules: dict[str, list[aws.lb.ListenerRule]] = {service: [] for service in routed}
        for route in routes:
            conditions: list[dict] = [verified]
            if route["paths"]:
                conditions.append({"path_pattern": {"values": list(route["paths"])}})
            if route["hosts"]:
                conditions.append({"host_header": {"values": list(route["hosts"])}})
            service = route["service"]
            rules[service].append(
                aws.lb.ListenerRule(
                    f"{name}-{route['priority']}-{service}",
                    listener_arn=listener.arn,
                    priority=route["priority"],
                    conditions=conditions,  # type: ignore[arg-type]
                    actions=[{"type": "forward", "target_group_arn": groups[service].arn}],
                    # CodeDeploy switches the rule between the blue and green groups.
                    opts=pulumi.ResourceOptions(
                        parent=self, ignore_changes=["actions"] if service in test_ports else []
                    ),
                )
            )
        aws.lb.ListenerRule(
            f"{name}-forbidden",
            listener_arn=listener.arn,
            priority=FORBIDDEN_PRIORITY,
            conditions=[{"path_pattern": {"values": ["/*"]}}],
            actions=[
                {
                    "type": "fixed-response",
                    "fixed_response": {
                        "content_type": "text/plain",
                        "message_body": "Forbidden",
                        "status_code": "403",
                    },
                }
            ],
            opts=child,
        )

        test_listeners = {
            service: self._test_listener(
                f"{name}-test-{service}", balancer.arn, port, certificate, args, groups[service]
            )
            for service, port in test_ports.items()
        }
        for port in test_ports.values():
            for cidr in args.get("test_cidrs", []):
                aws.vpc.SecurityGroupIngressRule(
                    f"{name}-test-{port}-{cidr.replace('/', '-')}",
                    security_group_id=args["security_group_id"],
                    description=f"Test listener {port} from the allow list",
                    ip_protocol="tcp",
                    from_port=port,
                    to_port=port,
                    cidr_ipv4=cidr,
                    opts=child,
                )

        def attached(service: str) -> pulumi.Output[str]:
            """The group's ARN, known only once the listener and its rules exist."""
            return pulumi.Output.all(
                groups[service].arn, listener.arn, *[r.arn for r in rules[service]]
            ).apply(lambda values: values[0])

        self.arn = balancer.arn
        self.arn_suffix = balancer.arn_suffix
        self.dns_name = balancer.dns_name
        self.zone_id = balancer.zone_id
        self.listener_arn = listener.arn
        self.target_group_arns = output_dict({s: attached(s) for s in groups})
        self.target_group_arn_suffixes = output_dict({s: g.arn_suffix for s, g in groups.items()})
        self.target_group_names = output_dict({s: g.name for s, g in groups.items()})
        self.green_target_groups = output_dicts(
            {
                s: {
                    "name": green.name,
                    "arnSuffix": green.arn_suffix,
                    "testListenerArn": test_listeners[s].arn,
                }
                for s, green in greens.items()
            }
        )
        self.register_outputs(
            {
                "arn": self.arn,
                "arn_suffix": self.arn_suffix,
                "dns_name": self.dns_name,
                "zone_id": self.zone_id,
                "listener_arn": self.listener_arn,
                "target_group_arns": self.target_group_arns,
                "target_group_arn_suffixes": self.target_group_arn_suffixes,
                "target_group_names": self.target_group_names,
                "green_target_groups": self.green_target_groups,
            }
        )

    def _test_listener(
        self,
        name: str,
        balancer_arn: pulumi.Output[str],
        port: int,
        certificate: pulumi.Input[str] | None,
        args: LoadBalancerArgs,
        blue: aws.lb.TargetGroup,
    ) -> aws.lb.Listener:
        """The listener CodeDeploy sends test traffic through to the new tasks before the
        switch: HTTPS with the origin certificate where there is one, reached only from the
        allow list (not through CloudFront). CodeDeploy owns its forward action."""
        tls: dict[str, Any] = {"ssl_policy": args["tls_policy"], "certificate_arn": certificate}
        return aws.lb.Listener(
            name,
            load_balancer_arn=balancer_arn,
            port=port,
            protocol="HTTPS" if certificate is not None else "HTTP",
            default_actions=[{"type": "forward", "target_group_arn": blue.arn}],
            **(tls if certificate is not None else {}),
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["defaultActions"]),
        )


def _target_group(
    name: str,
    physical: str,
    args: LoadBalancerArgs,
    service: str,
    child: pulumi.ResourceOptions,
) -> aws.lb.TargetGroup:
    """An `ip` target group on the service's container port, checked on its health path."""
    return aws.lb.TargetGroup(
        name,
        name=target_group_name(physical),
        target_type="ip",
        protocol="HTTP",
        port=args["services"][service]["port"],
        vpc_id=args["vpc_id"],
        deregistration_delay=30,
        health_check=aws.lb.TargetGroupHealthCheckArgs(
            enabled=True,
            path=args["services"][service]["health_check_path"],
            protocol="HTTP",
            port="traffic-port",
            matcher="200-399",
            interval=15,
            timeout=5,
            healthy_threshold=2,
            unhealthy_threshold=3,
        ),
        opts=child,
    )
