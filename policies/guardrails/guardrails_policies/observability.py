"""Logging and monitoring: ALB access logs, CloudFront and WAF logging, VPC flow logs, log
retention, container logs, Container Insights and CodeBuild logs."""

from __future__ import annotations

from collections.abc import Mapping

from pulumi_policy import Severity

from policy_support import (
    document,
    flag,
    get,
    items,
    matches,
    number,
    resource_policy,
    stack_policy,
    strings,
)

LOAD_BALANCERS = ["aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"]
WEB_ACL = "aws:wafv2/webAcl:WebAcl"
WEB_ACL_LOGGING = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"
VPC = "aws:ec2/vpc:Vpc"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
LOG_DELIVERY_SOURCE = "aws:cloudwatch/logDeliverySource:LogDeliverySource"
LOG_DELIVERY = "aws:cloudwatch/logDelivery:LogDelivery"


def _label(args) -> str:
    return f"{args.resource_type} '{args.name}'"


def _check_alb_logs(props, args, cfg):
    if get(props, "loadBalancerType", default="application") != "application":
        return
    logs = get(props, "accessLogs")
    if not flag(get(logs, "enabled")) or not get(logs, "bucket"):
        yield f"{_label(args)} has no access logs (accessLogs.enabled and bucket)."


ALB_ACCESS_LOGS = resource_policy(
    "guardrails-alb-access-logs",
    "Application load balancers write access logs to S3.",
    types=LOAD_BALANCERS,
    check=_check_alb_logs,
    controls=("ELB.5",),
    severity=Severity.MEDIUM,
    remediation=(
        "Set access_logs={'bucket': <log bucket>, 'enabled': True, 'prefix': 'alb'}; the "
        "bucket policy must let the region's ELB log delivery write."
    ),
)


def _check_cloudfront_logs(distribution, stack, cfg):
    if get(distribution.props, "loggingConfig", "bucket"):
        return  # legacy standard logging
    sources = [
        source
        for source in stack.referring(distribution, [LOG_DELIVERY_SOURCE], "resourceArn", ("arn",))
        if get(source.props, "logType") == "ACCESS_LOGS"
    ]
    if not any(
        stack.referring(source, [LOG_DELIVERY], "deliverySourceName", ("name",))
        for source in sources
    ):
        yield (
            "has no standard logging: neither loggingConfig.bucket nor an ACCESS_LOGS "
            "LogDeliverySource with a LogDelivery (standard logging v2)."
        )


CLOUDFRONT_LOGGING = stack_policy(
    "guardrails-cloudfront-logging",
    "CloudFront distributions write standard access logs (v2 log delivery, or legacy).",
    subjects=[DISTRIBUTION],
    reads=[LOG_DELIVERY_SOURCE, LOG_DELIVERY],
    check=_check_cloudfront_logs,
    controls=("CloudFront.5",),
    severity=Severity.MEDIUM,
    remediation=(
        "Add, in us-east-1, an aws.cloudwatch.LogDeliverySource (log_type 'ACCESS_LOGS', "
        "resource_arn=<distribution arn>), a LogDeliveryDestination to the log bucket and a "
        "LogDelivery joining them (legacy logging_config needs bucket ACLs)."
    ),
)


def _check_waf_logging(acl, stack, cfg):
    if not stack.referring(acl, [WEB_ACL_LOGGING], "resourceArn", ("arn",)):
        yield "has no WebAclLoggingConfiguration."


WAF_LOGGING = stack_policy(
    "guardrails-wafv2-web-acl-logging",
    "Every WAFv2 web ACL has a logging configuration.",
    subjects=[WEB_ACL],
    reads=[WEB_ACL_LOGGING],
    check=_check_waf_logging,
    controls=("WAF.11",),
    severity=Severity.MEDIUM,
    remediation=(
        "Add an aws.wafv2.WebAclLoggingConfiguration with resource_arn=<web acl arn> and a "
        "Firehose, CloudWatch Logs (aws-waf-logs-*) or S3 destination."
    ),
)


def _check_flow_logs(vpc, stack, cfg):
    if not stack.referring(vpc, [FLOW_LOG], "vpcId", ("id",)):
        yield "has no VPC flow log."


VPC_FLOW_LOGS = stack_policy(
    "guardrails-ec2-vpc-flow-logs",
    "Every VPC has a flow log.",
    subjects=[VPC],
    reads=[FLOW_LOG],
    check=_check_flow_logs,
    controls=("EC2.6", "CIS 3.7"),
    severity=Severity.MEDIUM,
    remediation="Add an aws.ec2.FlowLog with vpc_id=<vpc id>, traffic_type 'ALL', to CloudWatch.",
)


def _check_retention(props, args, cfg):
    if not number(get(props, "retentionInDays"), default=0):
        yield f"{_label(args)} keeps events forever (retentionInDays unset or 0)."


LOG_GROUP_RETENTION = resource_policy(
    "guardrails-cloudwatch-log-group-retention",
    "Every CloudWatch log group has a retention period.",
    types=["aws:cloudwatch/logGroup:LogGroup"],
    check=_check_retention,
    controls=("CloudWatch.16",),
    severity=Severity.LOW,
    remediation="Set retention_in_days (from the stack config), archive longer through Firehose.",
)


def _check_container_logs(props, args, cfg):
    containers = document(get(props, "containerDefinitions"))
    for container in containers if isinstance(containers, list) else []:
        if isinstance(container, Mapping) and not get(container, "logConfiguration", "logDriver"):
            yield f"{_label(args)} container {get(container, 'name')} has no logConfiguration."


ECS_CONTAINER_LOGGING = resource_policy(
    "guardrails-ecs-task-definition-logging",
    "Every container of an ECS task definition has a log configuration.",
    types=["aws:ecs/taskDefinition:TaskDefinition"],
    check=_check_container_logs,
    controls=("ECS.9",),
    severity=Severity.MEDIUM,
    remediation=(
        "Give each container logConfiguration={'logDriver': 'awslogs', 'options': "
        "{'awslogs-group': ..., 'awslogs-region': ..., 'awslogs-stream-prefix': ...}}."
    ),
)


def _check_container_insights(props, args, cfg):
    values = [
        get(s, "value")
        for s in items(get(props, "settings"))
        if get(s, "name") == "containerInsights"
    ]
    if not any(v in ("enabled", "enhanced") for v in values):
        yield f"{_label(args)} has Container Insights off."


ECS_CONTAINER_INSIGHTS = resource_policy(
    "guardrails-ecs-cluster-container-insights",
    "ECS clusters have Container Insights enabled (or enhanced).",
    types=["aws:ecs/cluster:Cluster"],
    check=_check_container_insights,
    controls=("ECS.12",),
    severity=Severity.LOW,
    remediation="Set settings=[{'name': 'containerInsights', 'value': 'enabled'}].",
)

POLICIES = [
    ALB_ACCESS_LOGS,
    CLOUDFRONT_LOGGING,
    WAF_LOGGING,
    VPC_FLOW_LOGS,
    LOG_GROUP_RETENTION,
    ECS_CONTAINER_LOGGING,
    ECS_CONTAINER_INSIGHTS,
]


def _check_flow_log_traffic(props, args, cfg):
    traffic = get(props, "trafficType")
    if traffic not in ("ALL", "REJECT"):
        yield f"{_label(args)} captures {traffic or 'no traffic type'}; rejected traffic is lost."


FLOW_LOG_REJECT = resource_policy(
    "guardrails-ec2-flow-log-captures-reject",
    "Flow logs capture rejected traffic (trafficType ALL or REJECT).",
    types=[FLOW_LOG],
    check=_check_flow_log_traffic,
    controls=("EC2.6",),
    severity=Severity.LOW,
    remediation="Set traffic_type='ALL' (the network.flowLogTraffic config).",
)


def _check_rds_log_exports(props, args, cfg):
    if not strings(get(props, "enabledCloudwatchLogsExports")):
        yield f"{_label(args)} exports no logs to CloudWatch (enabledCloudwatchLogsExports)."


RDS_LOG_EXPORTS = resource_policy(
    "guardrails-rds-log-exports",
    "RDS and Aurora databases export their logs to CloudWatch Logs.",
    types=["aws:rds/cluster:Cluster", "aws:rds/instance:Instance"],
    check=_check_rds_log_exports,
    controls=("RDS.9",),
    severity=Severity.MEDIUM,
    remediation=(
        "Set enabled_cloudwatch_logs_exports (postgresql; audit, error and slowquery for MySQL)."
    ),
)

POLICIES += [FLOW_LOG_REJECT, RDS_LOG_EXPORTS]


METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
SUBSCRIPTION_FILTER = "aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter"


def _check_alarm_actions(props, args, cfg):
    if not flag(get(props, "actionsEnabled"), default=True):
        yield f"{_label(args)} has its actions disabled (actionsEnabled false)."
    for field, state in (("alarmActions", "ALARM"), ("okActions", "OK")):
        if not strings(get(props, field)):
            yield f"{_label(args)} notifies nobody on {state} ({field} empty)."


ALARM_ACTIONS = resource_policy(
    "guardrails-cloudwatch-alarm-actions",
    "CloudWatch alarms notify on ALARM and on OK (an alarm nobody hears is not monitoring).",
    types=[METRIC_ALARM],
    check=_check_alarm_actions,
    controls=("CloudWatch.15", "CloudWatch.17"),
    severity=Severity.MEDIUM,
    remediation="Set alarm_actions and ok_actions to the alerts topic, and keep actions enabled.",
)


def _check_log_group_archived(group, stack, cfg):
    name = get(group.props, "name")
    if not isinstance(name, str) or not matches(name, cfg["applicationLogGroups"]):
        return
    if not stack.referring(group, [SUBSCRIPTION_FILTER], "logGroup", ("name",)):
        yield f"application log group {name} has no subscription filter (to the log archive)."


LOG_GROUP_ARCHIVED = stack_policy(
    "guardrails-cloudwatch-log-group-archived",
    "Every application log group has a subscription filter, so its events reach the log "
    "archive beyond the group's retention.",
    subjects=[LOG_GROUP],
    reads=[SUBSCRIPTION_FILTER],
    check=_check_log_group_archived,
    severity=Severity.MEDIUM,
    remediation=(
        "Add an aws.cloudwatch.LogSubscriptionFilter with log_group=<group name> to the "
        "observability layer's Firehose stream (its log_groups)."
    ),
    params={
        "applicationLogGroups": {
            "type": "array",
            "items": {"type": "string"},
            "default": ["/ecs/*", "/aws/lambda/*", "/vpc/*"],
            "description": "Name patterns of the log groups that must be archived.",
        }
    },
)

POLICIES += [ALARM_ACTIONS, LOG_GROUP_ARCHIVED]


def _check_codebuild_logs(props, args, cfg):
    cloudwatch = get(props, "logsConfig", "cloudwatchLogs")
    s3 = get(props, "logsConfig", "s3Logs")
    # Both default to on in AWS (CloudWatch Logs in /aws/codebuild/<project>, created by the
    # service without retention or a key); only a named group is one the stack manages.
    to_group = get(cloudwatch, "status", default="ENABLED") == "ENABLED" and get(
        cloudwatch, "groupName"
    )
    to_s3 = get(s3, "status", default="DISABLED") == "ENABLED" and get(s3, "location")
    if not (to_group or to_s3):
        yield (
            f"{_label(args)} logs to no log group the stack manages "
            "(logsConfig.cloudwatchLogs.groupName unset or disabled, no S3 logs)."
        )


CODEBUILD_LOGGING = resource_policy(
    "guardrails-codebuild-project-logging",
    "CodeBuild projects log to a CloudWatch log group the stack creates (with retention and "
    "a key) or to S3, not to a group the service makes on the fly.",
    types=["aws:codebuild/project:Project"],
    check=_check_codebuild_logs,
    controls=("CodeBuild.4",),
    severity=Severity.MEDIUM,
    remediation=(
        "Create a log group with retention and kms_key_id and set logs_config="
        "{'cloudwatch_logs': {'status': 'ENABLED', 'group_name': <its name>}}."
    ),
)

POLICIES += [CODEBUILD_LOGGING]
