"""The web platform, one stack per environment: read the stack config, build the layers in
dependency order, export what operators and the operations tooling need."""

import pulumi

from components import config as stack_config
from components.alerts import Alerts
from components.cache import Cache
from components.database import Database
from components.keys import Keys
from components.network import Network
from components.parameters import Parameters
from components.providers import create_providers
from components.storage import Storage
from components.tables import Tables

config = stack_config.from_pulumi()
providers = create_providers(config)
regional = pulumi.ResourceOptions(providers=[providers.regional])

keys = Keys(
    "keys",
    {
        "name_prefix": config.name_prefix,
        "account_id": config.account_id,
        "region": config.region,
        "purposes": ["data", "logs", "secrets"],
        "protect": config.protect_stateful_resources,
    },
    opts=regional,
)

network = Network(
    "network",
    {
        "name_prefix": config.name_prefix,
        "region": config.region,
        "account_id": config.account_id,
        "cidr_block": str(config.network.cidr),
        "availability_zones": config.availability_zones,
        "subnet_cidrs": config.subnet_cidrs(),
        "nat_gateways": config.network.nat_gateways,
        "interface_endpoints": config.network.interface_endpoints,
        "flow_log_traffic": config.network.flow_log_traffic,
        "log_retention_days": config.log_retention_days,
        "logs_kms_key_arn": keys.arns["logs"],
    },
    opts=regional,
)

database = Database(
    "database",
    {
        "name_prefix": config.name_prefix,
        "engine": config.database.engine,
        "engine_version": config.database.version,
        "instance_class": config.database.instance_class,
        "min_capacity": config.database.min_capacity,
        "max_capacity": config.database.max_capacity,
        "instances": config.database.instances,
        "availability_zones": config.availability_zones,
        "subnet_ids": network.data_subnet_ids,
        "security_group_id": network.data_security_group_id,
        "client_security_group_ids": [network.app_security_group_id],
        "port": config.database.port,
        "database_name": config.database.database_name,
        "master_username": config.database.master_username,
        "backup_retention_days": config.database.backup_retention_days,
        "backup_window": config.database.backup_window,
        "maintenance_window": config.database.maintenance_window,
        "deletion_protection": config.database.deletion_protection,
        "auto_minor_version_upgrade": config.database.auto_minor_version_upgrade,
        "slow_query_seconds": config.database.slow_query_seconds,
        "time_zone": config.database.time_zone,
        "data_kms_key_arn": keys.arns["data"],
        "secrets_kms_key_arn": keys.arns["secrets"],
        "logs_kms_key_arn": keys.arns["logs"],
        "log_retention_days": config.log_retention_days,
        "protect": config.protect_stateful_resources,
    },
    opts=regional,
)

cache = Cache(
    "cache",
    {
        "name_prefix": config.name_prefix,
        "engine": config.cache.engine,
        "engine_version": config.cache.version,
        "node_type": config.cache.node_type,
        "replicas": config.cache.replicas,
        "availability_zones": config.availability_zones,
        "subnet_ids": network.data_subnet_ids,
        "security_group_id": network.data_security_group_id,
        "client_security_group_ids": [network.app_security_group_id],
        "port": config.cache.port,
        "snapshot_retention_days": config.cache.snapshot_retention_days,
        "snapshot_window": config.cache.snapshot_window,
        "maintenance_window": config.cache.maintenance_window,
        "data_kms_key_arn": keys.arns["data"],
        "secrets_kms_key_arn": keys.arns["secrets"],
        "logs_kms_key_arn": keys.arns["logs"],
        "log_retention_days": config.log_retention_days,
        "protect": config.protect_stateful_resources,
    },
    opts=regional,
)

tables = Tables(
    "tables",
    {
        "name_prefix": config.name_prefix,
        "tables": {name: table.model_dump() for name, table in config.tables.items()},  # type: ignore[misc]
        "kms_key_arn": keys.arns["data"],
        "protect": config.protect_stateful_resources,
    },
    opts=regional,
)

parameters = Parameters(
    "parameters",
    {
        "path": f"/{config.project}/{config.environment}",
        "settings": config.app_settings,
        "computed": {
            "DB_HOST": database.endpoint,
            "DB_READER_HOST": database.reader_endpoint,
            "DB_PORT": str(config.database.port),
            "DB_NAME": config.database.database_name,
            "CACHE_HOST": cache.primary_endpoint,
            "CACHE_READER_HOST": cache.reader_endpoint,
            "CACHE_PORT": str(config.cache.port),
        },
        "kms_key_arn": keys.arns["secrets"],
    },
    opts=regional,
)

storage = Storage(
    "storage",
    {
        "name_prefix": config.name_prefix,
        "account_id": config.account_id,
        "region": config.region,
        "data_kms_key_arn": keys.arns["data"],
        "access_logs_expire_days": config.buckets.access_logs_expire_days,
        "archive_to_glacier_days": config.buckets.archive_to_glacier_days,
        "archive_expire_days": config.buckets.archive_expire_days,
        "protect": config.protect_stateful_resources,
    },
    opts=regional,
)

alerts = Alerts(
    "alerts",
    {
        "name_prefix": config.name_prefix,
        "account_id": config.account_id,
        "kms_key_arn": keys.arns["data"],
    },
    opts=regional,
)

pulumi.export("region", config.region)
pulumi.export("vpcId", network.vpc_id)
pulumi.export("vpcCidr", network.vpc_cidr)
pulumi.export("publicSubnetIds", network.public_subnet_ids)
pulumi.export("appSubnetIds", network.app_subnet_ids)
pulumi.export("dataSubnetIds", network.data_subnet_ids)
pulumi.export(
    "securityGroupIds",
    {
        "alb": network.alb_security_group_id,
        "app": network.app_security_group_id,
        "data": network.data_security_group_id,
        "endpoints": network.endpoints_security_group_id,
    },
)
pulumi.export(
    "routeTableIds",
    {
        "public": network.public_route_table_id,
        "app": network.app_route_table_ids,
        "data": network.data_route_table_id,
    },
)
pulumi.export("natPublicIps", network.nat_public_ips)
pulumi.export("flowLogGroup", network.flow_log_group_name)
pulumi.export("tables", tables.names)
pulumi.export("parameterArns", parameters.arns)
pulumi.export("alertsTopicArn", alerts.topic_arn)
