"""The web platform, one stack per environment: read the stack config, build the layers in
dependency order (foundation -> network -> data -> edge -> compute -> pipeline ->
observability), export what operators and the operations CLI need."""

from collections.abc import Callable

import pulumi

from components import config as stack_config
from components.compute import Compute
from components.compute.ops_host import port_forwarding
from components.config.compute import job_graphs
from components.data import Data
from components.data.storage import bucket_names
from components.edge import Edge
from components.edge.layer import assets_read_statement
from components.foundation import Foundation
from components.network import Network
from components.observability import Observability
from components.pipeline import Pipeline
from components.pipeline.repository import image_uri
from components.platform import Platform
from components.providers import create_providers

config = stack_config.from_pulumi()
providers = create_providers(config)
regional = pulumi.ResourceOptions(providers=[providers.regional])

foundation = Foundation(
    "foundation",
    {
        "name_prefix": config.name_prefix,
        "region": config.region,
        "account_id": config.account_id,
        "protect": config.protect_stateful_resources,
    },
    opts=regional,
)
platform: Platform = {
    "name_prefix": config.name_prefix,
    "region": config.region,
    "account_id": config.account_id,
    "log_retention_days": config.log_retention_days,
    "protect": config.protect_stateful_resources,
    "data_key_arn": foundation.data_key_arn,
    "logs_key_arn": foundation.logs_key_arn,
    "secrets_key_arn": foundation.secrets_key_arn,
}

network = Network(
    "network",
    {
        "platform": platform,
        "cidr_block": str(config.network.cidr),
        "availability_zones": config.availability_zones,
        "subnet_cidrs": config.subnet_cidrs(),
        "nat_gateways": config.network.nat_gateways,
        "interface_endpoints": config.network.interface_endpoints,
        "flow_log_traffic": config.network.flow_log_traffic,
        "app_ports": [s.port for s in config.services.values() if s.port is not None],
        # Only CloudFront reaches the load balancer, on the port its listener serves.
        "alb_ingress_prefix_list_id": config.edge.prefix_list_id(config.region) or "",
        "alb_ingress_port": 443 if config.edge.domain else 80,
    },
    opts=regional,
)

# The assets bucket admits the distribution the edge layer makes after it: its ARN is a
# deferred output, resolved once the distribution is declared.
distribution_arn: pulumi.Output[str]
resolve_distribution_arn: Callable[[pulumi.Output[str]], None]
distribution_arn, resolve_distribution_arn = pulumi.deferred_output()
assets_bucket = bucket_names(config.name_prefix, config.account_id, config.region)["assets"]

data = Data(
    "data",
    {
        "platform": platform,
        "availability_zones": config.availability_zones,
        "subnet_ids": network.data_subnet_ids,
        "security_group_id": network.data_security_group_id,
        "client_security_group_ids": [network.app_security_group_id],
        "database": config.database.settings(),  # type: ignore[typeddict-item]
        "cache": config.cache.settings(),  # type: ignore[typeddict-item]
        "tables": {name: table.model_dump() for name, table in config.tables.items()},  # type: ignore[misc]
        "buckets": config.buckets.model_dump(),  # type: ignore[typeddict-item]
        "backup": config.backup.settings(),  # type: ignore[typeddict-item]
        "parameter_path": config.parameter_path,
        "app_settings": config.app_settings,
        "assets_policy_statements": [
            assets_read_statement(f"arn:aws:s3:::{assets_bucket}", distribution_arn)
        ],
    },
    opts=regional,
)

web_services = {
    name: {"port": service.port, "health_check_path": service.health_check_path}
    for name, service in config.services.items()
    if service.port is not None
}
edge = Edge(
    "edge",
    {
        "platform": platform,
        "vpc_id": network.vpc_id,
        "public_subnet_ids": network.public_subnet_ids,
        "alb_security_group_id": network.alb_security_group_id,
        "access_logs_bucket": data.bucket_names["access-logs"],
        "access_logs_bucket_arn": data.bucket_arns["access-logs"],
        "assets_regional_domain_name": data.assets_regional_domain_name,
        "settings": config.edge.settings(),  # type: ignore[typeddict-item]
        "services": web_services,  # type: ignore[typeddict-item]
        "ci_token": (
            pulumi.Output.secret(config.edge.waf.ci_token) if config.edge.waf.ci_token else None
        ),
        # Each blue/green service gets a second target group and a test listener.
        "test_ports": config.test_listener_ports(),
        "test_cidrs": config.pipeline.blue_green.test_cidrs,
    },
    opts=regional,
    global_provider=providers.global_,
)
resolve_distribution_arn(edge.distribution_arn)
deploy_styles = config.deploy_styles()
# An image given as a tag is in the pipeline's repository of the service (or job).
service_settings = {
    n: {**s.model_dump(), "image": image_uri(platform, n, s.image), "deploy": deploy_styles[n]}
    for n, s in config.services.items()
}
job_settings = {
    n: {**j.model_dump(), "image": j.image and image_uri(platform, n, j.image)}
    for n, j in config.jobs.items()
}

compute = Compute(
    "compute",
    {
        "platform": platform,
        "vpc_id": network.vpc_id,
        "subnet_ids": network.app_subnet_ids,
        "security_group_id": network.app_security_group_id,
        "data_security_group_id": network.data_security_group_id,
        "endpoints_security_group_id": (
            network.endpoints_security_group_id if config.network.has_ssm_endpoints else None
        ),
        "parameter_path": config.parameter_path,
        "shared_secrets": data.shared_secrets,
        "setting_secrets": data.setting_secrets,
        "table_arns": data.table_arns,
        "bucket_arns": data.bucket_arns,
        "database_port": config.database.port,
        "database_connect_arn": data.database_connect_arn,
        "cache_connect_arns": data.cache_connect_arns,
        "cache_port": config.cache.port,
        "alerts_topic_arn": foundation.alerts_topic_arn,
        "prefer_spot": config.cluster.prefer_spot,
        "services": service_settings,  # type: ignore[typeddict-item]
        "functions": config.function_settings(),  # type: ignore[typeddict-item]
        "jobs": job_settings,  # type: ignore[typeddict-item]
        "ops_host": config.ops_host.model_dump() if config.ops_host.enabled else None,  # type: ignore[typeddict-item]
        "operator_principals": config.operators.principals,
        "distribution_arn": edge.distribution_arn,
        "load_balancing": {
            "listener_arn": edge.listener_arn,
            "load_balancer_arn_suffix": edge.alb_arn_suffix,
            "target_group_arns": edge.target_group_arns,
            "target_group_arn_suffixes": edge.target_group_arn_suffixes,
            "routed_services": config.routed_services,
            "health_check_grace_period_seconds": config.edge.health_check_grace_period_seconds,
        },
    },
    opts=regional,
)

pipeline = Pipeline(
    "pipeline",
    {
        "platform": platform,
        "settings": config.pipeline_settings(),  # type: ignore[typeddict-item]
        "services": {
            n: {"deploy": deploy_styles[n], "architecture": s.architecture, "port": s.port}
            for n, s in config.services.items()
        },
        "job_images": [n for n, j in config.jobs.items() if j.image is not None],
        "cluster_name": compute.cluster_name,
        "deployed": compute.services,
        "listener_arn": edge.listener_arn,
        "load_balancer_arn_suffix": edge.alb_arn_suffix,
        "target_group_names": edge.target_group_names,
        "target_group_arn_suffixes": edge.target_group_arn_suffixes,
        "green_target_groups": edge.green_target_groups,
        "alerts_topic_arn": foundation.alerts_topic_arn,
    },
    opts=regional,
)

graph_roots = [levels[0][0] for levels in job_graphs({n: j.after for n, j in config.jobs.items()})]
observability = Observability(
    "observability",
    {
        "platform": platform,
        "settings": config.observability.settings(),  # type: ignore[typeddict-item]
        "alerts_topic_arn": foundation.alerts_topic_arn,
        "log_archive_bucket": data.bucket_names["log-archive"],
        "log_archive_bucket_arn": data.bucket_arns["log-archive"],
        "archive_days": config.buckets.archive_expire_days,
        "access_logs_bucket": data.bucket_names["access-logs"],
        "flow_log_group": network.flow_log_group_name,
        "cluster_name": compute.cluster_name,
        "services": compute.services,
        "service_names": list(config.services),
        "functions": compute.functions,
        "function_names": list(config.functions),
        "jobs": compute.jobs,
        "job_names": [n for n, job in config.jobs.items() if job.service is None],
        "dead_letter_queues": compute.dead_letter_queue_names,
        "dead_letter_queue_owners": [
            *(f"function-{n}" for n in config.functions),
            *(f"jobs-{root}" for root in graph_roots),
        ],
        "load_balancer_arn_suffix": edge.alb_arn_suffix,
        "target_group_arn_suffixes": edge.target_group_arn_suffixes,
        "web_services": config.routed_services,
        "database_cluster_identifier": data.database_cluster_identifier,
        "database_readers": config.database.instances - 1,
        "cache_replication_group_id": data.cache_replication_group_id,
        "cache_nodes": 1 + config.cache.replicas,
        "distribution_id": edge.distribution_id,
        "web_acl_name": edge.web_acl_name,
        "ops_host_instance_id": compute.ops_host_instance_id,
    },
    opts=regional,
    global_provider=providers.global_,
)

pulumi.export("region", config.region)
pulumi.export("appUrl", edge.app_url)
pulumi.export("cdn", {"distributionId": edge.distribution_id, "url": edge.cdn_url})
pulumi.export("alb", {"dnsName": edge.alb_dns_name, "arnSuffix": edge.alb_arn_suffix})
pulumi.export("namePrefix", config.name_prefix)
pulumi.export("parameterPath", config.parameter_path)
pulumi.export("parameterKeyArn", foundation.secrets_key_arn)
pulumi.export("alertsTopicArn", foundation.alerts_topic_arn)
pulumi.export("vpcId", network.vpc_id)
pulumi.export("vpcCidr", network.vpc_cidr)
pulumi.export("publicSubnetIds", network.public_subnet_ids)
pulumi.export("appSubnetIds", network.app_subnet_ids)
pulumi.export("dataSubnetIds", network.data_subnet_ids)
pulumi.export("securityGroupIds", network.security_group_ids)
pulumi.export("routeTableIds", network.route_table_ids)
pulumi.export("natPublicIps", network.nat_public_ips)
pulumi.export("flowLogGroup", network.flow_log_group_name)
pulumi.export(
    "database",
    {
        "endpoint": data.database_endpoint,
        "readerEndpoint": data.database_reader_endpoint,
        "port": data.database_port,
    },
)
pulumi.export("cache", {"endpoint": data.cache_endpoint, "port": data.cache_port})
pulumi.export("tables", data.table_names)
pulumi.export("buckets", data.bucket_names)
pulumi.export("parameterArns", data.parameter_arns)
pulumi.export("clusterName", compute.cluster_name)
pulumi.export("services", compute.services)
pulumi.export("functions", compute.functions)
pulumi.export("jobs", compute.jobs)
pulumi.export("repositories", pipeline.repository_urls)
pulumi.export("pipelines", pipeline.pipelines)
pulumi.export("operatorRoleArn", compute.operator_role_arn)
pulumi.export("observerRoleArn", compute.observer_role_arn)
pulumi.export("alarms", observability.alarm_names)
pulumi.export(
    "logArchive",
    {
        "bucket": data.bucket_names["log-archive"],
        "stream": observability.archive_stream_name,
        "athenaWorkgroup": observability.athena_workgroup,
        "glueDatabase": observability.glue_database,
        "table": observability.archive_table,
        "resultsBucket": observability.query_results_bucket,
    },
)
pulumi.export("dashboard", observability.dashboard_name)
if compute.ops_host_instance_id is not None:
    host = compute.ops_host_instance_id
    pulumi.export(
        "opsHost",
        {
            "instanceId": host,
            "databaseTunnel": port_forwarding(host, data.database_endpoint, config.database.port),
            "cacheTunnel": port_forwarding(host, data.cache_endpoint, config.cache.port),
        },
    )
