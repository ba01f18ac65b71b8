"""The web platform, one stack per environment: read the stack config, build the layers in
dependency order, export what operators and the operations tooling need."""

import pulumi

from components import config as stack_config
from components.alerts import Alerts
from components.cache import Cache
from components.cluster import Cluster
from components.database import Database
from components.function import Function
from components.job import ScheduledJob
from components.keys import Keys
from components.network import Network
from components.ops_host import OpsHost
from components.parameters import SHARED, Parameters
from components.providers import create_providers
from components.service import Service
from components.storage import Storage
from components.tables import Tables
from components.task import Task, ssm_parameter_arn

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

# The data layer's endpoints, for every service: SecureString parameters under `shared`.
parameter_path = f"/{config.project}/{config.environment}"
shared_parameters: dict[str, pulumi.Input[str]] = {
    "DB_HOST": database.endpoint,
    "DB_READER_HOST": database.reader_endpoint,
    "DB_PORT": str(config.database.port),
    "DB_NAME": config.database.database_name,
    "CACHE_HOST": cache.primary_endpoint,
    "CACHE_READER_HOST": cache.reader_endpoint,
    "CACHE_PORT": str(config.cache.port),
}

parameters = Parameters(
    "parameters",
    {
        "path": parameter_path,
        "settings": config.app_settings,
        "computed": shared_parameters,
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

cluster = Cluster(
    "cluster",
    {
        "name_prefix": config.name_prefix,
        "prefer_spot": config.cluster.prefer_spot,
        "log_retention_days": config.log_retention_days,
        "logs_kms_key_arn": keys.arns["logs"],
    },
    opts=regional,
)

# valueFrom of a JSON key in a secret: `<secret arn>:<key>::`.
data_credentials: dict[str, pulumi.Input[str]] = {
    "DB_USER": database.master_secret_arn.apply(lambda arn: f"{arn}:username::"),
    "DB_PASSWORD": database.master_secret_arn.apply(lambda arn: f"{arn}:password::"),
    "CACHE_AUTH_TOKEN": cache.auth_secret_arn,
}
bucket_arns = {"assets": storage.assets_arn, "log-archive": storage.log_archive_arn}


def ssm_arn(name: str) -> str:
    return ssm_parameter_arn(config.region, config.account_id, name)


def service_secrets(name: str, explicit: dict[str, str]) -> dict[str, pulumi.Input[str]]:
    """A service's secrets by variable name: the shared endpoint parameters, the database
    credentials and cache token from Secrets Manager, the service's own app settings, then the
    secrets its config names; a later source wins."""
    shared = {key: ssm_arn(f"{parameter_path}/{SHARED}/{key}") for key in shared_parameters}
    own = {
        key: ssm_arn(f"{parameter_path}/{name}/{key}") for key in config.app_settings.get(name, {})
    }
    named = {key: ssm_arn(s) if s.startswith("/") else s for key, s in explicit.items()}
    return {**shared, **data_credentials, **own, **named}


services = {
    name: Service(
        f"service-{name}",
        {
            "name_prefix": config.name_prefix,
            "name": name,
            "region": config.region,
            "account_id": config.account_id,
            "project_path": parameter_path,
            "image": service.image,
            "architecture": service.architecture,
            "cpu": service.cpu,
            "memory": service.memory,
            "port": service.port,
            "command": service.command,
            "environment": service.environment,
            "secrets": service_secrets(name, service.secrets),
            "health_check": service.health_check.model_dump() if service.health_check else None,  # type: ignore[typeddict-item]
            "readonly_root_filesystem": service.readonly_root_filesystem,
            "log_datetime_format": service.log_datetime_format,
            "log_retention_days": config.log_retention_days,
            "logs_kms_key_arn": keys.arns["logs"],
            "secrets_kms_key_arn": keys.arns["secrets"],
            "data_kms_key_arn": keys.arns["data"],
            "table_arns": [tables.arns[t] for t in service.tables],
            "bucket_arns": [bucket_arns[b] for b in service.buckets],
            "exec_log_group_arn": cluster.exec_log_group_arn,
            "cluster_arn": cluster.arn,
            "vpc_id": network.vpc_id,
            "subnet_ids": network.app_subnet_ids,
            "security_group_ids": [network.app_security_group_id],
            "prefer_spot": config.cluster.prefer_spot,
            "desired_count": service.desired_count,
            "min_count": service.min_count,
            "max_count": service.max_count,
            "autoscaling": service.autoscaling.model_dump(),
            "health_check_path": service.health_check_path,
        },
        opts=pulumi.ResourceOptions.merge(
            regional, pulumi.ResourceOptions(depends_on=[parameters])
        ),
    )
    for name, service in config.services.items()
}

functions = {
    name: Function(
        f"function-{name}",
        {
            "name_prefix": config.name_prefix,
            "name": name,
            "region": config.region,
            "account_id": config.account_id,
            "code": function.code,
            "image": function.image,
            "handler": function.handler,
            "runtime": function.runtime,
            "architecture": function.architecture,
            "memory": function.memory,
            "timeout": function.timeout,
            "reserved_concurrency": function.reserved_concurrency,
            "environment": function.environment,
            "vpc": function.vpc,
            "subnet_ids": network.app_subnet_ids,
            "security_group_ids": [network.app_security_group_id],
            "log_retention_days": config.log_retention_days,
            "logs_kms_key_arn": keys.arns["logs"],
            "data_kms_key_arn": keys.arns["data"],
        },
        opts=regional,
    )
    for name, function in config.functions.items()
}

# A job with its own image gets its own task definition; a job on a service runs the service's
# task with the job's command.
job_tasks = {
    name: Task(
        f"job-{name}",
        {
            "name_prefix": config.name_prefix,
            "name": f"job-{name}",
            "region": config.region,
            "account_id": config.account_id,
            "project_path": parameter_path,
            "image": job.image,
            "architecture": job.architecture,
            "cpu": job.cpu,
            "memory": job.memory,
            "port": None,
            "command": job.command,
            "environment": {},
            "secrets": service_secrets(name, {}),
            "health_check": None,
            "readonly_root_filesystem": True,
            "log_datetime_format": None,
            "log_retention_days": config.log_retention_days,
            "logs_kms_key_arn": keys.arns["logs"],
            "secrets_kms_key_arn": keys.arns["secrets"],
            "data_kms_key_arn": keys.arns["data"],
            "table_arns": [],
            "bucket_arns": [],
        },
        opts=pulumi.ResourceOptions.merge(
            regional, pulumi.ResourceOptions(depends_on=[parameters])
        ),
    )
    for name, job in config.jobs.items()
    if job.image is not None
}
jobs: dict[str, ScheduledJob] = {}
for name, job in config.jobs.items():
    runs: Task | Service = services[job.service] if job.service else job_tasks[name]
    jobs[name] = ScheduledJob(
        f"job-{name}",
        {
            "name_prefix": config.name_prefix,
            "name": name,
            "region": config.region,
            "account_id": config.account_id,
            "cluster_arn": cluster.arn,
            "schedule": job.schedule,
            "time_zone": job.time_zone,
            "enabled": job.enabled,
            "task_definition_arn": runs.latest_task_definition_arn,
            "family": runs.family,
            "container_name": runs.container_name,
            "execution_role_arn": runs.execution_role_arn,
            "task_role_arn": runs.task_role_arn,
            # A service's task runs the job's command; a job's own task already has it.
            "command": job.command if job.service else None,
            "retries": job.retries,
            "max_event_age_seconds": job.max_event_age_seconds,
            "subnet_ids": network.app_subnet_ids,
            "security_group_ids": [network.app_security_group_id],
            "data_kms_key_arn": keys.arns["data"],
            "alerts_topic_arn": alerts.topic_arn,
        },
        opts=regional,
    )

ops_host = None
if config.ops_host.enabled:
    ssm_endpoints = {"ssm", "ssmmessages"} <= set(config.network.interface_endpoints)
    ops_host = OpsHost(
        "ops-host",
        {
            "name_prefix": config.name_prefix,
            "vpc_id": network.vpc_id,
            "subnet_ids": network.app_subnet_ids,
            "instance_type": config.ops_host.instance_type,
            "root_volume_gb": config.ops_host.root_volume_gb,
            "data_kms_key_arn": keys.arns["data"],
            "endpoints_security_group_id": (
                network.endpoints_security_group_id if ssm_endpoints else None
            ),
            "data_security_group_id": network.data_security_group_id,
            "database_port": config.database.port,
            "cache_port": config.cache.port,
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
pulumi.export("clusterName", cluster.name)
pulumi.export(
    "services",
    {
        name: {"serviceName": s.service_name, "targetGroupArn": s.target_group_arn}
        for name, s in services.items()
    },
)
pulumi.export(
    "functions",
    {name: {"name": f.function_name, "arn": f.arn} for name, f in functions.items()},
)
pulumi.export(
    "jobs",
    {
        name: {"scheduleName": j.schedule_name, "deadLetterQueueArn": j.dead_letter_queue_arn}
        for name, j in jobs.items()
    },
)
if ops_host is not None:
    pulumi.export(
        "opsHost",
        {
            "instanceId": ops_host.instance_id,
            "databaseTunnel": pulumi.Output.format(
                "aws ssm start-session --target {0} "
                "--document-name AWS-StartPortForwardingSessionToRemoteHost "
                "--parameters host={1},portNumber={2},localPortNumber={3}",
                ops_host.instance_id,
                database.endpoint,
                config.database.port,
                10000 + config.database.port,
            ),
            "cacheTunnel": pulumi.Output.format(
                "aws ssm start-session --target {0} "
                "--document-name AWS-StartPortForwardingSessionToRemoteHost "
                "--parameters host={1},portNumber={2},localPortNumber={3}",
                ops_host.instance_id,
                cache.primary_endpoint,
                config.cache.port,
                10000 + config.cache.port,
            ),
        },
    )
