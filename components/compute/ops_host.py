"""The operation host: a small instance in an app subnet, reached only through Session Manager,
from which operators forward ports to the database and the cache."""

import json
import re
from collections.abc import Sequence
from typing import Any, TypedDict

import pulumi
import pulumi_aws as aws

from components.network import security_group_rule
from components.platform import Platform

SSM_MANAGED_INSTANCE_POLICY = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
ANYWHERE = "0.0.0.0/0"
AMI_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-{arch}"

# Graviton families have a "g" right after the generation: t4g, m7g, c7gn, r6gd, x2gd, im4gn.
GRAVITON_TYPE = re.compile(r"^[a-z]+\d+g[a-z]*\.")


class OpsHostSettings(TypedDict):
    """What the stack config says of the operation host."""

    instance_type: str
    """A small type, such as t4g.micro; Graviton types get the arm64 image."""
    root_volume_gb: int
    """Size of the encrypted gp3 root volume."""
    session_preferences: bool
    """Own the region's Session Manager preferences (`SSM-SessionManagerRunShell`, one per
    account and region): sessions encrypted with the logs key and logged to an encrypted log
    group."""


class OpsHostArgs(TypedDict):
    platform: Platform
    """Name prefix, region, account, keys, log retention and protection."""
    settings: OpsHostSettings
    """What the stack config says of the operation host."""
    vpc_id: pulumi.Input[str]
    """The VPC of the host's security group."""
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """The app subnets; the host runs in the first."""
    endpoints_security_group_id: pulumi.Input[str] | None
    """The interface endpoints' group, when the VPC has the SSM endpoints: Session Manager
    is reached through them. None: through NAT, on 443 to anywhere."""
    data_security_group_id: pulumi.Input[str]
    """The data stores' group, which admits the host on `database_port` and `cache_port`."""
    database_port: int
    """The database's port."""
    cache_port: int
    """The cache's port."""


class OpsHost(pulumi.ComponentResource):
    """An instance with no SSH key and no public IP, managed through SSM, its own security
    group, and a way into the data stores' group."""

    instance_id: pulumi.Output[str]
    """The `--target` of `aws ssm start-session`."""
    security_group_id: pulumi.Output[str]
    """The host's own security group."""

    def __init__(
        self, name: str, args: OpsHostArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("webplatform:compute:OpsHost", name, None, opts)
        host_name = f"{args['platform']['name_prefix']}-ops-host"

        group = aws.ec2.SecurityGroup(
            f"{name}-sg",
            name=host_name,
            description="Operation host: Session Manager out, data stores out, nothing in",
            vpc_id=args["vpc_id"],
            revoke_rules_on_delete=True,
            tags={"Name": host_name},
            opts=pulumi.ResourceOptions(parent=self),
        )
        endpoints = args["endpoints_security_group_id"]
        ssm_target = (
            {"referenced_security_group_id": endpoints}
            if endpoints is not None
            else {"cidr_ipv4": ANYWHERE}
        )
        ssm_description = (
            "HTTPS to the SSM endpoints (Session Manager)"
            if endpoints is not None
            else "HTTPS to SSM (Session Manager) through NAT"
        )
        data = args["data_security_group_id"]
        ports = {"database": args["database_port"], "cache": args["cache_port"]}
        security_group_rule(
            f"{name}-to-ssm",
            "egress",
            group.id,
            ssm_description,
            pulumi.ResourceOptions(parent=self),
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            **ssm_target,
        )
        for store, port in ports.items():
            security_group_rule(
                f"{name}-to-{store}",
                "egress",
                group.id,
                f"To the {store} (port {port})",
                pulumi.ResourceOptions(parent=self),
                ip_protocol="tcp",
                from_port=port,
                to_port=port,
                referenced_security_group_id=data,
            )
            security_group_rule(
                f"{name}-into-{store}",
                "ingress",
                data,
                f"The {store} from the operation host",
                pulumi.ResourceOptions(parent=self),
                ip_protocol="tcp",
                from_port=port,
                to_port=port,
                referenced_security_group_id=group.id,
            )

        role = aws.iam.Role(
            name,
            name=host_name,
            description="The operation host: Session Manager only",
            # EC2 passes no aws:SourceAccount when it assumes an instance role; who may hand
            # the role to an instance is limited by iam:PassRole instead.
            assume_role_policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "ec2.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        attachment = aws.iam.RolePolicyAttachment(
            name,
            role=role.name,
            policy_arn=SSM_MANAGED_INSTANCE_POLICY,
            opts=pulumi.ResourceOptions(parent=self),
        )
        if args["settings"]["session_preferences"]:
            self._session_preferences(name, host_name, args, role)
        profile = aws.iam.InstanceProfile(
            name, name=host_name, role=role.name, opts=pulumi.ResourceOptions(parent=self)
        )

        instance = aws.ec2.Instance(
            name,
            # Resolved by EC2 when the instance is launched: no lookup at preview time.
            ami=f"resolve:ssm:{ami_parameter(args['settings']['instance_type'])}",
            instance_type=args["settings"]["instance_type"],
            subnet_id=pulumi.Output.from_input(args["subnet_ids"]).apply(lambda ids: ids[0]),
            vpc_security_group_ids=[group.id],
            iam_instance_profile=profile.name,
            associate_public_ip_address=False,
            metadata_options=aws.ec2.InstanceMetadataOptionsArgs(
                http_endpoint="enabled", http_tokens="required", http_put_response_hop_limit=1
            ),
            root_block_device=aws.ec2.InstanceRootBlockDeviceArgs(
                volume_type="gp3",
                volume_size=args["settings"]["root_volume_gb"],
                encrypted=True,
                kms_key_id=args["platform"]["data_key_arn"],
                delete_on_termination=True,
            ),
            disable_api_termination=True,
            monitoring=True,
            tags={"Name": host_name},
            volume_tags={"Name": host_name},
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=[attachment],
                # EC2 reports the AMI id it resolved, never the parameter: without this every
                # update would replace the host. Replace it on purpose to take a newer image.
                ignore_changes=["ami"],
            ),
        )

        self.instance_id = instance.id
        self.security_group_id = group.id
        self.register_outputs(
            {"instance_id": self.instance_id, "security_group_id": self.security_group_id}
        )

    def _session_preferences(
        self, name: str, host_name: str, args: OpsHostArgs, role: aws.iam.Role
    ) -> None:
        """The region's Session Manager preferences, their log group, and what the host's
        agent needs to encrypt and log the sessions."""
        platform = args["platform"]
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-sessions",
            name=f"/ssm/{platform['name_prefix']}/sessions",
            retention_in_days=platform["log_retention_days"],
            kms_key_id=platform["logs_key_arn"],
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.ssm.Document(
            f"{name}-session-preferences",
            name=SESSION_PREFERENCES_DOCUMENT,
            document_type="Session",
            document_format="JSON",
            content=pulumi.Output.all(log_group.name, platform["logs_key_arn"]).apply(
                lambda v: json.dumps(session_preferences(v[0], v[1]))
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.iam.RolePolicy(
            f"{name}-sessions",
            name=f"{host_name}-sessions",
            role=role.id,
            policy=pulumi.Output.all(log_group.arn, platform["logs_key_arn"]).apply(
                lambda v: json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Sid": "DecryptSessions",
                                "Effect": "Allow",
                                "Action": "kms:Decrypt",
                                "Resource": v[1],
                            },
                            {
                                "Sid": "LogSessions",
                                "Effect": "Allow",
                                "Action": [
                                    "logs:CreateLogStream",
                                    "logs:PutLogEvents",
                                    "logs:DescribeLogStreams",
                                ],
                                "Resource": [v[0], f"{v[0]}:*"],
                            },
                            {
                                "Sid": "FindTheLogGroup",
                                "Effect": "Allow",
                                "Action": "logs:DescribeLogGroups",
                                "Resource": v[0].split(":log-group:")[0] + ":log-group:*",
                            },
                        ],
                    }
                )
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )


def ami_parameter(instance_type: str) -> str:
    """The public SSM parameter of the latest Amazon Linux 2023 image for the type's
    architecture."""
    arch = "arm64" if GRAVITON_TYPE.match(instance_type) else "x86_64"
    return AMI_PARAMETER.format(arch=arch)


SESSION_PREFERENCES_DOCUMENT = "SSM-SessionManagerRunShell"
IDLE_SESSION_MINUTES = 20


def session_preferences(log_group: str, kms_key_arn: str) -> dict[str, Any]:
    """Session Manager's preferences document: every session's data encrypted with the key
    (on top of TLS) and shell sessions streamed to the encrypted log group, no S3 copy."""
    return {
        "schemaVersion": "1.0",
        "description": "Session Manager preferences: KMS-encrypted, logged sessions",
        "sessionType": "Standard_Stream",
        "inputs": {
            "kmsKeyId": kms_key_arn,
            "cloudWatchLogGroupName": log_group,
            "cloudWatchEncryptionEnabled": True,
            "cloudWatchStreamingEnabled": True,
            "s3BucketName": "",
            "s3KeyPrefix": "",
            "s3EncryptionEnabled": True,
            "idleSessionTimeout": str(IDLE_SESSION_MINUTES),
            "runAsEnabled": False,
            "runAsDefaultUser": "",
            "shellProfile": {"linux": "", "windows": ""},
        },
    }


def port_forwarding(
    instance_id: pulumi.Input[str], host: pulumi.Input[str], port: int
) -> pulumi.Output[str]:
    """The Session Manager command that forwards localhost:<10000 + port> through the host to
    `host:port`."""
    return pulumi.Output.format(
        "aws ssm start-session --target {0} "
        "--document-name AWS-StartPortForwardingSessionToRemoteHost "
        "--parameters host={1},portNumber={2},localPortNumber={3}",
        instance_id,
        host,
        port,
        10000 + port,
    )
