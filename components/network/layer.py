"""The network layer: VPC, subnets per zone and tier, NAT, routes, NACLs, flow logs,
VPC endpoints and the security-group chain the other layers attach to."""

import json
from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from components.base import output_dict
from components.network.rules import ANYWHERE, Direction, security_group_rule, tcp
from components.platform import Platform

GATEWAY_ENDPOINTS = ("s3", "dynamodb")
REMOTE_ADMIN_PORTS = (22, 3389)  # SSH, RDP


class NetworkArgs(TypedDict):
    platform: Platform
    """Name prefix, region, account (the flow-log role's trust), the logs key and retention."""
    cidr_block: str
    """The VPC's IPv4 CIDR."""
    availability_zones: Sequence[str]
    """One subnet per tier in each of these zones."""
    subnet_cidrs: Mapping[str, Sequence[str]]
    """CIDRs of the "public", "app" and "data" subnets, one per zone, in zone order."""
    nat_gateways: str
    """No NAT, one shared NAT gateway, or one per zone."""
    interface_endpoints: Sequence[str]
    """AWS services (such as "ecr.api") reached through interface endpoints."""
    flow_log_traffic: str
    """Traffic the flow log records: ALL, ACCEPT or REJECT."""
    app_ports: Sequence[int]
    """Container ports of the web services: the only ports the app group admits from the
    load balancer."""
    alb_ingress_prefix_list_id: NotRequired[str]
    """A managed prefix list (CloudFront's origin-facing one) the load balancer admits
    instead of the internet; absent: HTTPS and HTTP from anywhere."""
    alb_ingress_port: NotRequired[int]
    """The one port the prefix list is admitted on: 443, or 80 when the load balancer has no
    certificate (a stack without a domain)."""


class Network(pulumi.ComponentResource):
    """A VPC with public, app and data subnets in every zone.

    Public subnets route to the internet gateway and hold the NAT gateways and the load
    balancer; app subnets route out through NAT; data subnets have no route out at all.
    """

    vpc_id: pulumi.Output[str]
    """The VPC."""
    vpc_cidr: pulumi.Output[str]
    """The VPC's IPv4 CIDR."""
    public_subnet_ids: pulumi.Output[list[str]]
    """Public subnets, in zone order: NAT gateways and the load balancer."""
    app_subnet_ids: pulumi.Output[list[str]]
    """App subnets, in zone order: services, functions, jobs, the operation host."""
    data_subnet_ids: pulumi.Output[list[str]]
    """Data subnets, in zone order: databases and caches, no route out."""
    alb_security_group_id: pulumi.Output[str]
    """Load balancer: CloudFront's origin-facing addresses on its listener's port (or HTTP
    and HTTPS from anywhere without a prefix list)."""
    app_security_group_id: pulumi.Output[str]
    """Services and functions: the web services' ports from the load balancer."""
    data_security_group_id: pulumi.Output[str]
    """Databases and caches: the data layer admits the app group on its engine ports."""
    endpoints_security_group_id: pulumi.Output[str] | None
    """Interface endpoints: HTTPS from inside the VPC; None when there are none."""
    security_group_ids: pulumi.Output[dict[str, str]]
    """The groups by tier: alb, app, data, and endpoints when there are interface endpoints."""
    route_table_ids: pulumi.Output[dict[str, Any]]
    """Route tables: public (one), app (one per zone), data (one)."""
    public_route_table_id: pulumi.Output[str]
    """Route table of the public subnets (internet gateway)."""
    app_route_table_ids: pulumi.Output[list[str]]
    """Route table per zone of the app subnets (that zone's NAT)."""
    data_route_table_id: pulumi.Output[str]
    """Route table of the data subnets (no route out)."""
    nat_public_ips: pulumi.Output[list[str]]
    """Addresses the app tier reaches the internet from, for partners' allowlists."""
    flow_log_group_name: pulumi.Output[str]
    """Log group of the VPC's flow logs."""

    def __init__(
        self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("webplatform:network:Network", name, None, opts)
        self._name = name
        self._prefix = args["platform"]["name_prefix"]
        zones = list(args["availability_zones"])

        vpc = aws.ec2.Vpc(
            name,
            cidr_block=args["cidr_block"],
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags=self._name_tag("vpc"),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.vpc_id = vpc.id
        self.vpc_cidr = vpc.cidr_block
        # Take over the default security group and leave it with no rules, so nothing that
        # lands in it by accident can talk to anything.
        aws.ec2.DefaultSecurityGroup(
            f"{name}-default",
            vpc_id=vpc.id,
            tags=self._name_tag("default"),
            opts=pulumi.ResourceOptions(parent=self),
        )

        subnets = {
            tier: [
                aws.ec2.Subnet(
                    f"{name}-{tier}-{zone}",
                    vpc_id=vpc.id,
                    cidr_block=cidr,
                    availability_zone=zone,
                    map_public_ip_on_launch=False,
                    tags=self._name_tag(f"{tier}-{zone}"),
                    opts=pulumi.ResourceOptions(parent=self),
                )
                for zone, cidr in zip(zones, args["subnet_cidrs"][tier], strict=True)
            ]
            for tier in ("public", "app", "data")
        }

        igw, public_table = self._public_routes(vpc, zones, subnets["public"])
        nat_ids, nat_ips = self._nat_gateways(args["nat_gateways"], zones, subnets["public"], igw)
        app_tables = self._app_routes(vpc, zones, subnets["app"], nat_ids)
        data_table = aws.ec2.RouteTable(
            f"{name}-data",
            vpc_id=vpc.id,
            tags=self._name_tag("data"),
            opts=pulumi.ResourceOptions(parent=self),
        )
        for zone, subnet in zip(zones, subnets["data"], strict=True):
            aws.ec2.RouteTableAssociation(
                f"{name}-data-{zone}",
                subnet_id=subnet.id,
                route_table_id=data_table.id,
                opts=pulumi.ResourceOptions(parent=self),
            )

        self._network_acls(vpc, args["cidr_block"], subnets)
        interface_endpoints = args["interface_endpoints"]
        groups = self._security_groups(
            vpc, args["cidr_block"], args["app_ports"], bool(interface_endpoints), args
        )
        self._endpoints(
            vpc,
            args["platform"]["region"],
            [t.id for t in [*app_tables, data_table]],
            [s.id for s in subnets["app"]],
            interface_endpoints,
            groups["endpoints"].id if interface_endpoints else None,
        )
        flow_log_group = self._flow_log(vpc, args)

        self.public_subnet_ids = pulumi.Output.all(*[s.id for s in subnets["public"]])
        self.app_subnet_ids = pulumi.Output.all(*[s.id for s in subnets["app"]])
        self.data_subnet_ids = pulumi.Output.all(*[s.id for s in subnets["data"]])
        self.alb_security_group_id = groups["alb"].id
        self.app_security_group_id = groups["app"].id
        self.data_security_group_id = groups["data"].id
        self.endpoints_security_group_id = groups["endpoints"].id if interface_endpoints else None
        self.security_group_ids = output_dict({tier: group.id for tier, group in groups.items()})
        self.public_route_table_id = public_table.id
        self.app_route_table_ids = pulumi.Output.all(*[t.id for t in app_tables])
        self.data_route_table_id = data_table.id
        self.route_table_ids = pulumi.Output.from_input(
            {
                "public": self.public_route_table_id,
                "app": self.app_route_table_ids,
                "data": self.data_route_table_id,
            }
        )  # type: ignore[assignment]
        self.nat_public_ips = pulumi.Output.all(*nat_ips)
        self.flow_log_group_name = flow_log_group.name
        self.register_outputs(
            {
                "vpc_id": self.vpc_id,
                "vpc_cidr": self.vpc_cidr,
                "public_subnet_ids": self.public_subnet_ids,
                "app_subnet_ids": self.app_subnet_ids,
                "data_subnet_ids": self.data_subnet_ids,
                "alb_security_group_id": self.alb_security_group_id,
                "app_security_group_id": self.app_security_group_id,
                "data_security_group_id": self.data_security_group_id,
                "endpoints_security_group_id": self.endpoints_security_group_id,
                "security_group_ids": self.security_group_ids,
                "route_table_ids": self.route_table_ids,
                "public_route_table_id": self.public_route_table_id,
                "app_route_table_ids": self.app_route_table_ids,
                "data_route_table_id": self.data_route_table_id,
                "nat_public_ips": self.nat_public_ips,
                "flow_log_group_name": self.flow_log_group_name,
            }
        )

    def _name_tag(self, suffix: str) -> dict[str, str]:
        return {"Name": f"{self._prefix}-{suffix}"}

    def _public_routes(
        self, vpc: aws.ec2.Vpc, zones: list[str], public_subnets: list[aws.ec2.Subnet]
    ) -> tuple[aws.ec2.InternetGateway, aws.ec2.RouteTable]:
        name = self._name
        igw = aws.ec2.InternetGateway(
            name,
            vpc_id=vpc.id,
            tags=self._name_tag("igw"),
            opts=pulumi.ResourceOptions(parent=self),
        )
        table = aws.ec2.RouteTable(
            f"{name}-public",
            vpc_id=vpc.id,
            tags=self._name_tag("public"),
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.ec2.Route(
            f"{name}-public-internet",
            route_table_id=table.id,
            destination_cidr_block=ANYWHERE,
            gateway_id=igw.id,
            opts=pulumi.ResourceOptions(parent=self),
        )
        for zone, subnet in zip(zones, public_subnets, strict=True):
            aws.ec2.RouteTableAssociation(
                f"{name}-public-{zone}",
                subnet_id=subnet.id,
                route_table_id=table.id,
                opts=pulumi.ResourceOptions(parent=self),
            )
        return igw, table

    def _nat_gateways(
        self,
        strategy: str,
        zones: list[str],
        public_subnets: list[aws.ec2.Subnet],
        igw: aws.ec2.InternetGateway,
    ) -> tuple[list[pulumi.Output[str]], list[pulumi.Output[str]]]:
        """NAT gateway id for each zone (one shared id for a single NAT), and the NAT IPs."""
        count = {"none": 0, "single": 1, "perAz": len(zones)}[strategy]
        ids: list[pulumi.Output[str]] = []
        ips: list[pulumi.Output[str]] = []
        for zone, subnet in list(zip(zones, public_subnets, strict=True))[:count]:
            eip = aws.ec2.Eip(
                f"{self._name}-nat-{zone}",
                domain="vpc",
                tags=self._name_tag(f"nat-{zone}"),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[igw]),
            )
            nat = aws.ec2.NatGateway(
                f"{self._name}-{zone}",
                allocation_id=eip.allocation_id,
                subnet_id=subnet.id,
                connectivity_type="public",
                tags=self._name_tag(f"nat-{zone}"),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[igw]),
            )
            ids.append(nat.id)
            ips.append(eip.public_ip)
        if count == 1:
            ids *= len(zones)
        return ids, ips

    def _app_routes(
        self,
        vpc: aws.ec2.Vpc,
        zones: list[str],
        app_subnets: list[aws.ec2.Subnet],
        nat_ids: list[pulumi.Output[str]],
    ) -> list[aws.ec2.RouteTable]:
        """A route table per zone, out through that zone's NAT gateway (or the single one)."""
        tables = []
        for i, (zone, subnet) in enumerate(zip(zones, app_subnets, strict=True)):
            table = aws.ec2.RouteTable(
                f"{self._name}-app-{zone}",
                vpc_id=vpc.id,
                tags=self._name_tag(f"app-{zone}"),
                opts=pulumi.ResourceOptions(parent=self),
            )
            if nat_ids:
                aws.ec2.Route(
                    f"{self._name}-app-{zone}-nat",
                    route_table_id=table.id,
                    destination_cidr_block=ANYWHERE,
                    nat_gateway_id=nat_ids[i],
                    opts=pulumi.ResourceOptions(parent=self),
                )
            aws.ec2.RouteTableAssociation(
                f"{self._name}-app-{zone}",
                subnet_id=subnet.id,
                route_table_id=table.id,
                opts=pulumi.ResourceOptions(parent=self),
            )
            tables.append(table)
        return tables

    def _network_acls(
        self, vpc: aws.ec2.Vpc, cidr: str, subnets: Mapping[str, list[aws.ec2.Subnet]]
    ) -> None:
        """Stateless filters per tier, a coarse layer under the security groups.

        Public: web traffic and return traffic from anywhere, anything from inside the VPC.
        App: anything from inside the VPC, return traffic from the internet through NAT.
        Data: only the VPC, in and out.
        """

        def rule(
            number: int, block: str, ports: tuple[int, int] | None = None, action: str = "allow"
        ) -> dict:
            protocol, (low, high) = ("tcp", ports) if ports else ("-1", (0, 0))
            return {
                "rule_no": number,
                "action": action,
                "protocol": protocol,
                "cidr_block": block,
                "from_port": low,
                "to_port": high,
            }

        ephemeral = (1024, 65535)
        # Remote administration from outside the VPC is refused before the return-traffic
        # range (which would otherwise admit RDP on 3389).
        no_admin = [
            rule(number, ANYWHERE, (port, port), "deny")
            for number, port in zip((101, 102), REMOTE_ADMIN_PORTS, strict=True)
        ]
        rules = {
            "public": (
                [
                    rule(100, cidr),
                    *no_admin,
                    rule(110, ANYWHERE, (443, 443)),
                    rule(120, ANYWHERE, (80, 80)),
                    rule(130, ANYWHERE, ephemeral),
                ],
                [rule(100, ANYWHERE)],
            ),
            "app": (
                [rule(100, cidr), *no_admin, rule(110, ANYWHERE, ephemeral)],
                [rule(100, ANYWHERE)],
            ),
            "data": ([rule(100, cidr)], [rule(100, cidr)]),
        }
        for tier, (ingress, egress) in rules.items():
            aws.ec2.NetworkAcl(
                f"{self._name}-{tier}",
                vpc_id=vpc.id,
                subnet_ids=[s.id for s in subnets[tier]],
                ingress=ingress,  # type: ignore[arg-type]
                egress=egress,  # type: ignore[arg-type]
                tags=self._name_tag(tier),
                opts=pulumi.ResourceOptions(parent=self),
            )

    def _security_groups(
        self,
        vpc: aws.ec2.Vpc,
        cidr: str,
        app_ports: Sequence[int],
        with_endpoints: bool,
        args: NetworkArgs,
    ) -> dict[str, aws.ec2.SecurityGroup]:
        """The chain internet -> alb -> app (on the web services' ports only) -> data, and the
        endpoints' group when there are interface endpoints.

        Behind CloudFront the alb group admits only CloudFront's origin-facing prefix list, on
        the one port its listener serves: a reference to that list counts as many rules as
        the list has entries against the group's rule quota, so it is referenced once.

        Rules are separate resources so later layers can add theirs (the data layer admits
        the app group on its engine ports). Egress exists only where a tier starts
        connections; replies need no rule in a stateful group.
        """
        purposes = {
            "alb": "Load balancer",
            "app": "Services, functions and jobs",
            "data": "Databases and caches",
        }
        if with_endpoints:
            purposes["endpoints"] = "Interface VPC endpoints"
        groups = {
            key: aws.ec2.SecurityGroup(
                f"{self._name}-{key}-sg",
                name=f"{self._prefix}-{key}",
                description=purpose,
                vpc_id=vpc.id,
                revoke_rules_on_delete=True,
                tags=self._name_tag(key),
                opts=pulumi.ResourceOptions(parent=self),
            )
            for key, purpose in purposes.items()
        }
        alb, app = groups["alb"].id, groups["app"].id
        prefix_list = args.get("alb_ingress_prefix_list_id")
        port = args.get("alb_ingress_port", 443)
        web = "HTTPS" if port == 443 else "HTTP"
        alb_ingress: list[tuple[str, Direction, pulumi.Input[str], str, dict]] = (
            [
                (f"alb-{web.lower()}", "ingress", alb,
                 f"{web} from CloudFront's origin-facing servers",
                 {"ip_protocol": "tcp", "from_port": port, "to_port": port,
                  "prefix_list_id": prefix_list}),
            ]
            if prefix_list
            else [
                ("alb-https", "ingress", alb, "HTTPS from the internet", tcp(443, cidr=ANYWHERE)),
                ("alb-http", "ingress", alb, "HTTP from the internet, redirected to HTTPS",
                 tcp(80, cidr=ANYWHERE)),
            ]
        )  # fmt: skip
        rules: list[tuple[str, Direction, pulumi.Input[str], str, dict]] = [
            *alb_ingress,
            ("app-to-anywhere", "egress", app, "To AWS APIs, data stores and the internet via NAT",
             {"ip_protocol": "-1", "cidr_ipv4": ANYWHERE}),
        ]  # fmt: skip
        for port in sorted(set(app_ports)):
            rules += [
                (f"app-from-alb-{port}", "ingress", app, f"Port {port} from the load balancer",
                 tcp(port, group=alb)),
                (f"alb-to-app-{port}", "egress", alb, f"To app targets on {port}",
                 tcp(port, group=app)),
            ]  # fmt: skip
        if with_endpoints:
            rules.append(
                ("endpoints-https", "ingress", groups["endpoints"].id,
                 "HTTPS to AWS APIs from the VPC", tcp(443, cidr=cidr))
            )  # fmt: skip
        for key, direction, group_id, description, target in rules:
            security_group_rule(
                f"{self._name}-{key}",
                direction,
                group_id,
                description,
                pulumi.ResourceOptions(parent=self),
                **target,
            )
        return groups

    def _endpoints(
        self,
        vpc: aws.ec2.Vpc,
        region: str,
        route_table_ids: list[pulumi.Output[str]],
        app_subnet_ids: list[pulumi.Output[str]],
        services: Sequence[str],
        security_group_id: pulumi.Output[str] | None,
    ) -> None:
        """Gateway endpoints (free) for S3 and DynamoDB on the private route tables;
        interface endpoints in the app subnets with private DNS."""
        for service in GATEWAY_ENDPOINTS:
            aws.ec2.VpcEndpoint(
                f"{self._name}-{service}",
                vpc_id=vpc.id,
                service_name=f"com.amazonaws.{region}.{service}",
                vpc_endpoint_type="Gateway",
                route_table_ids=route_table_ids,
                tags=self._name_tag(service),
                opts=pulumi.ResourceOptions(parent=self),
            )
        for service in services:
            aws.ec2.VpcEndpoint(
                f"{self._name}-{service.replace('.', '-')}",
                vpc_id=vpc.id,
                service_name=f"com.amazonaws.{region}.{service}",
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=app_subnet_ids,
                security_group_ids=[security_group_id],  # type: ignore[list-item]
                tags=self._name_tag(service),
                opts=pulumi.ResourceOptions(parent=self),
            )

    def _flow_log(self, vpc: aws.ec2.Vpc, args: NetworkArgs) -> aws.cloudwatch.LogGroup:
        """Flow logs to a KMS-encrypted log group, written by a role only the VPC Flow Logs
        service of this account can assume."""
        platform = args["platform"]
        name, region, account = self._name, platform["region"], platform["account_id"]
        flow_log_arns = f"arn:aws:ec2:{region}:{account}:vpc-flow-log/*"
        group = aws.cloudwatch.LogGroup(
            f"{name}-flow-logs",
            name=f"/vpc/{self._prefix}/flow-logs",
            retention_in_days=platform["log_retention_days"],
            kms_key_id=platform["logs_key_arn"],
            opts=pulumi.ResourceOptions(parent=self),
        )
        role = aws.iam.Role(
            f"{name}-flow-logs",
            name=f"{self._prefix}-vpc-flow-logs",
            assume_role_policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                            "Condition": {
                                "StringEquals": {"aws:SourceAccount": account},
                                "ArnLike": {"aws:SourceArn": flow_log_arns},
                            },
                        }
                    ],
                }
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.iam.RolePolicy(
            f"{name}-flow-logs",
            role=role.id,
            policy=group.arn.apply(
                lambda arn: json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": [
                                    "logs:CreateLogStream",
                                    "logs:PutLogEvents",
                                    "logs:DescribeLogStreams",
                                ],
                                "Resource": [arn, f"{arn}:*"],
                            },
                            {
                                # In AWS's documented flow-logs policy; it lists log groups,
                                # which takes no narrower resource than every group.
                                "Effect": "Allow",
                                "Action": "logs:DescribeLogGroups",
                                "Resource": f"arn:aws:logs:{region}:{account}:log-group:*",
                            },
                        ],
                    }
                )
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.ec2.FlowLog(
            name,
            vpc_id=vpc.id,
            traffic_type=args["flow_log_traffic"],
            log_destination_type="cloud-watch-logs",
            log_destination=group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=60,
            tags=self._name_tag("flow-log"),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return group
