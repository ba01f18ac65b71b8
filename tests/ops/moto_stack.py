"""A dev stack deployed into moto the way the program creates it, and its outputs: the sample
(`fixtures/outputs.dev.json`) with the ids moto gave the resources."""

from __future__ import annotations

import gzip
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import boto3

REGION = "ap-northeast-1"
SAMPLE_OUTPUTS = Path(__file__).resolve().parent / "fixtures" / "outputs.dev.json"
MINUTE_MS = 60_000
REPORT_COMMAND = ["python", "-m", "worker.report"]
ARCHIVE_KEY = "2026/12/01/03/webplatform-dev-logs-1-2026-12-01-03-00-00-0a1b.gz"
ARCHIVE_RECORD = {
    "messageType": "DATA_MESSAGE",
    "logGroup": "/ecs/webplatform-dev/web",
    "logStream": "web/web/0a1b",
    "logEvents": [{"id": "1", "timestamp": 1796094000000, "message": "ERROR archived"}],
}


@dataclass(frozen=True)
class Deployed:
    """The stack in moto: its outputs file, and what the tests check against."""

    url: str
    outputs_path: Path
    outputs: dict[str, Any]
    now_ms: int

    def client(self, service: str) -> Any:
        return aws_client(self.url, service)

    def outputs_with(self, directory: Path, **changes: Any) -> Path:
        """A copy of the outputs file with top-level keys changed (None removes one)."""
        document = {**self.outputs, **changes}
        path = directory / "outputs.json"
        path.write_text(json.dumps({k: v for k, v in document.items() if v is not None}))
        return path


def aws_client(url: str, service: str) -> Any:
    return boto3.client(
        service,
        region_name=REGION,
        endpoint_url=url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def deploy_network(client: Callable[[str], Any]) -> dict[str, Any]:
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.10.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsSupport={"Value": True})
    zones = {"10.10.16.0/24": "ap-northeast-1a", "10.10.17.0/24": "ap-northeast-1c"}
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=zone)["Subnet"]["SubnetId"]
        for cidr, zone in zones.items()
    ]
    groups = {
        tier: ec2.create_security_group(
            GroupName=f"webplatform-dev-{tier}", Description=f"The {tier} tier", VpcId=vpc
        )["GroupId"]
        for tier in ("alb", "app", "data", "endpoints")
    }
    return {"vpc": vpc, "subnets": subnets, "security_groups": groups}


def deploy_parameters(client: Callable[[str], Any], path: str) -> str:
    key = client("kms").create_key(Description="webplatform-dev secrets")["KeyMetadata"]["Arn"]
    ssm = client("ssm")
    values = {
        f"{path}/shared/DB_HOST": "webplatform-dev.cluster-c1a2.ap-northeast-1.rds.amazonaws.com",
        f"{path}/shared/DB_PORT": "5432",
        f"{path}/web/SECRET_KEY": "web-secret-key",
        "/webplatform/prd/web/SECRET_KEY": "production-secret",
    }
    for name, value in values.items():
        ssm.put_parameter(Name=name, Value=value, Type="SecureString", KeyId=key)
    return str(key)


def deploy_logs(client: Callable[[str], Any], outputs: dict[str, Any], now_ms: int) -> None:
    """Each source's log group and a few events: minutes ago (in a one-hour window) and one
    three hours ago (outside it)."""
    events = {
        "/ecs/webplatform-dev/web": (
            "web/web/1111",
            [(180, "GET /old 200"), (50, "GET /health 200"), (20, "ERROR database timeout")],
        ),
        "/ecs/webplatform-dev/worker": (
            "worker/worker/2222",
            [(30, "picked up 3 messages"), (10, "ERROR report failed")],
        ),
        "/aws/lambda/webplatform-dev-hello": (
            "2026/12/02/[$LATEST]3333",
            [(40, "START RequestId: 3333 Version: $LATEST")],
        ),
    }
    logs = client("logs")
    for group, (stream, messages) in events.items():
        logs.create_log_group(logGroupName=group)
        logs.put_retention_policy(logGroupName=group, retentionInDays=30)
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
        logs.put_log_events(
            logGroupName=group,
            logStreamName=stream,
            logEvents=[
                {"timestamp": now_ms - minutes * MINUTE_MS, "message": message}
                for minutes, message in messages
            ],
        )


def deploy_compute(
    client: Callable[[str], Any], outputs: dict[str, Any], network: dict[str, Any]
) -> None:
    """The cluster, a task definition and a service per service, and the job's schedule."""
    ecs = client("ecs")
    cluster = ecs.create_cluster(
        clusterName=outputs["clusterName"],
        settings=[{"name": "containerInsights", "value": "enabled"}],
        capacityProviders=["FARGATE", "FARGATE_SPOT"],
    )["cluster"]["clusterArn"]
    awsvpc = {
        "subnets": network["subnets"],
        "securityGroups": [network["security_groups"]["app"]],
        "assignPublicIp": "DISABLED",
    }
    for name, service in outputs["services"].items():
        container: dict[str, Any] = {
            "name": service["containerName"],
            "image": f"111111111111.dkr.ecr.ap-northeast-1.amazonaws.com/webplatform/{name}:1.0.0",
            "essential": True,
            "readonlyRootFilesystem": True,
            # The program sizes the task only; moto's RunTask needs the container's memory.
            "memory": 1024,
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {
                    "awslogs-group": service["logGroup"],
                    "awslogs-region": REGION,
                    "awslogs-stream-prefix": name,
                },
            },
        }
        if name == "web":
            container["portMappings"] = [{"containerPort": 8080, "protocol": "tcp"}]
        else:
            container["command"] = ["python", "-m", "worker"]
        ecs.register_task_definition(
            family=service["taskFamily"],
            networkMode="awsvpc",
            requiresCompatibilities=["FARGATE"],
            cpu="512",
            memory="1024",
            runtimePlatform={"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"},
            containerDefinitions=[container],
        )
        # moto starts no tasks for a service: this is how it is told how many run.
        running = {"MOTO_ECS_SERVICE_RUNNING": "1"}
        with mock.patch.dict(os.environ, running):
            ecs.create_service(
                cluster=cluster,
                serviceName=service["serviceName"],
                taskDefinition=service["taskFamily"],
                desiredCount=2 if name == "web" else 1,
                launchType="FARGATE",
                networkConfiguration={"awsvpcConfiguration": awsvpc},
                deploymentConfiguration={
                    "deploymentCircuitBreaker": {"enable": True, "rollback": True},
                    "maximumPercent": 200,
                    "minimumHealthyPercent": 50,
                },
                enableExecuteCommand=True,
            )
    job = outputs["jobs"]["nightly-report"]
    client("scheduler").create_schedule(
        Name=job["scheduleName"],
        ScheduleExpression="cron(0 3 * * ? *)",
        ScheduleExpressionTimezone="Asia/Tokyo",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={
            "Arn": cluster,
            "RoleArn": "arn:aws:iam::123456789012:role/webplatform-dev-nightly-report-job",
            "Input": json.dumps(
                {"containerOverrides": [{"name": job["containerName"], "command": REPORT_COMMAND}]}
            ),
            "EcsParameters": {
                "TaskDefinitionArn": cluster.replace(":cluster/", ":task-definition/").replace(
                    outputs["clusterName"], job["taskFamily"]
                ),
                "LaunchType": "FARGATE",
                "TaskCount": 1,
                "NetworkConfiguration": {
                    "awsvpcConfiguration": {
                        "Subnets": network["subnets"],
                        "SecurityGroups": [network["security_groups"]["app"]],
                        "AssignPublicIp": "DISABLED",
                    }
                },
            },
        },
    )


def deploy_target_group(client: Callable[[str], Any], network: dict[str, Any]) -> str:
    elbv2 = client("elbv2")
    arn = elbv2.create_target_group(
        Name="webplatform-dev-web",
        Protocol="HTTP",
        Port=8080,
        VpcId=network["vpc"],
        TargetType="ip",
        HealthCheckPath="/health",
    )["TargetGroups"][0]["TargetGroupArn"]
    elbv2.register_targets(
        TargetGroupArn=arn,
        Targets=[{"Id": "10.10.16.21", "Port": 8080}, {"Id": "10.10.17.22", "Port": 8080}],
    )
    return str(arn)


def deploy_alarms(client: Callable[[str], Any]) -> None:
    """This stack's alarms notifying its alerts topic, one of them firing, and a firing alarm of
    another stack that `status` must leave out."""
    topic = client("sns").create_topic(Name="webplatform-dev-alerts")["TopicArn"]
    cloudwatch = client("cloudwatch")
    for name in (
        "webplatform-dev-web-5xx",
        "webplatform-dev-worker-cpu",
        "webplatform-dev-hello-errors",
        "webplatform-prd-web-5xx",
    ):
        cloudwatch.put_metric_alarm(
            AlarmName=name,
            Namespace="AWS/ApplicationELB",
            MetricName="HTTPCode_Target_5XX_Count",
            Statistic="Sum",
            Period=60,
            EvaluationPeriods=5,
            Threshold=10,
            ComparisonOperator="GreaterThanThreshold",
            TreatMissingData="notBreaching",
            AlarmActions=[topic],
        )
    for name in ("webplatform-dev-web-5xx", "webplatform-prd-web-5xx"):
        cloudwatch.set_alarm_state(
            AlarmName=name, StateValue="ALARM", StateReason="Threshold Crossed: 5 datapoints"
        )


def deploy_distribution(client: Callable[[str], Any]) -> str:
    origin = "webplatform-dev-111111111111-assets.s3.ap-northeast-1.amazonaws.com"
    distribution = client("cloudfront").create_distribution(
        DistributionConfig={
            "CallerReference": "webplatform-dev",
            "Comment": "webplatform-dev",
            "Enabled": True,
            "DefaultRootObject": "index.html",
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": "assets",
                        "DomainName": origin,
                        "S3OriginConfig": {"OriginAccessIdentity": ""},
                    }
                ],
            },
            "DefaultCacheBehavior": {
                "TargetOriginId": "assets",
                "ViewerProtocolPolicy": "redirect-to-https",
                "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
                "MinTTL": 0,
                "TrustedSigners": {"Enabled": False, "Quantity": 0},
            },
        }
    )
    return str(distribution["Distribution"]["Id"])


def deploy_log_archive(client: Callable[[str], Any], archive: dict[str, str]) -> None:
    """The archive bucket with one gzipped Firehose object, the Glue table over it with a
    projected `datehour` partition (Firehose's yyyy/MM/dd/HH prefix), the Athena workgroup."""
    s3 = client("s3")
    s3.create_bucket(
        Bucket=archive["bucket"], CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    s3.put_object(
        Bucket=archive["bucket"],
        Key=ARCHIVE_KEY,
        Body=gzip.compress(json.dumps(ARCHIVE_RECORD).encode()),
    )
    glue = client("glue")
    glue.create_database(DatabaseInput={"Name": archive["glueDatabase"]})
    glue.create_table(
        DatabaseName=archive["glueDatabase"],
        TableInput={
            "Name": archive["table"],
            "TableType": "EXTERNAL_TABLE",
            "StorageDescriptor": {
                "Columns": [  # as components/observability/search.py declares them
                    {"Name": "messagetype", "Type": "string"},
                    {"Name": "owner", "Type": "string"},
                    {"Name": "loggroup", "Type": "string"},
                    {"Name": "logstream", "Type": "string"},
                    {"Name": "subscriptionfilters", "Type": "array<string>"},
                    {
                        "Name": "logevents",
                        "Type": "array<struct<id:string,timestamp:bigint,message:string>>",
                    },
                ],
                "Location": f"s3://{archive['bucket']}/",
            },
            "PartitionKeys": [{"Name": "datehour", "Type": "string"}],
            "Parameters": {
                "projection.enabled": "true",
                "projection.datehour.type": "date",
                "projection.datehour.format": "yyyy/MM/dd/HH",
                "projection.datehour.range": "2026/01/01/00,NOW",
                "projection.datehour.interval": "1",
                "projection.datehour.interval.unit": "HOURS",
                "storage.location.template": f"s3://{archive['bucket']}/${{datehour}}/",
            },
        },
    )
    client("athena").create_work_group(
        Name=archive["athenaWorkgroup"],
        Configuration={
            "ResultConfiguration": {"OutputLocation": f"s3://{archive['bucket']}/athena/"},
            "EnforceWorkGroupConfiguration": True,
        },
    )


def deploy(moto_url: str, directory: Path) -> Deployed:
    def client(service: str) -> Any:
        return aws_client(moto_url, service)

    now_ms = int(time.time() * 1000)
    outputs = json.loads(SAMPLE_OUTPUTS.read_text())
    network = deploy_network(client)
    outputs["appSubnetIds"] = network["subnets"]
    outputs["securityGroupIds"] = network["security_groups"]
    outputs["parameterKeyArn"] = deploy_parameters(client, outputs["parameterPath"])
    deploy_logs(client, outputs, now_ms)
    deploy_compute(client, outputs, network)
    outputs["services"]["web"]["targetGroupArn"] = deploy_target_group(client, network)
    deploy_alarms(client)
    outputs["cdn"]["distributionId"] = deploy_distribution(client)
    deploy_log_archive(client, outputs["logArchive"])

    path = directory / "outputs.dev.json"
    path.write_text(json.dumps(outputs, indent=2))
    return Deployed(moto_url, path, outputs, now_ms)
