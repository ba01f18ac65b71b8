"""The cache: an ElastiCache (Valkey or Redis OSS) replication group in the data subnets, TLS
only, with an AUTH token kept in Secrets Manager and the slow log in CloudWatch Logs."""

from collections.abc import Sequence
from typing import Any, TypedDict

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components.network import admit_clients
from components.platform import Platform

# ElastiCache takes 16 to 128 printable characters; letters and digits only keep the token
# safe in redis:// URLs and shell commands, and 64 of them are ample.
AUTH_TOKEN_LENGTH = 64
# What the app's cache user may do: every key and command but the dangerous ones (FLUSHALL,
# CONFIG, KEYS, ...).
APP_ACCESS = "on ~* &* +@all -@dangerous"

# A cache: when memory is full, evict the least recently used keys, whether or not they
# expire, rather than refuse writes.
MAXMEMORY_POLICY = "allkeys-lru"


class CacheSettings(TypedDict):
    """What the stack config says of the cache."""

    engine: str
    """"valkey" or "redis"."""
    engine_version: str
    """Pinned engine version, such as 8.0 (Valkey) or 7.1 (Redis OSS)."""
    node_type: str
    """Node type of every cache cluster, such as cache.r7g.large."""
    replicas: int
    """Read replicas beside the primary; one or more turns on Multi-AZ automatic failover."""
    port: int
    """Port the nodes listen on (6379)."""
    snapshot_retention_days: int
    """Days of daily snapshots; 0 takes none."""
    snapshot_window: str
    """Daily snapshot window, UTC "hh:mm-hh:mm"."""
    auto_minor_version_upgrade: bool
    """Apply minor engine versions in the maintenance window."""
    access: str
    """How the services sign in: "iam" (an ElastiCache user with IAM authentication, tokens
    from the task role) or "token" (a generated AUTH token from Secrets Manager)."""
    maintenance_window: str
    """Weekly maintenance window, UTC "ddd:hh:mm-ddd:hh:mm"."""


class CacheArgs(TypedDict):
    platform: Platform
    """Name prefix, region, account, keys, log retention and protection."""
    settings: CacheSettings
    """What the stack config says of the cache."""
    availability_zones: Sequence[str]
    """Zones to spread the nodes over, in order: the primary goes in the first."""
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """The data subnets, one per zone."""
    security_group_id: pulumi.Input[str]
    """The network's data group, which the nodes sit in."""
    client_security_group_ids: Sequence[pulumi.Input[str]]
    """Groups admitted on the port (the app group)."""


def parameter_family(engine: str, version: str) -> str:
    """The parameter group family: valkey8 for 8.0, redis7 for 7.1, redis6.x for 6.2,
    redis5.0 for 5.0."""
    major, minor = version.split(".")[:2]
    if engine == "redis" and int(major) < 7:
        return f"redis{major}.x" if major == "6" else f"redis{major}.{minor}"
    return f"{engine}{major}"


class Cache(pulumi.ComponentResource):
    """A primary and its replicas, reachable only from the client groups, TLS and AUTH only.

    The AUTH token is generated here and kept in a Secrets Manager secret under the secrets
    key; clients read it from there. Data at rest and snapshots use the data key.
    """

    primary_endpoint: pulumi.Output[str]
    """Primary endpoint address, for writes."""
    reader_endpoint: pulumi.Output[str]
    """Reader endpoint address, balanced over the replicas."""
    port: pulumi.Output[int]
    """The engine's port."""
    auth_secret_arn: pulumi.Output[str] | None
    """The AUTH token's secret (token access); None with IAM access."""
    user_name: pulumi.Output[str] | None
    """The app's IAM-authenticated cache user (IAM access); None with token access."""
    user_arn: pulumi.Output[str] | None
    """That user's ARN, for `elasticache:Connect`."""
    arn: pulumi.Output[str]
    """The replication group's ARN, for `elasticache:Connect`."""
    replication_group_id: pulumi.Output[str]
    """The replication group's id: its nodes are `<id>-001`, `<id>-002`, ... (alarms)."""

    def __init__(
        self, name: str, args: CacheArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("webplatform:data:Cache", name, None, opts)
        self._name = name
        prefix = args["platform"]["name_prefix"]
        engine = args["settings"]["engine"]
        group_id = f"{prefix}-cache"
        replicas = args["settings"]["replicas"]
        zones = list(args["availability_zones"])
        label = "Valkey" if engine == "valkey" else "Redis"

        subnet_group = aws.elasticache.SubnetGroup(
            name,
            name=group_id,
            description=f"{group_id}: data subnets",
            subnet_ids=args["subnet_ids"],
            opts=pulumi.ResourceOptions(parent=self),
        )
        admit_clients(
            name,
            args["security_group_id"],
            args["client_security_group_ids"],
            args["settings"]["port"],
            label,
            self,
        )

        family = parameter_family(engine, args["settings"]["engine_version"])
        parameter_group = aws.elasticache.ParameterGroup(
            name,
            # The family is in the name, so a major upgrade makes a new group beside the old.
            name=f"{group_id}-{family.replace('.', '-')}",
            family=family,
            description=f"{group_id}: eviction policy",
            parameters=[
                aws.elasticache.ParameterGroupParameterArgs(
                    name="maxmemory-policy", value=MAXMEMORY_POLICY
                )
            ],
            opts=pulumi.ResourceOptions(parent=self),
        )

        iam = args["settings"]["access"] == "iam"
        credentials: dict[str, Any] = {}
        self.auth_secret_arn: pulumi.Output[str] | None = None
        self.user_name: pulumi.Output[str] | None = None
        self.user_arn: pulumi.Output[str] | None = None
        if iam:
            user_group = self._iam_users(name, group_id, engine)
            credentials = {"user_group_ids": [user_group.user_group_id]}
        else:
            token = self._auth_token(name, prefix, group_id, args)
            credentials = {"auth_token": token, "auth_token_update_strategy": "ROTATE"}

        slow_log = aws.cloudwatch.LogGroup(
            f"{name}-slow-log",
            name=f"/aws/elasticache/{group_id}/slow-log",
            retention_in_days=args["platform"]["log_retention_days"],
            kms_key_id=args["platform"]["logs_key_arn"],
            opts=pulumi.ResourceOptions(parent=self),
        )

        failover = replicas >= 1
        group = aws.elasticache.ReplicationGroup(
            name,
            replication_group_id=group_id,
            description=f"{prefix} {label} cache",
            engine=engine,
            engine_version=args["settings"]["engine_version"],
            node_type=args["settings"]["node_type"],
            num_cache_clusters=1 + replicas,
            preferred_cache_cluster_azs=[zones[i % len(zones)] for i in range(1 + replicas)],
            automatic_failover_enabled=failover,
            multi_az_enabled=failover,
            transit_encryption_enabled=True,
            transit_encryption_mode="required",
            at_rest_encryption_enabled=True,
            kms_key_id=args["platform"]["data_key_arn"],
            **credentials,
            subnet_group_name=subnet_group.name,
            security_group_ids=[args["security_group_id"]],
            parameter_group_name=parameter_group.name,
            port=args["settings"]["port"],
            snapshot_retention_limit=args["settings"]["snapshot_retention_days"],
            snapshot_window=args["settings"]["snapshot_window"],
            maintenance_window=args["settings"]["maintenance_window"],
            final_snapshot_identifier=f"{group_id}-final" if args["platform"]["protect"] else None,
            auto_minor_version_upgrade=args["settings"]["auto_minor_version_upgrade"],
            log_delivery_configurations=[
                aws.elasticache.ReplicationGroupLogDeliveryConfigurationArgs(
                    destination=slow_log.name,
                    destination_type="cloudwatch-logs",
                    log_format="json",
                    log_type="slow-log",
                )
            ],
            opts=pulumi.ResourceOptions(parent=self, protect=args["platform"]["protect"]),
        )

        self.primary_endpoint = group.primary_endpoint_address
        self.reader_endpoint = group.reader_endpoint_address
        self.port = group.port  # type: ignore[assignment]
        self.arn = group.arn
        self.replication_group_id = group.replication_group_id
        self.register_outputs(
            {
                "replication_group_id": self.replication_group_id,
                "primary_endpoint": self.primary_endpoint,
                "reader_endpoint": self.reader_endpoint,
                "port": self.port,
                "auth_secret_arn": self.auth_secret_arn,
                "user_name": self.user_name,
                "user_arn": self.user_arn,
                "arn": self.arn,
            }
        )

    def _iam_users(self, name: str, group_id: str, engine: str) -> aws.elasticache.UserGroup:
        """A user group of the app's IAM-authenticated user and a disabled `default` user:
        the tasks sign in with short-lived IAM tokens, no shared secret exists."""
        default = aws.elasticache.User(
            f"{name}-default",
            user_id=f"{group_id}-default",
            user_name="default",
            engine=engine,
            access_string="off -@all",
            authentication_mode={"type": "no-password-required"},
            opts=pulumi.ResourceOptions(parent=self),
        )
        # IAM authentication wants the user id and the user name to be the same.
        app_user = f"{group_id}-app"
        user = aws.elasticache.User(
            f"{name}-app",
            user_id=app_user,
            user_name=app_user,
            engine=engine,
            access_string=APP_ACCESS,
            authentication_mode={"type": "iam"},
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.user_name = user.user_name
        self.user_arn = user.arn
        return aws.elasticache.UserGroup(
            name,
            user_group_id=group_id,
            engine=engine,
            user_ids=[default.user_id, user.user_id],
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _auth_token(
        self, name: str, prefix: str, group_id: str, args: CacheArgs
    ) -> pulumi.Output[str]:
        """A generated AUTH token, kept in Secrets Manager under the secrets key."""
        token = random.RandomPassword(
            f"{name}-auth-token",
            length=AUTH_TOKEN_LENGTH,
            special=False,
            min_upper=1,
            min_lower=1,
            min_numeric=1,
            opts=pulumi.ResourceOptions(parent=self),
        )
        secret = aws.secretsmanager.Secret(
            f"{name}-auth-token",
            name=f"{prefix}/cache/auth-token",
            description=f"AUTH token of the {group_id} replication group",
            kms_key_id=args["platform"]["secrets_key_arn"],
            # Kept 30 days after deletion where the stack protects its data; elsewhere gone at
            # once, so the stack can be made again under the same name.
            recovery_window_in_days=30 if args["platform"]["protect"] else 0,
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.secretsmanager.SecretVersion(
            f"{name}-auth-token",
            secret_id=secret.id,
            secret_string=token.result,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.auth_secret_arn = secret.arn
        return token.result
