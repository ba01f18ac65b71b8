"""The web platform, one stack per environment: read the stack config, build the layers in
dependency order, export what operators and the operations tooling need."""

import pulumi

from components import config as stack_config
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
        "computed": {},
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
