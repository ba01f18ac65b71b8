"""Network exposure: no ingress from the internet except HTTP/HTTPS on the load balancer's
security group, nothing stateful or compute publicly reachable, S3 public access blocked.

The load balancer's group is recognised by its Pulumi logical name: the parameter
``publicIngressAllowedGroups`` lists shell-style patterns, by default ``["*-alb-sg"]``. Rules
are read in all three shapes: inline ``ingress`` on ``aws:ec2/securityGroup:SecurityGroup``,
``aws:ec2/securityGroupRule:SecurityGroupRule`` (type ingress) and
``aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule``. A standalone rule belongs to the
group its ``securityGroupId`` points at (through the engine's property dependencies, or by the
group's ``id``), so this is a stack policy.
"""

from __future__ import annotations

from pulumi_policy import Severity

from policy_support import (
    flag,
    get,
    items,
    matches,
    number,
    resource_policy,
    stack_policy,
    strings,
    text,
)

SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
BUCKET_TYPES = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
OPEN_CIDRS = {"0.0.0.0/0", "::/0"}
TCP = {"tcp", "6"}


def _label(args) -> str:
    return f"{args.resource_type} '{args.name}'"


def _open_sources(rule, resource_type: str) -> list[str]:
    if resource_type == INGRESS_RULE:
        cidrs = [get(rule, "cidrIpv4"), get(rule, "cidrIpv6")]
    else:
        cidrs = strings(get(rule, "cidrBlocks")) + strings(get(rule, "ipv6CidrBlocks"))
    return [c for c in map(text, cidrs) if c in OPEN_CIDRS]


def _describe(rule, resource_type: str) -> tuple[str, float | None, float | None]:
    protocol = get(rule, "ipProtocol" if resource_type == INGRESS_RULE else "protocol", default="")
    return str(protocol).lower(), number(get(rule, "fromPort")), number(get(rule, "toPort"))


def _web_port_only(rule, resource_type: str, ports: list) -> bool:
    protocol, low, high = _describe(rule, resource_type)
    return protocol in TCP and low is not None and low == high and low in ports


def _rule_findings(rule, resource_type: str, group_name: str | None, cfg):
    sources = _open_sources(rule, resource_type)
    if not sources:
        return
    allowed_group = group_name is not None and matches(
        group_name, cfg["publicIngressAllowedGroups"]
    )
    ports = [number(p) for p in cfg["publicPorts"]]
    if allowed_group and _web_port_only(rule, resource_type, ports):
        return
    protocol, low, high = _describe(rule, resource_type)
    span = "-".join("*" if p is None else str(int(p)) for p in (low, high))
    where = f"group {group_name}" if group_name else "an unresolved group"
    yield (
        f"allows {protocol or '?'} {span} from {', '.join(sources)} on {where}; only "
        f"ports {', '.join(str(int(p)) for p in ports if p is not None)} on groups matching "
        f"{', '.join(cfg['publicIngressAllowedGroups'])} "
        "may be open to the internet."
    )


def _check_public_ingress(subject, stack, cfg):
    if subject.resource_type == SECURITY_GROUP:
        for rule in items(get(subject.props, "ingress")):
            yield from _rule_findings(rule, SECURITY_GROUP_RULE, subject.name, cfg)
        return
    if subject.resource_type == SECURITY_GROUP_RULE and get(subject.props, "type") != "ingress":
        return
    owners = stack.referred(subject, "securityGroupId", [SECURITY_GROUP], ("id",))
    group_name = owners[0].name if owners else None
    yield from _rule_findings(subject.props, subject.resource_type, group_name, cfg)


SECURITY_GROUP_PUBLIC_INGRESS = stack_policy(
    "guardrails-ec2-security-group-public-ingress",
    "No security group admits 0.0.0.0/0 or ::/0, except TCP 80/443 on the load balancer's "
    "group (inline ingress, SecurityGroupRule and SecurityGroupIngressRule alike).",
    subjects=[SECURITY_GROUP, SECURITY_GROUP_RULE, INGRESS_RULE],
    reads=[],
    check=_check_public_ingress,
    controls=("EC2.18", "EC2.19", "CIS 5.2", "CIS 5.3"),
    severity=Severity.CRITICAL,
    remediation=(
        "Use a security-group reference (the ALB's group, the app's group) or a known CIDR as "
        "the source. Only the ALB's group (logical name matching publicIngressAllowedGroups) "
        "takes 80/443 from the internet."
    ),
    params={
        "publicIngressAllowedGroups": {
            "type": "array",
            "items": {"type": "string"},
            "description": (
                "Logical-name patterns (shell style) of the security groups that may take "
                "publicPorts from the internet: the load balancer's group."
            ),
            "default": ["*-alb-sg"],
        },
        "publicPorts": {
            "type": "array",
            "items": {"type": "integer"},
            "description": "TCP ports those groups may open to the internet, one per rule.",
            "default": [80, 443],
        },
    },
)


def _check_rds_public(props, args, cfg):
    if flag(get(props, "publiclyAccessible")):
        yield f"{_label(args)} is publicly accessible."


RDS_PUBLIC = resource_policy(
    "guardrails-rds-no-public-access",
    "RDS instances and Aurora cluster instances are not publicly accessible.",
    types=["aws:rds/instance:Instance", "aws:rds/clusterInstance:ClusterInstance"],
    check=_check_rds_public,
    controls=("RDS.2",),
    severity=Severity.CRITICAL,
    remediation="Set publicly_accessible=False (the default) and place it in the data subnets.",
)


def _check_instance_public_ip(props, args, cfg):
    if flag(get(props, "associatePublicIpAddress"), default=True):
        yield (
            f"{_label(args)} may get a public IP: set associatePublicIpAddress=false "
            "explicitly (absent, the subnet's mapPublicIpOnLaunch decides)."
        )


EC2_PUBLIC_IP = resource_policy(
    "guardrails-ec2-instance-no-public-ip",
    "EC2 instances have no public IP address (operators use Session Manager).",
    types=["aws:ec2/instance:Instance"],
    check=_check_instance_public_ip,
    controls=("EC2.9",),
    severity=Severity.HIGH,
    remediation="Set associate_public_ip_address=False and use a private subnet.",
)


def _check_service_public_ip(props, args, cfg):
    if flag(get(props, "networkConfiguration", "assignPublicIp")):
        yield f"{_label(args)} assigns public IPs to its tasks."


ECS_PUBLIC_IP = resource_policy(
    "guardrails-ecs-service-no-public-ip",
    "ECS services do not assign public IP addresses to their tasks.",
    types=["aws:ecs/service:Service"],
    check=_check_service_public_ip,
    controls=("ECS.2",),
    severity=Severity.HIGH,
    remediation="Set network_configuration.assign_public_ip=False; reach AWS through endpoints.",
)

_BLOCK_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


def _check_public_access_block(bucket, stack, cfg):
    blocks = stack.referring(bucket, [PUBLIC_ACCESS_BLOCK], "bucket", ("bucket", "id"))
    if not blocks:
        yield "has no BucketPublicAccessBlock."
        return
    if not any(all(flag(get(b.props, f)) for f in _BLOCK_FLAGS) for b in blocks):
        yield f"its BucketPublicAccessBlock does not set all of {', '.join(_BLOCK_FLAGS)}."


S3_PUBLIC_ACCESS_BLOCK = stack_policy(
    "guardrails-s3-bucket-public-access-block",
    "Every S3 bucket has a public access block with all four settings on.",
    subjects=BUCKET_TYPES,
    reads=[PUBLIC_ACCESS_BLOCK],
    check=_check_public_access_block,
    controls=("S3.8", "CIS 2.1.4"),
    severity=Severity.CRITICAL,
    remediation=(
        "Add an aws.s3.BucketPublicAccessBlock for the bucket with block_public_acls, "
        "block_public_policy, ignore_public_acls and restrict_public_buckets all True; "
        "serve content through CloudFront with OAC."
    ),
)

POLICIES = [
    SECURITY_GROUP_PUBLIC_INGRESS,
    RDS_PUBLIC,
    EC2_PUBLIC_IP,
    ECS_PUBLIC_IP,
    S3_PUBLIC_ACCESS_BLOCK,
]


def _check_default_group(props, args, cfg):
    rules = items(get(props, "ingress")) + items(get(props, "egress"))
    if rules:
        yield f"{_label(args)} keeps {len(rules)} rule(s); the default group should have none."


DEFAULT_SECURITY_GROUP_NO_RULES = resource_policy(
    "guardrails-ec2-default-security-group-no-rules",
    "The VPC's default security group allows no traffic (no ingress, no egress rules).",
    types=["aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"],
    check=_check_default_group,
    controls=("EC2.2", "CIS 5.4"),
    severity=Severity.HIGH,
    remediation=(
        "Declare aws.ec2.DefaultSecurityGroup with no ingress and no egress, which removes its "
        "rules; give every resource a security group of its own."
    ),
)


def _check_subnet_public_ip(props, args, cfg):
    if flag(get(props, "mapPublicIpOnLaunch")):
        yield f"{_label(args)} assigns a public IP to everything launched in it."


SUBNET_NO_PUBLIC_IP = resource_policy(
    "guardrails-ec2-subnet-no-public-ip-on-launch",
    "Subnets do not assign public IP addresses on launch (mapPublicIpOnLaunch, false by "
    "default); load balancers and NAT gateways get theirs explicitly.",
    types=["aws:ec2/subnet:Subnet"],
    check=_check_subnet_public_ip,
    controls=("EC2.15",),
    severity=Severity.MEDIUM,
    remediation="Leave map_public_ip_on_launch unset (false), in public subnets too.",
)


def _check_imdsv2(props, args, cfg):
    options = get(props, "metadataOptions")
    if get(options, "httpEndpoint") == "disabled":
        return
    if get(options, "httpTokens") != "required":
        yield f"{_label(args)} allows IMDSv1 (metadataOptions.httpTokens is not 'required')."


IMDSV2 = resource_policy(
    "guardrails-ec2-imdsv2",
    "EC2 instances and launch templates require IMDSv2 (session tokens) for instance metadata.",
    types=["aws:ec2/instance:Instance", "aws:ec2/launchTemplate:LaunchTemplate"],
    check=_check_imdsv2,
    controls=("EC2.8",),
    severity=Severity.HIGH,
    remediation="Set metadata_options={'http_tokens': 'required', 'http_endpoint': 'enabled'}.",
)


POLICIES += [
    DEFAULT_SECURITY_GROUP_NO_RULES,
    SUBNET_NO_PUBLIC_IP,
    IMDSV2,
]
