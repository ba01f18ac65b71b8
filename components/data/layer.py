"""The data layer: Aurora, the cache, DynamoDB tables, S3 buckets and the SSM parameters the
services read their settings and endpoints from."""

from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict

import pulumi

from components.base import output_dict, output_dicts
from components.data.backup import Backup, BackupSettings
from components.data.cache import Cache, CacheSettings
from components.data.database import Database, DatabaseSettings
from components.data.parameters import SHARED, Parameters
from components.data.proxy import DatabaseProxy
from components.data.storage import BucketSettings, Storage
from components.data.tables import Tables, TableSpec
from components.platform import Platform


class DataArgs(TypedDict):
    platform: Platform
    """Name prefix, region, account, keys, log retention and protection."""
    availability_zones: Sequence[str]
    """Zones the database instances and cache nodes spread over, in order."""
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """The network's data subnets, one per zone."""
    security_group_id: pulumi.Input[str]
    """The network's data group, which the database and the cache sit in."""
    client_security_group_ids: Sequence[pulumi.Input[str]]
    """Groups admitted to the database and the cache (the app group)."""
    database: DatabaseSettings
    """The Aurora cluster's settings."""
    cache: CacheSettings
    """The cache's settings."""
    tables: Mapping[str, TableSpec]
    """DynamoDB tables by short name."""
    buckets: BucketSettings
    """Lifecycle of the access-logs and log-archive buckets."""
    backup: BackupSettings | None
    """AWS Backup of the database and the tables; None: none."""
    parameter_path: str
    """`/<project>/<environment>`, the start of every SSM parameter name."""
    app_settings: Mapping[str, Mapping[str, pulumi.Input[str]]]
    """Secret settings by service (or function) and NAME, kept as SecureString parameters."""
    assets_policy_statements: NotRequired[Sequence[pulumi.Input[dict[str, Any]]]]
    """Extra statements of the assets bucket policy: CloudFront's read for the edge layer's
    distribution (origin access control)."""


class Data(pulumi.ComponentResource):
    """Every stateful store of the stack, encrypted with the foundation's keys, reachable only
    from the security groups the network passes in."""

    database_endpoint: pulumi.Output[str]
    """The Aurora writer (cluster) endpoint."""
    database_reader_endpoint: pulumi.Output[str]
    """The Aurora reader endpoint, balanced over the readers."""
    database_port: pulumi.Output[int]
    """The database engine's port."""
    database_secret_arn: pulumi.Output[str]
    """The RDS-managed master user secret (JSON with username and password), for
    administration; the services connect through the proxy with IAM tokens instead."""
    database_connect_arn: pulumi.Output[str] | None
    """The `rds-db:connect` resource the task roles need (proxy access); None with password
    access."""
    database_cluster_identifier: pulumi.Output[str]
    """The Aurora cluster's identifier, the `DBClusterIdentifier` of its metrics."""
    cache_endpoint: pulumi.Output[str]
    """The cache's primary endpoint."""
    cache_replication_group_id: pulumi.Output[str]
    """The cache's replication group; its nodes are `<id>-001`, `<id>-002`, ..."""
    cache_reader_endpoint: pulumi.Output[str]
    """The cache's reader endpoint."""
    cache_port: pulumi.Output[int]
    """The cache engine's port."""
    cache_secret_arn: pulumi.Output[str] | None
    """The Secrets Manager secret holding the cache's AUTH token (token access); None with IAM
    access."""
    cache_connect_arns: pulumi.Output[list[str]] | None
    """The replication group and the app's cache user, for `elasticache:Connect` (IAM
    access); None with token access."""
    table_names: pulumi.Output[dict[str, str]]
    """DynamoDB table name by short name."""
    table_arns: pulumi.Output[dict[str, str]]
    """DynamoDB table ARN by short name."""
    bucket_names: pulumi.Output[dict[str, str]]
    """Bucket name by purpose: assets, access-logs, log-archive."""
    bucket_arns: pulumi.Output[dict[str, str]]
    """Bucket ARN by purpose: assets, access-logs, log-archive."""
    assets_regional_domain_name: pulumi.Output[str]
    """The assets bucket's regional domain, CloudFront's origin for static files."""
    parameter_arns: pulumi.Output[dict[str, str]]
    """SSM parameter ARN by parameter name."""
    shared_secrets: pulumi.Output[dict[str, str]]
    """What every service reads by `valueFrom`, by variable name: the endpoint parameters
    (DB_HOST, DB_READER_HOST, DB_PORT, DB_NAME, DB_USER and DB_AUTH, CACHE_HOST, ...,
    CACHE_PORT), DB_PASSWORD only with password access, and the cache token
    (CACHE_AUTH_TOKEN)."""
    setting_secrets: pulumi.Output[dict[str, dict[str, str]]]
    """Each service's own app-setting parameters by service and variable name."""

    def __init__(
        self, name: str, args: DataArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("webplatform:data:Data", name, None, opts)
        platform = args["platform"]
        child = pulumi.ResourceOptions(parent=self)
        placement = {
            "platform": platform,
            "availability_zones": args["availability_zones"],
            "subnet_ids": args["subnet_ids"],
            "security_group_id": args["security_group_id"],
            "client_security_group_ids": args["client_security_group_ids"],
        }
        database = Database("database", {**placement, "settings": args["database"]}, opts=child)  # type: ignore[typeddict-item]
        cache = Cache("cache", {**placement, "settings": args["cache"]}, opts=child)  # type: ignore[typeddict-item]
        tables = Tables("tables", {"platform": platform, "tables": args["tables"]}, opts=child)
        storage = Storage(
            "storage",
            {
                "platform": platform,
                "settings": args["buckets"],
                "assets_policy_statements": args.get("assets_policy_statements", []),
            },
            opts=child,
        )
        if args["backup"] is not None:
            Backup(
                "backup",
                {
                    "platform": platform,
                    "settings": args["backup"],
                    "resource_arns": [
                        database.cluster_arn,
                        *(tables.arns[table] for table in args["tables"]),
                    ],
                },
                opts=child,
            )

        path = args["parameter_path"]
        settings = args["database"]
        database_access: dict[str, pulumi.Input[str]]
        credentials: dict[str, pulumi.Input[str]] = {}
        if settings["access"] == "proxy":
            # The services connect through RDS Proxy with IAM tokens for DB_USER: no password
            # in a task, nothing to redeploy when the secret rotates.
            proxy = DatabaseProxy(
                "database-proxy",
                {
                    "platform": platform,
                    "engine": settings["engine"],
                    "port": settings["port"],
                    "cluster_identifier": database.cluster_identifier,
                    "secret_arn": database.master_secret_arn,
                    "user_name": settings["master_username"],
                    "subnet_ids": args["subnet_ids"],
                    "security_group_id": args["security_group_id"],
                },
                opts=child,
            )
            database_access = {
                "DB_HOST": proxy.endpoint,
                "DB_READER_HOST": proxy.reader_endpoint,
                "DB_USER": settings["master_username"],
                "DB_AUTH": "iam",
            }
            self.database_connect_arn: pulumi.Output[str] | None = proxy.connect_arn
        else:
            database_access = {
                "DB_HOST": database.endpoint,
                "DB_READER_HOST": database.reader_endpoint,
                "DB_AUTH": "password",
            }
            # valueFrom of a JSON key in a secret: `<secret arn>:<key>::`.
            credentials = {
                "DB_USER": database.master_secret_arn.apply(lambda arn: f"{arn}:username::"),
                "DB_PASSWORD": database.master_secret_arn.apply(lambda arn: f"{arn}:password::"),
            }
            self.database_connect_arn = None
        cache_access: dict[str, pulumi.Input[str]]
        if cache.user_name is not None:
            # The services sign in as the IAM-authenticated cache user: no shared secret.
            cache_access = {"CACHE_USER": cache.user_name, "CACHE_AUTH": "iam"}
        else:
            assert cache.auth_secret_arn is not None, "token access keeps its token in a secret"
            cache_access = {"CACHE_AUTH": "token"}
            credentials["CACHE_AUTH_TOKEN"] = cache.auth_secret_arn
        endpoints: dict[str, pulumi.Input[str]] = {
            **database_access,
            "DB_PORT": str(settings["port"]),
            "DB_NAME": settings["database_name"],
            "CACHE_HOST": cache.primary_endpoint,
            "CACHE_READER_HOST": cache.reader_endpoint,
            "CACHE_PORT": str(args["cache"]["port"]),
            **cache_access,
        }
        parameters = Parameters(
            "parameters",
            {
                "platform": platform,
                "path": path,
                "settings": args["app_settings"],
                "computed": endpoints,
            },
            opts=child,
        )

        def arn_of(owner: str, key: str) -> pulumi.Output[str]:
            return parameters.arns.apply(lambda arns: arns[f"{path}/{owner}/{key}"])

        self.shared_secrets = output_dict(
            {
                **{key: arn_of(SHARED, key) for key in endpoints},
                **credentials,
            }
        )
        self.setting_secrets = output_dicts(
            {
                owner: {key: arn_of(owner, key) for key in settings}
                for owner, settings in args["app_settings"].items()
            }
        )
        self.database_endpoint = database.endpoint
        self.database_reader_endpoint = database.reader_endpoint
        self.database_port = database.port
        self.database_cluster_identifier = database.cluster_identifier
        self.database_secret_arn = database.master_secret_arn
        self.cache_endpoint = cache.primary_endpoint
        self.cache_reader_endpoint = cache.reader_endpoint
        self.cache_port = cache.port
        self.cache_replication_group_id = cache.replication_group_id
        self.cache_secret_arn = cache.auth_secret_arn
        self.cache_connect_arns = (
            pulumi.Output.all(cache.arn, cache.user_arn) if cache.user_arn is not None else None
        )
        self.table_names = tables.names
        self.table_arns = tables.arns
        self.bucket_names = output_dict(
            {
                "assets": storage.assets_bucket,
                "access-logs": storage.access_logs_bucket,
                "log-archive": storage.log_archive_bucket,
            }
        )
        self.bucket_arns = output_dict(
            {
                "assets": storage.assets_arn,
                "access-logs": storage.access_logs_arn,
                "log-archive": storage.log_archive_arn,
            }
        )
        self.assets_regional_domain_name = storage.assets_regional_domain_name
        self.parameter_arns = parameters.arns
        self.register_outputs(
            {
                "database_endpoint": self.database_endpoint,
                "database_reader_endpoint": self.database_reader_endpoint,
                "database_port": self.database_port,
                "database_cluster_identifier": self.database_cluster_identifier,
                "database_secret_arn": self.database_secret_arn,
                "database_connect_arn": self.database_connect_arn,
                "cache_endpoint": self.cache_endpoint,
                "cache_reader_endpoint": self.cache_reader_endpoint,
                "cache_port": self.cache_port,
                "cache_replication_group_id": self.cache_replication_group_id,
                "cache_secret_arn": self.cache_secret_arn,
                "cache_connect_arns": self.cache_connect_arns,
                "table_names": self.table_names,
                "table_arns": self.table_arns,
                "bucket_names": self.bucket_names,
                "bucket_arns": self.bucket_arns,
                "assets_regional_domain_name": self.assets_regional_domain_name,
                "parameter_arns": self.parameter_arns,
                "shared_secrets": self.shared_secrets,
                "setting_secrets": self.setting_secrets,
            }
        )
