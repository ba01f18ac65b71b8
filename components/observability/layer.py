"""The observability layer: who is told (subscriptions of the alerts topics), when (alarms and
log metric filters), what is kept (log archive) and how it is found again (log search), and
one dashboard. Built last, from the other layers' outputs."""

import json
from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

import pulumi
import pulumi_aws as aws

from components.edge.firewall import GLOBAL_REGION
from components.foundation.alerts import Alerts
from components.foundation.keys import account_administers, alarm_publishers_statement
from components.observability import dashboard
from components.observability.alarms import BREACHING, Alarms, math, metric
from components.observability.archive import LogArchive
from components.observability.notifications import SlackSettings, slack_channel, subscribe
from components.observability.search import LogSearch
from components.platform import Platform

# Log lines as applications print them: upper case (Python logging, log4j, Go's slog),
# capitalised and lower case (many JSON loggers' `"level":"error"`). Terms are
# case-sensitive; `?` joins them with OR (CloudWatch Logs filter pattern syntax).
ERROR_PATTERN = "?ERROR ?Error ?error ?CRITICAL ?Critical ?critical"
WARNING_PATTERN = "?WARNING ?Warning ?warning ?WARN ?Warn ?warn"


class Thresholds(TypedDict):
    """When the alarms fire (the stack config's `observability.thresholds`)."""

    server_errors_percent: float
    """ALB 5xx responses (its own and the targets'), % of requests."""
    client_errors_percent: float
    """ALB 4xx responses, % of requests."""
    target_p95_seconds: float
    """p95 of the targets' response time."""
    rejected_connections: int
    """Connections the load balancer rejected per 5 minutes."""
    tls_errors: int
    """Client TLS negotiation errors per 5 minutes."""
    service_cpu_percent: float
    """A service's average CPU."""
    service_memory_percent: float
    """A service's average memory."""
    database_cpu_percent: float
    """The busiest database instance's CPU."""
    database_connections: int
    """Connections to the busiest database instance."""
    database_freeable_memory_mib: int
    """Fires when an instance's freeable memory drops below this."""
    replica_lag_ms: int
    """The readers' replica lag, milliseconds."""
    cache_cpu_percent: float
    """A cache node's engine CPU."""
    cache_memory_percent: float
    """A cache node's used memory, % of its maximum."""
    cache_evictions: int
    """Keys a cache node evicted per 5 minutes."""
    waf_blocked_requests: int
    """Requests WAF blocked per 5 minutes."""
    log_errors: int
    """ERROR and CRITICAL lines in a log group per 5 minutes."""
    log_warnings: int
    """WARNING lines in a log group per 5 minutes."""
    function_errors: int
    """A function's failed invocations per 5 minutes."""


class ObservabilitySettings(TypedDict):
    """What the stack config says of observability."""

    alert_emails: Sequence[str]
    """Addresses subscribed to the alerts topics."""
    alert_https_endpoint: str | None
    """An HTTPS endpoint subscribed as well; None: none."""
    slack: SlackSettings | None
    """An AWS Chatbot Slack channel on the topics; None: none."""
    evaluation_periods: int
    """5-minute periods an alarm's condition must hold."""
    thresholds: Thresholds
    """When the alarms fire."""
    query_results_expire_days: int
    """Days Athena query results are kept."""


class ObservabilityArgs(TypedDict):
    platform: Platform
    """Name prefix, region, account, keys, log retention and protection."""
    settings: ObservabilitySettings
    """The stack config's observability settings."""
    alerts_topic_arn: pulumi.Input[str]
    """The foundation's alerts topic, which the regional alarms notify."""
    log_archive_bucket: pulumi.Input[str]
    """The data layer's log-archive bucket."""
    log_archive_bucket_arn: pulumi.Input[str]
    """Its ARN."""
    archive_days: int
    """Days the archive keeps objects (the bucket's expiry)."""
    access_logs_bucket: pulumi.Input[str]
    """The data layer's access-logs bucket (ALB and CloudFront logs)."""
    flow_log_group: pulumi.Input[str]
    """The network's VPC flow log group, archived."""
    cluster_name: pulumi.Input[str]
    """The ECS cluster."""
    services: pulumi.Input[Mapping[str, Mapping[str, str]]]
    """The compute layer's services (serviceName, logGroup per service)."""
    service_names: Sequence[str]
    """The services' names in the stack config (the keys of `services`)."""
    functions: pulumi.Input[Mapping[str, Mapping[str, str]]]
    """The compute layer's functions (name, logGroup per function)."""
    function_names: Sequence[str]
    """The functions' names in the stack config."""
    jobs: pulumi.Input[Mapping[str, Mapping[str, str]]]
    """The compute layer's jobs (logGroup per job)."""
    job_names: Sequence[str]
    """The jobs with a task (and log group) of their own; a job on a service logs to its
    service's group."""
    dead_letter_queues: pulumi.Input[Mapping[str, str]]
    """Dead-letter queue names by owner."""
    dead_letter_queue_owners: Sequence[str]
    """The keys of `dead_letter_queues`."""
    load_balancer_arn_suffix: pulumi.Input[str]
    """`app/<name>/<id>`, the load balancer's metric dimension."""
    target_group_arn_suffixes: pulumi.Input[Mapping[str, str]]
    """`targetgroup/<name>/<id>` by web service."""
    web_services: Sequence[str]
    """The keys of `target_group_arn_suffixes`."""
    database_cluster_identifier: pulumi.Input[str]
    """The Aurora cluster."""
    database_readers: int
    """Aurora readers; the replica lag alarm needs at least one."""
    cache_replication_group_id: pulumi.Input[str]
    """The cache's replication group."""
    cache_nodes: int
    """Nodes in it (primary and replicas): `<id>-001` ..."""
    distribution_id: pulumi.Input[str]
    """The CloudFront distribution (metrics and access logs)."""
    web_acl_name: pulumi.Input[str]
    """The CloudFront web ACL's name and metric name."""
    ops_host_instance_id: pulumi.Input[str] | None
    """The operation host; None: none."""


class Observability(pulumi.ComponentResource):
    """Alarms on the regional alerts topic (and, for the CloudFront-scope WAF, on a small
    us-east-1 topic: an alarm notifies topics of its own region only), their subscriptions,
    error and warning metric filters on the application log groups, their archive through
    Firehose, Glue and Athena over the archive and the access logs, and a dashboard.

    `global_provider` is the stack's us-east-1 provider (with its default tags and account
    pin), for the WAF alarm and its topic.
    """

    alarm_names: pulumi.Output[list[str]]
    """Every alarm, for `ops alarms test` and `ops status`."""
    global_alerts_topic_arn: pulumi.Output[str]
    """The us-east-1 alerts topic (WAF and CloudFront alarms)."""
    archive_stream_name: pulumi.Output[str]
    """The Firehose stream feeding the log archive."""
    glue_database: pulumi.Output[str]
    """The Glue database of the log tables."""
    archive_table: pulumi.Output[str]
    """The archive's table, partitioned by `datehour` (yyyy/MM/dd/HH, UTC)."""
    athena_workgroup: pulumi.Output[str]
    """The Athena workgroup for log search."""
    query_results_bucket: pulumi.Output[str]
    """Where Athena writes results."""
    dashboard_name: pulumi.Output[str]
    """The stack's CloudWatch dashboard."""

    def __init__(
        self,
        name: str,
        args: ObservabilityArgs,
        opts: pulumi.ResourceOptions | None = None,
        *,
        global_provider: aws.Provider,
    ) -> None:
        super().__init__("webplatform:observability:Observability", name, None, opts)
        self._args = args
        platform = args["platform"]
        settings = args["settings"]
        prefix = platform["name_prefix"]
        child = pulumi.ResourceOptions(parent=self)
        in_us_east_1 = pulumi.ResourceOptions(parent=self, provider=global_provider)

        global_key = aws.kms.Key(
            "alerts-global",
            description=f"{prefix} alerts ({GLOBAL_REGION})",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        account_administers(platform["account_id"]),
                        alarm_publishers_statement(),
                    ],
                }
            ),
            opts=pulumi.ResourceOptions(
                parent=self, provider=global_provider, protect=platform["protect"]
            ),
        )
        global_alerts = Alerts(
            "alerts-global",
            {
                "name_prefix": prefix,
                "account_id": platform["account_id"],
                "region": GLOBAL_REGION,
                "kms_key_arn": global_key.arn,
            },
            opts=in_us_east_1,
        )
        for key, topic, provider in (
            ("alerts", args["alerts_topic_arn"], None),
            ("alerts-global", global_alerts.topic_arn, global_provider),
        ):
            subscribe(
                self,
                key,
                topic,
                settings["alert_emails"],
                settings["alert_https_endpoint"],
                provider,
            )
        if settings["slack"] is not None:
            slack_channel(
                self,
                prefix,
                platform["account_id"],
                settings["slack"],
                [args["alerts_topic_arn"], global_alerts.topic_arn],
            )

        periods = settings["evaluation_periods"]
        regional = Alarms(self, prefix, args["alerts_topic_arn"], periods)
        global_alarms = Alarms(self, prefix, global_alerts.topic_arn, periods, global_provider)
        app_logs = self._app_log_groups()
        self._load_balancer_alarms(regional)
        self._service_alarms(regional)
        self._data_alarms(regional)
        self._queue_and_function_alarms(regional)
        self._log_alarms(regional, app_logs)
        global_alarms.add(
            "waf-blocked",
            "WAF blocks more requests than usual: an attack, or a rule blocking real users.",
            threshold=settings["thresholds"]["waf_blocked_requests"],
            single={
                "namespace": "AWS/WAFV2",
                "metric_name": "BlockedRequests",
                "dimensions": {"WebACL": args["web_acl_name"], "Rule": "ALL"},
                "statistic": "Sum",
            },
        )
        if args["ops_host_instance_id"] is not None:
            # A stopped host reports nothing: operators stop it when it is not needed.
            regional.add(
                "ops-host-status",
                "The operation host fails its EC2 status checks.",
                threshold=0,
                single={
                    "namespace": "AWS/EC2",
                    "metric_name": "StatusCheckFailed",
                    "dimensions": {"InstanceId": args["ops_host_instance_id"]},
                    "statistic": "Maximum",
                },
            )

        archive = LogArchive(
            "log-archive",
            {
                "platform": platform,
                "bucket_arn": args["log_archive_bucket_arn"],
                "log_groups": {**app_logs, "flow-logs": args["flow_log_group"]},
            },
            opts=child,
        )
        search = LogSearch(
            "log-search",
            {
                "platform": platform,
                "archive_bucket": args["log_archive_bucket"],
                "archive_days": args["archive_days"],
                "access_logs_bucket": args["access_logs_bucket"],
                "distribution_id": args["distribution_id"],
                "results_expire_days": settings["query_results_expire_days"],
            },
            opts=child,
        )
        board = aws.cloudwatch.Dashboard(
            "dashboard",
            dashboard_name=prefix,
            dashboard_body=self._dashboard(app_logs),
            opts=child,
        )

        self.alarm_names = pulumi.Output.all(*regional.names, *global_alarms.names)
        self.global_alerts_topic_arn = global_alerts.topic_arn
        self.archive_stream_name = archive.stream_name
        self.glue_database = search.glue_database
        self.archive_table = search.archive_table
        self.athena_workgroup = search.workgroup
        self.query_results_bucket = search.results_bucket
        self.dashboard_name = board.dashboard_name
        self.register_outputs(
            {
                "alarm_names": self.alarm_names,
                "global_alerts_topic_arn": self.global_alerts_topic_arn,
                "archive_stream_name": self.archive_stream_name,
                "glue_database": self.glue_database,
                "archive_table": self.archive_table,
                "athena_workgroup": self.athena_workgroup,
                "query_results_bucket": self.query_results_bucket,
                "dashboard_name": self.dashboard_name,
            }
        )

    def _app_log_groups(self) -> dict[str, pulumi.Output[str]]:
        """The services', jobs' and functions' log groups by a short key."""
        args = self._args
        return {
            **{
                f"service-{n}": pick(args["services"], n, "logGroup") for n in args["service_names"]
            },
            **{f"job-{n}": pick(args["jobs"], n, "logGroup") for n in args["job_names"]},
            **{
                f"function-{n}": pick(args["functions"], n, "logGroup")
                for n in args["function_names"]
            },
        }

    def _load_balancer_alarms(self, alarms: Alarms) -> None:
        args = self._args
        limits = args["settings"]["thresholds"]
        alb = {"LoadBalancer": args["load_balancer_arn_suffix"]}
        namespace = "AWS/ApplicationELB"
        for key, kind, limit in (
            ("alb-5xx", "5XX", limits["server_errors_percent"]),
            ("alb-4xx", "4XX", limits["client_errors_percent"]),
        ):
            alarms.add(
                key,
                f"More than {limit}% of requests answered {kind} (the load balancer's and the "
                "targets').",
                threshold=limit,
                queries=math(
                    "100 * (FILL(t, 0) + FILL(l, 0)) / r",
                    f"{kind} % of requests",
                    {
                        "t": metric(namespace, f"HTTPCode_Target_{kind}_Count", alb),
                        "l": metric(namespace, f"HTTPCode_ELB_{kind}_Count", alb),
                        "r": metric(namespace, "RequestCount", alb),
                    },
                ),
            )
        alarms.add(
            "alb-p95",
            "The targets' p95 response time is above the threshold.",
            threshold=limits["target_p95_seconds"],
            single={
                "namespace": namespace,
                "metric_name": "TargetResponseTime",
                "dimensions": alb,
                "extended_statistic": "p95",
            },
        )
        for key, name, limit in (
            ("alb-rejected", "RejectedConnectionCount", limits["rejected_connections"]),
            ("alb-tls-errors", "ClientTLSNegotiationErrorCount", limits["tls_errors"]),
        ):
            alarms.add(
                key,
                f"{name} per 5 minutes is above {limit}.",
                threshold=limit,
                single={
                    "namespace": namespace,
                    "metric_name": name,
                    "dimensions": alb,
                    "statistic": "Sum",
                },
            )
        for service in args["web_services"]:
            alarms.add(
                f"{service}-unhealthy",
                f"Targets of {service} fail the load balancer's health checks.",
                threshold=0,
                single={
                    "namespace": namespace,
                    "metric_name": "UnHealthyHostCount",
                    "dimensions": {
                        **alb,
                        "TargetGroup": pick(args["target_group_arn_suffixes"], service),
                    },
                    "statistic": "Maximum",
                },
            )

    def _service_alarms(self, alarms: Alarms) -> None:
        args = self._args
        limits = args["settings"]["thresholds"]
        for service in args["service_names"]:
            dimensions = {
                "ClusterName": args["cluster_name"],
                "ServiceName": pick(args["services"], service, "serviceName"),
            }
            for key, name, limit in (
                ("cpu", "CPUUtilization", limits["service_cpu_percent"]),
                ("memory", "MemoryUtilization", limits["service_memory_percent"]),
            ):
                alarms.add(
                    f"{service}-{key}",
                    f"{service}'s average {key} is above {limit}%.",
                    threshold=limit,
                    single={
                        "namespace": "AWS/ECS",
                        "metric_name": name,
                        "dimensions": dimensions,
                        "statistic": "Average",
                    },
                )
            # Container Insights reports both counts every minute while the service exists:
            # no data means it stopped reporting, which is as bad as no tasks.
            alarms.add(
                f"{service}-tasks",
                f"{service} runs fewer tasks than it wants.",
                threshold=0,
                treat_missing_data=BREACHING,
                queries=math(
                    "d - r",
                    "tasks missing",
                    {
                        "d": metric(
                            "ECS/ContainerInsights", "DesiredTaskCount", dimensions, "Average"
                        ),
                        "r": metric(
                            "ECS/ContainerInsights", "RunningTaskCount", dimensions, "Average"
                        ),
                    },
                ),
            )

    def _data_alarms(self, alarms: Alarms) -> None:
        args = self._args
        limits = args["settings"]["thresholds"]
        cluster = {"DBClusterIdentifier": args["database_cluster_identifier"]}
        database: list[tuple[str, str, str, float, str, str]] = [
            ("cpu", "CPUUtilization", "Maximum", limits["database_cpu_percent"], "", "above"),
            (
                "connections",
                "DatabaseConnections",
                "Maximum",
                limits["database_connections"],
                "",
                "above",
            ),
            (
                "memory",
                "FreeableMemory",
                "Minimum",
                limits["database_freeable_memory_mib"] * 1024 * 1024,
                "LessThanThreshold",
                "below",
            ),
        ]
        if args["database_readers"] > 0:
            database.append(
                (
                    "replica-lag",
                    "AuroraReplicaLagMaximum",
                    "Maximum",
                    limits["replica_lag_ms"],
                    "",
                    "above",
                )
            )
        for key, name, stat, limit, comparison, side in database:
            alarms.add(
                f"database-{key}",
                f"The database's {name} is {side} {limit}.",
                threshold=limit,
                comparison=comparison or "GreaterThanThreshold",
                single={
                    "namespace": "AWS/RDS",
                    "metric_name": name,
                    "dimensions": cluster,
                    "statistic": stat,
                },
            )
        nodes = cache_node_ids(args["cache_replication_group_id"], args["cache_nodes"])
        for number, node in enumerate(nodes, start=1):
            for key, name, limit, stat in (
                ("cpu", "EngineCPUUtilization", limits["cache_cpu_percent"], "Average"),
                (
                    "memory",
                    "DatabaseMemoryUsagePercentage",
                    limits["cache_memory_percent"],
                    "Average",
                ),
                ("evictions", "Evictions", limits["cache_evictions"], "Sum"),
            ):
                alarms.add(
                    f"cache-{number}-{key}",
                    f"A cache node's {name} is above {limit}.",
                    threshold=limit,
                    single={
                        "namespace": "AWS/ElastiCache",
                        "metric_name": name,
                        "dimensions": {"CacheClusterId": node},
                        "statistic": stat,
                    },
                )

    def _queue_and_function_alarms(self, alarms: Alarms) -> None:
        args = self._args
        limits = args["settings"]["thresholds"]
        for owner in args["dead_letter_queue_owners"]:
            # A message in a dead-letter queue is a failure nobody retried: alarm at once.
            alarms.add(
                f"{owner}-dlq",
                f"{owner}'s dead-letter queue holds messages: something failed every retry.",
                threshold=0,
                evaluation_periods=1,
                single={
                    "namespace": "AWS/SQS",
                    "metric_name": "ApproximateNumberOfMessagesVisible",
                    "dimensions": {"QueueName": pick(args["dead_letter_queues"], owner)},
                    "statistic": "Maximum",
                },
            )
        for function in args["function_names"]:
            name = pick(args["functions"], function, "name")
            for key, metric_name, limit in (
                ("errors", "Errors", limits["function_errors"]),
                ("throttles", "Throttles", 0),
            ):
                alarms.add(
                    f"{function}-{key}",
                    f"{function}: {metric_name} per 5 minutes above {limit}.",
                    threshold=limit,
                    single={
                        "namespace": "AWS/Lambda",
                        "metric_name": metric_name,
                        "dimensions": {"FunctionName": name},
                        "statistic": "Sum",
                    },
                )

    def _log_alarms(self, alarms: Alarms, log_groups: Mapping[str, pulumi.Output[str]]) -> None:
        """An error and a warning metric filter per application log group, each alarmed."""
        args = self._args
        limits = args["settings"]["thresholds"]
        namespace = f"{args['platform']['name_prefix']}/Logs"
        for key, group in log_groups.items():
            for level, pattern, limit in (
                ("errors", ERROR_PATTERN, limits["log_errors"]),
                ("warnings", WARNING_PATTERN, limits["log_warnings"]),
            ):
                metric_name = f"{key}-log-{level}"
                aws.cloudwatch.LogMetricFilter(
                    f"logs-{metric_name}",
                    name=metric_name,
                    log_group_name=group,
                    pattern=pattern,
                    metric_transformation={
                        "name": metric_name,
                        "namespace": namespace,
                        "value": "1",
                        "unit": "Count",
                    },
                    opts=pulumi.ResourceOptions(parent=self),
                )
                alarms.add(
                    metric_name,
                    f"{key} logs more than {limit} {level[:-1]} lines per 5 minutes.",
                    threshold=limit,
                    single={
                        "namespace": namespace,
                        "metric_name": metric_name,
                        "statistic": "Sum",
                    },
                )

    def _dashboard(self, log_groups: Mapping[str, pulumi.Output[str]]) -> pulumi.Output[str]:
        args = self._args
        region = args["platform"]["region"]
        alb = ["LoadBalancer", args["load_balancer_arn_suffix"]]
        elb = "AWS/ApplicationELB"
        services = {n: pick(args["services"], n, "serviceName") for n in args["service_names"]}
        cluster = args["cluster_name"]
        database = ["DBClusterIdentifier", args["database_cluster_identifier"]]
        cache_nodes = cache_node_ids(args["cache_replication_group_id"], args["cache_nodes"])
        namespace = f"{args['platform']['name_prefix']}/Logs"
        g = dashboard.graph
        return dashboard.body(
            [
                [
                    g(
                        "CloudFront requests and errors",
                        [
                            [
                                "AWS/CloudFront",
                                "Requests",
                                "DistributionId",
                                args["distribution_id"],
                                "Region",
                                "Global",
                            ],
                            [
                                "AWS/CloudFront",
                                "5xxErrorRate",
                                "DistributionId",
                                args["distribution_id"],
                                "Region",
                                "Global",
                                {"stat": "Average"},
                            ],
                        ],
                        GLOBAL_REGION,
                    ),
                    g(
                        "WAF allowed and blocked",
                        [
                            ["AWS/WAFV2", m, "WebACL", args["web_acl_name"], "Rule", "ALL"]
                            for m in ("AllowedRequests", "BlockedRequests")
                        ],
                        GLOBAL_REGION,
                    ),
                    g(
                        "Load balancer",
                        [
                            [elb, m, *alb]
                            for m in (
                                "RequestCount",
                                "HTTPCode_Target_5XX_Count",
                                "HTTPCode_ELB_5XX_Count",
                                "HTTPCode_Target_4XX_Count",
                            )
                        ],
                        region,
                    ),
                    g(
                        "Target response time p95",
                        [[elb, "TargetResponseTime", *alb]],
                        region,
                        "p95",
                    ),
                ],
                [
                    g(
                        title,
                        [
                            [
                                namespace_,
                                metric_name,
                                "ClusterName",
                                cluster,
                                "ServiceName",
                                s,
                                {"label": n},
                            ]
                            for n, s in services.items()
                        ],
                        region,
                        "Average",
                    )
                    for title, namespace_, metric_name in (
                        ("Services CPU %", "AWS/ECS", "CPUUtilization"),
                        ("Services memory %", "AWS/ECS", "MemoryUtilization"),
                        ("Running tasks", "ECS/ContainerInsights", "RunningTaskCount"),
                    )
                ],
                [
                    g(
                        "Database",
                        [
                            ["AWS/RDS", "CPUUtilization", *database],
                            ["AWS/RDS", "DatabaseConnections", *database, {"yAxis": "right"}],
                        ],
                        region,
                        "Maximum",
                    ),
                    g(
                        "Cache engine CPU %",
                        dashboard.per(
                            "AWS/ElastiCache",
                            "EngineCPUUtilization",
                            "CacheClusterId",
                            {f"node {i + 1}": node for i, node in enumerate(cache_nodes)},
                        ),
                        region,
                        "Average",
                    ),
                    g(
                        "Cache memory % and evictions",
                        [
                            ["AWS/ElastiCache", m, "CacheClusterId", node]
                            for node in cache_nodes
                            for m in ("DatabaseMemoryUsagePercentage", "Evictions")
                        ],
                        region,
                        "Maximum",
                    ),
                ],
                [
                    g(
                        "Dead-letter queues",
                        dashboard.per(
                            "AWS/SQS",
                            "ApproximateNumberOfMessagesVisible",
                            "QueueName",
                            {
                                o: pick(args["dead_letter_queues"], o)
                                for o in args["dead_letter_queue_owners"]
                            },
                        ),
                        region,
                        "Maximum",
                    ),
                    g(
                        "Error lines",
                        [[namespace, f"{key}-log-errors"] for key in log_groups],
                        region,
                    ),
                    g(
                        "Functions errors",
                        [
                            [
                                "AWS/Lambda",
                                "Errors",
                                "FunctionName",
                                pick(args["functions"], f, "name"),
                                {"label": f},
                            ]
                            for f in args["function_names"]
                        ],
                        region,
                    ),
                ],
            ]
        )


def pick(
    values: pulumi.Input[Mapping[str, Any]], key: str, field: str | None = None
) -> pulumi.Output[str]:
    """One entry (or one field of one entry) of a mapping another layer outputs."""
    return pulumi.Output.from_input(values).apply(
        lambda v: v[key] if field is None else v[key][field]
    )


def cache_node_ids(group_id: pulumi.Input[str], nodes: int) -> list[pulumi.Output[str]]:
    """The cache clusters ElastiCache names in a replication group without cluster mode:
    `<group id>-001`, `-002`, ... (the `CacheClusterId` of their metrics)."""
    return [pulumi.Output.concat(group_id, f"-{n:03d}") for n in range(1, nodes + 1)]
