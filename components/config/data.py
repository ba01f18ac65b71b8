"""The data layer's part of the stack config: database, cache, tables, buckets, app settings.

Tier defaults for these keys live with the others in `components.config.tiers`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from components.config.aws_data import (
    CACHE_VERSIONS,
    aurora_version_problem,
    auto_pause_versions,
    cache_node_problem,
    instance_class_problem,
    supports_auto_pause,
)
from components.config.base import Model, TimeZone, aws, platform
from components.config.schedule import check_cron

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HH_MM = r"([01]\d|2[0-3]):[0-5]\d"
DAILY_WINDOW = re.compile(rf"^{HH_MM}-{HH_MM}$")
WEEKLY_WINDOW = re.compile(rf"^({'|'.join(DAYS)}):{HH_MM}-({'|'.join(DAYS)}):{HH_MM}$")

AURORA = "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide"
AURORA_VERSIONS = (
    "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/"
    "Concepts.Aurora_Fea_Regions_DB-eng.Feature.ServerlessV2.html"
)
SERVERLESS_SCALING = "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ServerlessV2ScalingConfiguration.html"
ELASTICACHE = "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg"
ELASTICACHE_API = "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference"
RDS_API = "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference"
DYNAMODB_API = "https://docs.aws.amazon.com/amazondynamodb/latest/APIReference"
DYNAMODB_KEYS = (
    "https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_KeySchemaElement.html"
)
DYNAMODB_TTL = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/time-to-live-ttl-before-you-start.html"
S3_TRANSITION = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_Transition.html"
# DynamoDB attribute names (keys and the TTL attribute) are 1 to 255 characters (botocore's
# dynamodb KeySchemaAttributeName and TimeToLiveAttributeName; a test compares them).
ATTRIBUTE_NAME_MAX = 255
POSTGRES_NAME_MAX = 63  # identifiers longer than NAMEDATALEN - 1 are cut

ENGINE_PORTS = {"aurora-postgresql": 5432, "aurora-mysql": 3306, "valkey": 6379, "redis": 6379}
DEFAULT_VERSIONS = {
    "aurora-postgresql": "16.6",
    "aurora-mysql": "8.0.mysql_aurora.3.08.0",
    "valkey": "8.0",
    "redis": "7.1",
}


def _minutes(hh_mm: str) -> int:
    hours, minutes = hh_mm.split(":")
    return int(hours) * 60 + int(minutes)


def window_minutes(window: str) -> tuple[int, int]:
    """A window's start and end, in minutes from Monday 00:00 UTC (daily windows: from 00:00)."""
    start, end = window.split("-")
    if ":" in start and start[:3] in DAYS:
        a = DAYS.index(start[:3]) * 1440 + _minutes(start[4:])
        b = DAYS.index(end[:3]) * 1440 + _minutes(end[4:])
        return a, b if b > a else b + 7 * 1440
    a, b = _minutes(start), _minutes(end)
    return a, b if b > a else b + 1440


def _overlaps_every_day(daily: str, weekly: str) -> bool:
    """Whether a daily window meets a weekly one on any day of the week."""
    start, end = window_minutes(daily)
    weekly_start, weekly_end = window_minutes(weekly)
    week = 7 * 1440
    return any(
        day * 1440 + start < weekly_end + shift and weekly_start + shift < day * 1440 + end
        for day in range(8)
        for shift in (-week, 0, week)
    )


def _check_window(
    value: str, pattern: re.Pattern[str], example: str, minimum: int, maximum: int = 7 * 1440
) -> str:
    if not pattern.match(value):
        raise ValueError(f"expected a UTC window such as {example!r}, got {value!r}")
    start, end = window_minutes(value)
    if end - start < minimum:
        raise ValueError(f"{value!r} is shorter than {minimum} minutes")
    if end - start > maximum:
        raise ValueError(f"{value!r} is longer than {maximum // 60} hours")
    return value


class EngineModel(Model):
    """A data store with an engine: its version defaults per engine, its port follows it."""

    if TYPE_CHECKING:
        engine: str
        engine_version: str | None

    @property
    def version(self) -> str:
        return self.engine_version or DEFAULT_VERSIONS[self.engine]

    @property
    def port(self) -> int:
        return ENGINE_PORTS[self.engine]

    def settings(self) -> dict[str, Any]:
        """What the layer component takes: every key, the version and port resolved."""
        return {**self.model_dump(), "engine_version": self.version, "port": self.port}


class DatabaseConfig(EngineModel):
    """`<project>:database`: the Aurora cluster."""

    engine: Literal["aurora-postgresql", "aurora-mysql"] = Field(
        "aurora-postgresql", json_schema_extra=aws(f"{RDS_API}/API_CreateDBCluster.html")
    )
    engine_version: str | None = Field(
        None,
        description="Pinned version; default per engine. Major versions in standard support; "
        "with db.serverless, one with Serverless v2",
        json_schema_extra=aws(AURORA_VERSIONS),
    )
    instance_class: str = Field(
        "db.serverless",
        description="db.serverless (Serverless v2) or a class like db.r7g.large.",
        json_schema_extra=aws(f"{AURORA}/Concepts.DBInstanceClass.html"),
    )
    min_capacity: float = Field(
        ge=0,
        le=256,
        multiple_of=0.5,
        description="Serverless v2 floor; 0 pauses an idle cluster (engine versions with "
        "auto-pause; not behind RDS Proxy, whose open connections keep it awake).",
        json_schema_extra=aws(SERVERLESS_SCALING, "ACUs of about 2 GiB"),
    )
    max_capacity: float = Field(
        ge=1,
        le=256,
        multiple_of=0.5,
        description='Serverless v2 ceiling, 1 to 256 ("You can choose a maximum capacity from 1 '
        'to 256 ACUs").',
        json_schema_extra=aws(
            f"{AURORA}/aurora-serverless-v2-administration.html", "ACUs of about 2 GiB"
        ),
    )
    instances: int = Field(
        ge=1,
        le=16,
        description="Writer plus up to 15 readers, spread over zones.",
        json_schema_extra=aws(f"{AURORA}/Aurora.Replication.html"),
    )
    backup_retention_days: int = Field(
        ge=1, le=35, json_schema_extra=aws(f"{AURORA}/Aurora.Managing.Backups.html", "days")
    )
    backup_window: str = Field(
        "18:00-18:30",
        description="hh24:mi-hh24:mi UTC, 30 minutes or more, apart from the maintenance window",
        json_schema_extra=aws(
            f"{AURORA}/Aurora.Managing.Backups.html#Aurora.Managing.Backups.BackupWindow"
        ),
    )
    maintenance_window: str = Field(
        "sun:19:00-sun:19:30",
        description="ddd:hh24:mi-ddd:hh24:mi UTC, 30 minutes or more",
        json_schema_extra=aws(f"{AURORA}/USER_UpgradeDBInstance.Maintenance.html"),
    )
    database_name: str = Field(
        "app",
        pattern=r"^[a-zA-Z][a-zA-Z0-9_]{0,63}$",
        description="A letter, then letters, digits or underscores: 64 at most, 63 on PostgreSQL",
        json_schema_extra=aws(f"{RDS_API}/API_CreateDBCluster.html"),
    )
    master_username: str = Field(
        "app_admin",
        pattern=r"^[a-zA-Z][a-zA-Z0-9_]{0,15}$",
        description="1-16 letters, digits or underscores, a letter first; not a reserved word "
        "(rdsadmin; admin on PostgreSQL)",
        json_schema_extra=aws(f"{RDS_API}/API_CreateDBCluster.html"),
    )
    deletion_protection: bool = Field(json_schema_extra=aws(f"{RDS_API}/API_CreateDBCluster.html"))
    auto_minor_version_upgrade: bool = Field(
        json_schema_extra=aws(f"{RDS_API}/API_CreateDBInstance.html")
    )
    slow_query_seconds: float = Field(
        3,
        gt=0,
        le=3600,
        description="Statements running this long are logged (log_min_duration_statement, "
        "long_query_time)",
        json_schema_extra=aws(
            f"{AURORA}/USER_LogAccess.Concepts.PostgreSQL.Query_Logging.html", "seconds"
        ),
    )
    time_zone: TimeZone = Field(
        "Asia/Tokyo",
        description="The cluster's time_zone / timezone parameter, an IANA name",
        json_schema_extra=aws("https://repost.aws/knowledge-center/aurora-mysql-change-timezone"),
    )
    access: Literal["proxy", "password"] = Field(
        "proxy",
        description="proxy: the services connect through RDS Proxy with IAM tokens (survives "
        "secret rotation); password: the master secret by valueFrom (read at task start).",
        json_schema_extra=platform("the two ways this program connects the services"),
    )
    log_statement: Literal["none", "ddl", "mod", "all"] = Field(
        "ddl",
        description="PostgreSQL statements always logged (schema changes by default).",
        json_schema_extra=aws(f"{AURORA}/USER_LogAccess.Concepts.PostgreSQL.Query_Logging.html"),
    )
    monitoring_interval_seconds: Literal[0, 1, 5, 10, 15, 30, 60] = Field(
        description="Enhanced Monitoring granularity; 0 turns it off.",
        json_schema_extra=aws(f"{RDS_API}/API_CreateDBInstance.html", "seconds"),
    )

    @field_validator("engine_version")
    @classmethod
    def _check_version(cls, version: str | None) -> str | None:
        pattern = r"\d+(\.\d+)+(\.mysql_aurora\.\d+\.\d+\.\d+)?"
        if version is not None and not re.fullmatch(pattern, version):
            raise ValueError(
                f"expected a version such as 16.6 or 8.0.mysql_aurora.3.08.0, got {version!r}"
            )
        return version

    @field_validator("instance_class")
    @classmethod
    def _check_class(cls, name: str) -> str:
        if name == "db.serverless":
            return name
        if not re.fullmatch(r"db\.[a-z0-9]+\.[a-z0-9]+", name):
            raise ValueError(
                f"expected db.serverless or a class such as db.r7g.large, got {name!r}"
            )
        problem = instance_class_problem(name)
        if problem:
            raise ValueError(problem)
        return name

    @field_validator("backup_window")
    @classmethod
    def _check_backup_window(cls, window: str) -> str:
        return _check_window(window, DAILY_WINDOW, "18:00-18:30", 30)

    @field_validator("maintenance_window")
    @classmethod
    def _check_maintenance_window(cls, window: str) -> str:
        return _check_window(window, WEEKLY_WINDOW, "sun:19:00-sun:19:30", 30)

    @model_validator(mode="after")
    def _consistent(self) -> DatabaseConfig:
        if self.min_capacity > self.max_capacity:
            raise ValueError(
                f"minCapacity {self.min_capacity} is above maxCapacity {self.max_capacity}"
            )
        mysql_version = "mysql_aurora" in (self.engine_version or "")
        if self.engine_version and mysql_version != (self.engine == "aurora-mysql"):
            raise ValueError(f"engineVersion {self.engine_version} is not an {self.engine} version")
        problem = aurora_version_problem(
            self.engine, self.version, serverless=self.instance_class == "db.serverless"
        )
        if problem:
            raise ValueError(problem)
        if self.min_capacity == 0 and not supports_auto_pause(self.engine, self.version):
            raise ValueError(
                f"minCapacity 0 (automatic pause) needs {auto_pause_versions(self.engine)}; "
                f"engineVersion is {self.version}"
            )
        if self.min_capacity == 0 and self.access == "proxy":
            # RDS Proxy holds connections open to each instance, so none behind it pauses:
            # https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2-auto-pause.html
            raise ValueError(
                "minCapacity 0 (automatic pause) never pauses behind RDS Proxy, which keeps "
                "connections open; set access: password or minCapacity 0.5 or more"
            )
        if _overlaps_every_day(self.backup_window, self.maintenance_window):
            raise ValueError(
                f"backupWindow {self.backup_window} overlaps maintenanceWindow "
                f"{self.maintenance_window}; RDS needs them apart"
            )
        postgres = self.engine == "aurora-postgresql"
        if postgres and len(self.database_name) > POSTGRES_NAME_MAX:
            raise ValueError(f"databaseName: PostgreSQL names are {POSTGRES_NAME_MAX} at most")
        # "Can't be a reserved word for the chosen database engine" (CreateDBCluster): RDS
        # answers "MasterUsername admin cannot be used as it is a reserved word used by the
        # engine" for admin on PostgreSQL, and refuses rdsadmin, its own user, on both.
        reserved = {"rdsadmin", "admin"} if postgres else {"rdsadmin"}
        if self.master_username.lower() in reserved:
            raise ValueError(
                f"masterUsername {self.master_username} is reserved by {self.engine}; choose "
                "another, such as app_admin"
            )
        if self.engine == "aurora-mysql" and self.instance_class.startswith("db.t3."):
            # The cluster turns Performance Insights on, which Aurora MySQL has on no db.t3
            # class: https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_DatabaseInsights.Engines.html
            raise ValueError(
                f"{self.instance_class}: Aurora MySQL has no Performance Insights on db.t3; "
                "choose db.t4g or larger"
            )
        return self


class CacheConfig(EngineModel):
    """`<project>:cache`: the ElastiCache replication group."""

    engine: Literal["valkey", "redis"] = Field(
        "valkey", json_schema_extra=aws(f"{ELASTICACHE_API}/API_CreateReplicationGroup.html")
    )
    engine_version: str | None = Field(
        None,
        pattern=r"^\d+\.\d+$",
        description="A version ElastiCache creates for the engine; IAM access needs 7 or later",
        json_schema_extra=aws(f"{ELASTICACHE}/supported-engine-versions.html"),
    )
    node_type: str = Field(
        pattern=r"^cache\.[a-z0-9]+\.[a-z0-9]+$",
        description="A current-generation node type",
        json_schema_extra=aws(f"{ELASTICACHE}/CacheNodes.SupportedTypes.html"),
    )
    replicas: int = Field(ge=0, le=5, json_schema_extra=aws(f"{ELASTICACHE}/Replication.html"))
    snapshot_retention_days: int = Field(
        ge=0, le=35, json_schema_extra=aws(f"{ELASTICACHE}/backups-automatic.html", "days")
    )
    snapshot_window: str = Field(
        "17:00-18:00",
        description="hh24:mi-hh24:mi UTC, 60 minutes or more",
        json_schema_extra=aws(f"{ELASTICACHE}/backups-automatic.html"),
    )
    maintenance_window: str = Field(
        "sun:20:00-sun:21:00",
        description="ddd:hh24:mi-ddd:hh24:mi UTC, 60 minutes to 24 hours, apart from the "
        "snapshot window",
        json_schema_extra=aws(f"{ELASTICACHE}/maintenance-window.html"),
    )
    auto_minor_version_upgrade: bool = Field(
        description="Apply minor engine versions in the maintenance window (dev only by default: "
        "pin the version and upgrade on purpose elsewhere).",
        json_schema_extra=aws(f"{ELASTICACHE_API}/API_CreateReplicationGroup.html"),
    )
    access: Literal["iam", "token"] = Field(
        "iam",
        description="iam: the services sign in as an IAM-authenticated cache user (no shared "
        "secret); token: a generated AUTH token from Secrets Manager.",
        json_schema_extra=platform("the two ways this program connects the services"),
    )

    @field_validator("node_type")
    @classmethod
    def _check_node_type(cls, node_type: str) -> str:
        problem = cache_node_problem(node_type)
        if problem:
            raise ValueError(problem)
        return node_type

    @model_validator(mode="after")
    def _iam_needs_version_7(self) -> CacheConfig:
        if self.version not in CACHE_VERSIONS[self.engine]:
            raise ValueError(
                f"engineVersion {self.version}: ElastiCache creates {self.engine} "
                f"{', '.join(CACHE_VERSIONS[self.engine])}"
            )
        if self.access == "iam" and int(self.version.split(".")[0]) < 7:
            raise ValueError(
                f"IAM authentication needs Valkey or Redis OSS 7 or later, got {self.version}; "
                "set access: token or a newer engineVersion"
            )
        return self

    @field_validator("snapshot_window")
    @classmethod
    def _check_snapshot_window(cls, window: str) -> str:
        return _check_window(window, DAILY_WINDOW, "17:00-18:00", 60)

    @field_validator("maintenance_window")
    @classmethod
    def _check_maintenance_window(cls, window: str) -> str:
        return _check_window(window, WEEKLY_WINDOW, "sun:20:00-sun:21:00", 60, 24 * 60)

    @model_validator(mode="after")
    def _windows_apart(self) -> CacheConfig:
        # ElastiCache: "The snapshot window and maintenance window must not overlap."
        if _overlaps_every_day(self.snapshot_window, self.maintenance_window):
            raise ValueError(
                f"snapshotWindow {self.snapshot_window} overlaps maintenanceWindow "
                f"{self.maintenance_window}; ElastiCache needs them apart"
            )
        return self


AttributeType = Literal["S", "N", "B"]


AttributeName = Annotated[
    str,
    Field(min_length=1, max_length=ATTRIBUTE_NAME_MAX, json_schema_extra=aws(DYNAMODB_KEYS)),
]


class IndexConfig(Model):
    name: str = Field(
        pattern=r"^[a-zA-Z0-9_.-]{3,255}$",
        json_schema_extra=aws(
            "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html"
        ),
    )
    hash_key: AttributeName
    range_key: AttributeName | None = Field(None, json_schema_extra=aws(DYNAMODB_KEYS))
    projection: Literal["ALL", "KEYS_ONLY"] = Field(
        "ALL", json_schema_extra=aws(f"{DYNAMODB_API}/API_Projection.html")
    )


class TableConfig(Model):
    """One entry of `<project>:tables`: a DynamoDB table."""

    hash_key: AttributeName
    range_key: AttributeName | None = Field(None, json_schema_extra=aws(DYNAMODB_KEYS))
    attributes: dict[str, AttributeType] = Field(
        description="Every key attribute of the table and its indexes, and only those.",
        json_schema_extra=aws(f"{DYNAMODB_API}/API_AttributeDefinition.html"),
    )
    global_secondary_indexes: list[IndexConfig] = Field(
        default_factory=list,
        max_length=20,
        description="20 per table, DynamoDB's default quota",
        json_schema_extra=aws(
            "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html"
        ),
    )
    ttl_attribute: str | None = Field(
        None,
        min_length=1,
        max_length=ATTRIBUTE_NAME_MAX,
        description="Items expire at this attribute's time, a Number (epoch seconds); as a key "
        "attribute, of type N",
        json_schema_extra=aws(DYNAMODB_TTL),
    )
    stream: Literal["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"] | None = Field(
        None, json_schema_extra=aws(f"{DYNAMODB_API}/API_StreamSpecification.html")
    )
    billing_mode: Literal["PAY_PER_REQUEST", "PROVISIONED"] = Field(
        "PAY_PER_REQUEST", json_schema_extra=aws(f"{DYNAMODB_API}/API_CreateTable.html")
    )
    read_capacity: int | None = Field(
        None, ge=1, json_schema_extra=aws(f"{DYNAMODB_API}/API_ProvisionedThroughput.html")
    )
    write_capacity: int | None = Field(
        None, ge=1, json_schema_extra=aws(f"{DYNAMODB_API}/API_ProvisionedThroughput.html")
    )

    @model_validator(mode="after")
    def _keys_match_attributes(self) -> TableConfig:
        keys = [self.hash_key, self.range_key]
        for index in self.global_secondary_indexes:
            keys += [index.hash_key, index.range_key]
        used = {k for k in keys if k}
        missing = sorted(used - set(self.attributes))
        if missing:
            raise ValueError(f"key {missing[0]!r} is not among the attributes")
        unused = sorted(set(self.attributes) - used)
        if unused:
            raise ValueError(
                f"attribute {unused[0]!r} is no key of the table or an index "
                "(DynamoDB declares key attributes only)"
            )
        names = [i.name for i in self.global_secondary_indexes]
        if len(set(names)) != len(names):
            raise ValueError("names an index twice")
        ttl_type = self.attributes.get(self.ttl_attribute or "", "N")
        if ttl_type != "N":
            raise ValueError(
                f"ttlAttribute {self.ttl_attribute!r} is a key of type {ttl_type}; DynamoDB "
                "expires items by a Number attribute only (epoch seconds)"
            )
        provisioned = self.read_capacity is not None and self.write_capacity is not None
        if (self.billing_mode == "PROVISIONED") != provisioned:
            raise ValueError("readCapacity and writeCapacity go with billingMode PROVISIONED")
        return self


class BucketsConfig(Model):
    """`<project>:buckets`: how long the log buckets keep objects."""

    access_logs_expire_days: int = Field(
        ge=1,
        description="ALB, CloudFront and WAF logs.",
        json_schema_extra=aws(
            "https://docs.aws.amazon.com/AmazonS3/latest/API/API_LifecycleExpiration.html", "days"
        ),
    )
    archive_to_glacier_days: int = Field(
        ge=0,
        description="Log archive objects move to S3 Glacier Flexible Retrieval (GLACIER).",
        json_schema_extra=aws(S3_TRANSITION, "days"),
    )
    archive_expire_days: int = Field(
        ge=1,
        description="After archiveToGlacierDays: S3 refuses an expiration before the transition",
        json_schema_extra=aws(S3_TRANSITION, "days"),
    )

    @model_validator(mode="after")
    def _order(self) -> BucketsConfig:
        if self.archive_expire_days <= self.archive_to_glacier_days:
            raise ValueError("archiveExpireDays must come after archiveToGlacierDays")
        return self


class BackupConfig(Model):
    """`<project>:backup`: AWS Backup of the database and the tables into an encrypted vault."""

    enabled: bool = Field(
        description="Whether the stack makes a backup plan, vault and selection",
        json_schema_extra=platform("whether this program makes the plan"),
    )
    schedule: str = Field(
        "cron(0 19 * * ? *)",
        description=(
            "Start of each backup, a cron() expression in UTC (04:00 in Tokyo); jobs at least "
            "60 minutes apart, so one minute of the hour"
        ),
        json_schema_extra=aws(
            "https://docs.aws.amazon.com/aws-backup/latest/devguide/API_BackupRule.html"
        ),
    )
    retention_days: int = Field(
        35,
        ge=1,
        le=36500,
        description="Days each recovery point is kept; with vaultLock, the vault's minimum.",
        json_schema_extra=aws(
            "https://docs.aws.amazon.com/aws-backup/latest/devguide/API_PutBackupVaultLockConfiguration.html",
            "days",
        ),
    )
    vault_lock: bool = Field(
        False,
        description="Governance-mode lock for the retention period.",
        json_schema_extra=aws(
            "https://docs.aws.amazon.com/aws-backup/latest/devguide/vault-lock.html"
        ),
    )

    @field_validator("schedule")
    @classmethod
    def _check_schedule(cls, expression: str) -> str:
        minutes = check_cron(expression)[5:-1].split()[0]
        if not minutes.isdigit():
            raise ValueError(
                f"{expression}: AWS Backup starts jobs at least 60 minutes apart; give one "
                f"minute of the hour, not {minutes!r}"
            )
        return expression

    def settings(self) -> dict[str, Any] | None:
        """What the data layer takes: the plan's settings, or None when backups are off."""
        return self.model_dump(exclude={"enabled"}) if self.enabled else None


# Every variable the data layer may inject into a service's task as a secret (`valueFrom`):
# the endpoints under /<project>/<env>/shared/ and the credentials of either access mode.
SHARED_SECRET_NAMES = (
    "DB_HOST", "DB_READER_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_AUTH", "DB_PASSWORD",
    "CACHE_HOST", "CACHE_READER_HOST", "CACHE_PORT", "CACHE_USER", "CACHE_AUTH",
    "CACHE_AUTH_TOKEN",
)  # fmt: skip

SERVICE_NAME = r"^[a-z][a-z0-9-]{0,30}$"
SETTING_NAME = r"^[A-Z][A-Z0-9_]{0,63}$"


# A standard-tier parameter's value: 4 KB at most (API_PutParameter, Value).
STANDARD_PARAMETER_MAX = 4096


def check_app_settings(settings: dict[str, dict[str, Any]]) -> dict[str, dict[str, str]]:
    """`<project>:appSettings`: {service: {NAME: secret value}}; names checked, values strings."""
    for service, values in settings.items():
        if not re.fullmatch(SERVICE_NAME, service):
            raise ValueError(f"service {service!r} is not a lowercase name such as 'web'")
        if not isinstance(values, dict):
            raise ValueError(f"{service}: expected a mapping of NAME: value")
        for name, value in values.items():
            if not re.fullmatch(SETTING_NAME, name):
                raise ValueError(f"{service}.{name}: expected an UPPER_CASE setting name")
            if not isinstance(value, str):
                raise ValueError(f"{service}.{name}: expected a string value")
            if re.search(r"\{\{.*\}\}", value):
                # "You can't include values wrapped in double brackets {{}}" (PutParameter).
                raise ValueError(f"{service}.{name}: SSM refuses values wrapped in {{{{ }}}}")
            size = len(value.encode())
            if not 1 <= size <= STANDARD_PARAMETER_MAX:
                raise ValueError(
                    f"{service}.{name}: a standard SSM parameter holds 1 to "
                    f"{STANDARD_PARAMETER_MAX} bytes, this one {size}"
                )
    return settings
