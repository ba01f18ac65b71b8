"""RDS Proxy in front of Aurora: the services connect with IAM authentication tokens, so no
password reaches a task and a rotation of the database secret needs no redeploy (the proxy
reads the current secret; ECS reads secrets only when a task starts)."""

import json
from collections.abc import Sequence
from typing import Any, TypedDict

import pulumi
import pulumi_aws as aws

from components.network import security_group_rule
from components.platform import Platform

ENGINE_FAMILIES = {"aurora-postgresql": "POSTGRESQL", "aurora-mysql": "MYSQL"}
CLIENT_PASSWORD_AUTH = {
    "aurora-postgresql": "POSTGRES_SCRAM_SHA_256",
    "aurora-mysql": "MYSQL_CACHING_SHA2_PASSWORD",
}
IDLE_CLIENT_SECONDS = 1800


class DatabaseProxyArgs(TypedDict):
    platform: Platform
    """Name prefix, region, account, keys, log retention and protection."""
    engine: str
    """"aurora-postgresql" or "aurora-mysql"."""
    port: int
    """The engine's port, which the proxy listens on too."""
    cluster_identifier: pulumi.Input[str]
    """The Aurora cluster behind the proxy."""
    secret_arn: pulumi.Input[str]
    """The secret the proxy logs in to the database with (the RDS-managed master secret)."""
    user_name: str
    """The database user that secret holds: the name clients request IAM tokens for."""
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """The data subnets."""
    security_group_id: pulumi.Input[str]
    """The data group: clients reach the proxy in it, the proxy reaches the cluster in it."""


class DatabaseProxy(pulumi.ComponentResource):
    """An RDS Proxy with TLS and IAM authentication required, a read/write endpoint (the
    proxy's own) and a read-only endpoint on the readers."""

    endpoint: pulumi.Output[str]
    """Read/write endpoint, to the writer."""
    reader_endpoint: pulumi.Output[str]
    """Read-only endpoint, balanced over the readers."""
    connect_arn: pulumi.Output[str]
    """`rds-db:connect` resource for the user through this proxy, for the task roles."""

    def __init__(
        self, name: str, args: DatabaseProxyArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("webplatform:data:DatabaseProxy", name, None, opts)
        platform = args["platform"]
        proxy_name = f"{platform['name_prefix']}-db"
        role = aws.iam.Role(
            name,
            name=f"{proxy_name}-proxy",
            assume_role_policy=json.dumps(trust_policy(platform["account_id"])),
            opts=pulumi.ResourceOptions(parent=self),
        )
        policy = aws.iam.RolePolicy(
            name,
            role=role.id,
            policy=pulumi.Output.all(args["secret_arn"], platform["secrets_key_arn"]).apply(
                lambda v: json.dumps(secret_policy(v[0], v[1], platform["region"]))
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        # The proxy sits in the data group beside the cluster: the group admits itself on the
        # engine port, and the proxy may connect out to it.
        port = args["port"]
        for direction in ("ingress", "egress"):
            security_group_rule(
                f"{name}-{direction}",
                direction,  # type: ignore[arg-type]
                args["security_group_id"],
                f"RDS Proxy to the cluster on {port}",
                pulumi.ResourceOptions(parent=self),
                ip_protocol="tcp",
                from_port=port,
                to_port=port,
                referenced_security_group_id=args["security_group_id"],
            )
        proxy = aws.rds.Proxy(
            name,
            name=proxy_name,
            engine_family=ENGINE_FAMILIES[args["engine"]],
            role_arn=role.arn,
            vpc_subnet_ids=args["subnet_ids"],
            vpc_security_group_ids=[args["security_group_id"]],
            require_tls=True,
            idle_client_timeout=IDLE_CLIENT_SECONDS,
            auths=[
                {
                    "auth_scheme": "SECRETS",
                    "iam_auth": "REQUIRED",
                    "secret_arn": args["secret_arn"],
                    "client_password_auth_type": CLIENT_PASSWORD_AUTH[args["engine"]],
                    "description": "IAM tokens for the secret's user",
                }
            ],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
        )
        aws.rds.ProxyDefaultTargetGroup(
            name,
            db_proxy_name=proxy.name,
            connection_pool_config={
                "max_connections_percent": 90,
                "max_idle_connections_percent": 50,
                "connection_borrow_timeout": 120,
            },
            opts=pulumi.ResourceOptions(parent=self),
        )
        target = aws.rds.ProxyTarget(
            name,
            db_proxy_name=proxy.name,
            target_group_name="default",
            db_cluster_identifier=args["cluster_identifier"],
            opts=pulumi.ResourceOptions(parent=self),
        )
        reader = aws.rds.ProxyEndpoint(
            f"{name}-reader",
            db_proxy_name=proxy.name,
            db_proxy_endpoint_name=f"{proxy_name}-ro",
            target_role="READ_ONLY",
            vpc_subnet_ids=args["subnet_ids"],
            vpc_security_group_ids=[args["security_group_id"]],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[target]),
        )
        self.endpoint = proxy.endpoint
        self.reader_endpoint = reader.endpoint
        self.connect_arn = proxy.arn.apply(
            lambda arn: connect_arn(
                arn, platform["region"], platform["account_id"], args["user_name"]
            )
        )
        self.register_outputs(
            {
                "endpoint": self.endpoint,
                "reader_endpoint": self.reader_endpoint,
                "connect_arn": self.connect_arn,
            }
        )


def connect_arn(proxy_arn: str, region: str, account_id: str, user: str) -> str:
    """`arn:aws:rds-db:<region>:<account>:dbuser:<prx-id>/<user>`: IAM authentication through
    a proxy names the proxy's resource id, the last part of its ARN."""
    return f"arn:aws:rds-db:{region}:{account_id}:dbuser:{proxy_arn.rsplit(':', 1)[1]}/{user}"


def trust_policy(account_id: str) -> dict[str, Any]:
    """RDS of this account may assume the proxy's role."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "rds.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            }
        ],
    }


def secret_policy(secret_arn: str, key_arn: str, region: str) -> dict[str, Any]:
    """The proxy reads the one secret it logs in with, decrypting it through Secrets Manager."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadTheLoginSecret",
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": secret_arn,
            },
            {
                "Sid": "DecryptItThroughSecretsManager",
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": key_arn,
                "Condition": {
                    "StringEquals": {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"}
                },
            },
        ],
    }
