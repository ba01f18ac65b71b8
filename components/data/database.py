"""The relational database: an Aurora cluster (PostgreSQL or MySQL) in the data subnets, with
its own parameter group, encrypted log groups, a password RDS manages in Secrets Manager, and
a writer plus readers spread over the zones."""

import json
from collections.abc import Sequence
from typing import Any, TypedDict

import pulumi
import pulumi_aws as aws

from components.network import admit_clients
from components.platform import Platform

SERVERLESS = "db.serverless"
ENHANCED_MONITORING_POLICY_ARN = (
    "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
)
CA_CERTIFICATE = "rds-ca-rsa2048-g1"
PERFORMANCE_INSIGHTS_DAYS = 7  # the free tier; longer retention is billed per vCPU

# Log types exported to CloudWatch Logs, per engine.
LOG_EXPORTS = {
    "aurora-postgresql": ["postgresql"],
    "aurora-mysql": ["audit", "error", "general", "slowquery"],
}

# Statements the MySQL audit log records: logins, grants and schema changes, not every query.
MYSQL_AUDIT_EVENTS = "CONNECT,QUERY_DCL,QUERY_DDL"


class DatabaseSettings(TypedDict):
    """What the stack config says of the database."""

    engine: str
    """"aurora-postgresql" or "aurora-mysql"."""
    engine_version: str
    """Pinned engine version, such as 16.6 or 8.0.mysql_aurora.3.08.0."""
    instance_class: str
    """"db.serverless" (Serverless v2, scaled between the capacities) or a class like
    db.r7g.large."""
    min_capacity: float
    """Serverless v2 minimum, in ACUs (used with db.serverless only)."""
    max_capacity: float
    """Serverless v2 maximum, in ACUs (used with db.serverless only)."""
    instances: int
    """Writer plus readers; instance n sits in zone n (mod the number of zones)."""
    port: int
    """Engine port: 5432 for PostgreSQL, 3306 for MySQL."""
    database_name: str
    """Database created with the cluster."""
    master_username: str
    """Master user; its password is generated and kept by RDS in Secrets Manager."""
    backup_retention_days: int
    """Days of automated backups (point-in-time recovery window)."""
    backup_window: str
    """Daily backup window, UTC "hh:mm-hh:mm"."""
    maintenance_window: str
    """Weekly maintenance window, UTC "ddd:hh:mm-ddd:hh:mm"."""
    deletion_protection: bool
    """Refuse deletion in RDS; also take a final snapshot on delete (skip it when false)."""
    auto_minor_version_upgrade: bool
    """Apply minor engine versions in the maintenance window."""
    slow_query_seconds: float
    """Statements slower than this are logged."""
    time_zone: str
    """IANA time zone of the server, such as Asia/Tokyo."""
    access: str
    """How the services connect: "proxy" (RDS Proxy, IAM authentication tokens) or
    "password" (the master secret's username and password by valueFrom)."""
    log_statement: str
    """PostgreSQL statements logged whatever their duration: none, ddl, mod or all (MySQL's
    audit log records schema changes and grants)."""
    monitoring_interval_seconds: int
    """Enhanced Monitoring granularity (1, 5, 10, 15, 30 or 60 seconds); 0: off."""


class DatabaseArgs(TypedDict):
    platform: Platform
    """Name prefix, region, account, keys, log retention and protection."""
    settings: DatabaseSettings
    """What the stack config says of the database."""
    availability_zones: Sequence[str]
    """Zones to spread the instances over, in order: the writer goes in the first."""
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """The data subnets, one per zone."""
    security_group_id: pulumi.Input[str]
    """The network's data group, which the cluster sits in."""
    client_security_group_ids: Sequence[pulumi.Input[str]]
    """Groups admitted on the engine port (the app group; the operation host later)."""


def parameter_family(engine: str, version: str) -> str:
    """The parameter group family: aurora-postgresql16 for 16.6, aurora-mysql8.0 for
    8.0.mysql_aurora.3.08.0."""
    parts = version.split(".")
    if engine == "aurora-mysql":
        return f"{engine}{parts[0]}.{parts[1]}"
    return f"{engine}{parts[0]}"


def cluster_parameters(args: DatabaseArgs) -> dict[str, str]:
    """The cluster parameters: TLS only, the server's time zone and the slow query log."""
    if args["settings"]["engine"] == "aurora-mysql":
        return {
            "character_set_server": "utf8mb4",
            "collation_server": "utf8mb4_0900_ai_ci",
            "time_zone": args["settings"]["time_zone"],
            "require_secure_transport": "ON",
            "log_output": "FILE",
            "slow_query_log": "1",
            "long_query_time": f"{args['settings']['slow_query_seconds']:g}",
            "server_audit_logging": "1",
            "server_audit_events": MYSQL_AUDIT_EVENTS,
        }
    return {
        "rds.force_ssl": "1",
        "log_min_duration_statement": str(int(args["settings"]["slow_query_seconds"] * 1000)),
        "log_statement": args["settings"]["log_statement"],
        "timezone": args["settings"]["time_zone"],
    }


class Database(pulumi.ComponentResource):
    """An Aurora cluster reachable only from the client groups, on TLS, in the data subnets.

    The master password never passes through the program: RDS generates it and keeps it in
    Secrets Manager under the secrets key. Storage, snapshots and Performance Insights use
    the data key; the exported logs go to log groups made beforehand with the logs key.
    """

    endpoint: pulumi.Output[str]
    """Writer (cluster) endpoint."""
    reader_endpoint: pulumi.Output[str]
    """Reader endpoint, balanced over the readers (the writer when there are none)."""
    port: pulumi.Output[int]
    """The engine's port."""
    master_secret_arn: pulumi.Output[str]
    """Secrets Manager secret holding the master user's credentials (managed by RDS)."""
    cluster_identifier: pulumi.Output[str]
    """The cluster's identifier."""
    cluster_arn: pulumi.Output[str]
    """The cluster's ARN, for AWS Backup."""

    def __init__(
        self, name: str, args: DatabaseArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("webplatform:data:Database", name, None, opts)
        self._name = name
        prefix = args["platform"]["name_prefix"]
        engine = args["settings"]["engine"]
        identifier = f"{prefix}-db"
        serverless = args["settings"]["instance_class"] == SERVERLESS
        keeps_snapshot = args["settings"]["deletion_protection"]

        subnet_group = aws.rds.SubnetGroup(
            name,
            name=identifier,
            description=f"{identifier}: data subnets",
            subnet_ids=args["subnet_ids"],
            opts=pulumi.ResourceOptions(parent=self),
        )
        label = "PostgreSQL" if engine == "aurora-postgresql" else "MySQL"
        admit_clients(
            name,
            args["security_group_id"],
            args["client_security_group_ids"],
            args["settings"]["port"],
            label,
            self,
        )

        family = parameter_family(engine, args["settings"]["engine_version"])
        parameter_group = aws.rds.ClusterParameterGroup(
            name,
            # The family is in the name, so a major upgrade makes a new group beside the old.
            name=f"{identifier}-{family.replace('.', '-')}",
            family=family,
            description=f"{identifier}: TLS only, time zone, slow query log",
            parameters=[
                aws.rds.ClusterParameterGroupParameterArgs(name=key, value=value)
                for key, value in cluster_parameters(args).items()
            ],
            opts=pulumi.ResourceOptions(parent=self),
        )

        log_types = LOG_EXPORTS[engine]
        # Made before the cluster, so RDS writes into these instead of creating unencrypted
        # groups that never expire.
        log_groups = [
            aws.cloudwatch.LogGroup(
                f"{name}-{log_type}",
                name=f"/aws/rds/cluster/{identifier}/{log_type}",
                retention_in_days=args["platform"]["log_retention_days"],
                kms_key_id=args["platform"]["logs_key_arn"],
                opts=pulumi.ResourceOptions(parent=self),
            )
            for log_type in log_types
        ]

        cluster = aws.rds.Cluster(
            name,
            cluster_identifier=identifier,
            engine=engine,
            engine_version=args["settings"]["engine_version"],
            engine_mode="provisioned",
            serverlessv2_scaling_configuration=(
                aws.rds.ClusterServerlessv2ScalingConfigurationArgs(
                    min_capacity=args["settings"]["min_capacity"],
                    max_capacity=args["settings"]["max_capacity"],
                )
                if serverless
                else None
            ),
            database_name=args["settings"]["database_name"],
            master_username=args["settings"]["master_username"],
            manage_master_user_password=True,
            master_user_secret_kms_key_id=args["platform"]["secrets_key_arn"],
            iam_database_authentication_enabled=True,
            storage_encrypted=True,
            kms_key_id=args["platform"]["data_key_arn"],
            db_subnet_group_name=subnet_group.name,
            vpc_security_group_ids=[args["security_group_id"]],
            db_cluster_parameter_group_name=parameter_group.name,
            port=args["settings"]["port"],
            enabled_cloudwatch_logs_exports=log_types,
            backup_retention_period=args["settings"]["backup_retention_days"],
            preferred_backup_window=args["settings"]["backup_window"],
            preferred_maintenance_window=args["settings"]["maintenance_window"],
            copy_tags_to_snapshot=True,
            deletion_protection=args["settings"]["deletion_protection"],
            skip_final_snapshot=not keeps_snapshot,
            final_snapshot_identifier=f"{identifier}-final" if keeps_snapshot else None,
            # Where the cluster is kept on delete, so are its automated backups.
            delete_automated_backups=not keeps_snapshot,
            allow_major_version_upgrade=False,
            opts=pulumi.ResourceOptions(
                parent=self, protect=args["platform"]["protect"], depends_on=log_groups
            ),
        )

        monitoring: dict[str, pulumi.Input[str] | int] = {}
        interval = args["settings"]["monitoring_interval_seconds"]
        if interval:
            role = aws.iam.Role(
                f"{name}-monitoring",
                name=f"{identifier}-monitoring",
                assume_role_policy=json.dumps(monitoring_trust(args["platform"]["account_id"])),
                opts=pulumi.ResourceOptions(parent=self),
            )
            aws.iam.RolePolicyAttachment(
                f"{name}-monitoring",
                role=role.name,
                policy_arn=ENHANCED_MONITORING_POLICY_ARN,
                opts=pulumi.ResourceOptions(parent=self),
            )
            monitoring = {"monitoring_interval": interval, "monitoring_role_arn": role.arn}

        zones = list(args["availability_zones"])
        instances: list[aws.rds.ClusterInstance] = []
        for i in range(args["settings"]["instances"]):
            # Aurora makes the first instance created the writer: the readers wait for it.
            instances.append(
                aws.rds.ClusterInstance(
                    f"{name}-{i + 1}",
                    identifier=f"{identifier}-{i + 1}",
                    cluster_identifier=cluster.cluster_identifier,
                    engine=aws.rds.EngineType(engine),
                    engine_version=cluster.engine_version,
                    instance_class=args["settings"]["instance_class"],
                    availability_zone=zones[i % len(zones)],
                    db_subnet_group_name=subnet_group.name,
                    publicly_accessible=False,
                    ca_cert_identifier=CA_CERTIFICATE,
                    performance_insights_enabled=True,
                    performance_insights_kms_key_id=args["platform"]["data_key_arn"],
                    performance_insights_retention_period=PERFORMANCE_INSIGHTS_DAYS,
                    auto_minor_version_upgrade=args["settings"]["auto_minor_version_upgrade"],
                    preferred_maintenance_window=args["settings"]["maintenance_window"],
                    copy_tags_to_snapshot=True,
                    promotion_tier=0 if i == 0 else 1,
                    **monitoring,  # type: ignore[arg-type]
                    opts=pulumi.ResourceOptions(
                        parent=self, protect=args["platform"]["protect"], depends_on=instances[:1]
                    ),
                )
            )

        self.endpoint = cluster.endpoint
        self.reader_endpoint = cluster.reader_endpoint
        self.port = cluster.port
        self.master_secret_arn = cluster.master_user_secrets.apply(
            lambda secrets: secrets[0].secret_arn or ""
        )
        self.cluster_identifier = cluster.cluster_identifier
        self.cluster_arn = cluster.arn
        self.register_outputs(
            {
                "cluster_arn": self.cluster_arn,
                "endpoint": self.endpoint,
                "reader_endpoint": self.reader_endpoint,
                "port": self.port,
                "master_secret_arn": self.master_secret_arn,
                "cluster_identifier": self.cluster_identifier,
            }
        )


def monitoring_trust(account_id: str) -> dict[str, Any]:
    """RDS Enhanced Monitoring of this account may assume the role."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "monitoring.rds.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            }
        ],
    }
