"""The ECS cluster and services: task definitions, roles, deployments, autoscaling, target
groups, and the service keys of the stack config."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import plan.__main__ as plan_cli
from components import config as stack_config
from components.compute.service import target_group_name
from plan import engine
from tests.conftest import MINIMAL, PROJECT_DIR, by_name, of_type, write_stack
from tests.test_config import load

SERVICE = "aws:ecs/service:Service"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
SCALING_TARGET = "aws:appautoscaling/target:Target"
SCALING_POLICY = "aws:appautoscaling/policy:Policy"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"

IMAGE = "222222222222.dkr.ecr.ap-northeast-1.amazonaws.com/webplatform/app:1.4.2"
VENDOR_SECRET = "arn:aws:secretsmanager:ap-northeast-1:222222222222:secret:vendor-AbCdEf"
HEALTH = ["CMD-SHELL", "curl -f http://localhost:8080/health || exit 1"]
SERVICES = {
    "web": {
        "image": IMAGE,
        "port": 8080,
        "healthCheckPath": "/healthz",
        "environment": {"LOG_LEVEL": "info"},
        "secrets": {
            "VENDOR_KEY": f"{VENDOR_SECRET}:apiKey::",
            "LICENSE": "/corp/license/KEY",
        },
        "healthCheck": {"command": HEALTH, "startPeriodSeconds": 90},
        "desiredCount": 3,
        "minCount": 2,
        "maxCount": 8,
        "autoscaling": {"cpuPercent": 55, "memoryPercent": 70, "requestsPerTarget": 500},
        "logDatetimeFormat": "%Y-%m-%dT%H:%M:%S",
        "tables": ["orders"],
        "buckets": ["assets"],
    },
    "worker": {
        "image": IMAGE,
        "architecture": "x86_64",
        "command": ["python", "-m", "worker"],
        "readonlyRootFilesystem": False,
        "tables": ["events"],
    },
}
TABLES = {name: {"hashKey": "pk", "attributes": {"pk": "S"}} for name in ("orders", "events")}
SETTINGS = {"web": {"SECRET_KEY": {"secure": "v1:c2VjcmV0"}}}
# The database through RDS Proxy and the cache as its IAM user, both with IAM tokens (the
# defaults): DB_USER and CACHE_USER are parameters and no password or token reaches the task.
SHARED = ["CACHE_AUTH", "CACHE_HOST", "CACHE_PORT", "CACHE_READER_HOST", "CACHE_USER",
          "DB_AUTH", "DB_HOST", "DB_NAME", "DB_PORT", "DB_READER_HOST", "DB_USER"]  # fmt: skip


def master_secret_arn(plan: engine.Plan) -> str:
    """The RDS-managed master secret."""
    cluster = by_name(plan, "aws:rds/cluster:Cluster", "database")
    return cluster.outputs["masterUserSecrets"][0]["secretArn"]


def stack_config_for(tier: str) -> dict[str, Any]:
    # prd serves a domain: without one CloudFront's default certificate fails its TLS policy.
    edge = {"domain": "shop.example.com", "hostedZoneId": "Z0123456789ABCDEFGHIJ"}
    # The vendor secret is the stack's own account's (its execution role reads no other).
    account = str(MINIMAL[tier]["webplatform:accountId"])
    services = json.loads(
        json.dumps(SERVICES).replace(":222222222222:secret:", f":{account}:secret:")
    )
    return {
        **MINIMAL[tier],
        "webplatform:services": services,
        "webplatform:tables": TABLES,
        "webplatform:appSettings": SETTINGS,
        **({"webplatform:edge": edge} if tier == "prd" else {}),
    }


@pytest.fixture(scope="module")
def stack_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    dirs = {}
    for tier in ("dev", "prd"):
        directory = tmp_path_factory.mktemp(tier)
        write_stack(directory, "test", stack_config_for(tier))
        dirs[tier] = directory
    return dirs


@pytest.fixture(scope="module")
def plans(stack_dirs: dict[str, Path]) -> dict[str, engine.Plan]:
    return {tier: engine.run(PROJECT_DIR, "test", d) for tier, d in stack_dirs.items()}


@pytest.fixture
def prd(plans: dict[str, engine.Plan]) -> engine.Plan:
    return plans["prd"]


def ssm(name: str, account: str = "222222222222") -> str:
    return f"arn:aws:ssm:ap-northeast-1:{account}:parameter{name}"


def container(plan: engine.Plan, name: str) -> dict[str, Any]:
    definitions = json.loads(by_name(plan, TASK_DEFINITION, f"service-{name}").inputs[
        "containerDefinitions"
    ])  # fmt: skip
    (only,) = definitions
    return only


def statements(plan: engine.Plan, policy_name: str) -> dict[str, dict[str, Any]]:
    document = json.loads(by_name(plan, ROLE_POLICY, policy_name).inputs["policy"])
    return {s["Sid"]: s for s in document["Statement"]}


def key_arn(plan: engine.Plan, purpose: str) -> str:
    return by_name(plan, "aws:kms/key:Key", f"keys-{purpose}").outputs["arn"]


def children(plan: engine.Plan, component: str) -> set[tuple[str, str]]:
    """(type, name) of everything under a component, however deep."""
    urns = {r.urn for r in plan.resources if r.name == component and not r.custom}
    found: set[tuple[str, str]] = set()
    for resource in plan.resources:  # parents are registered before their children
        if resource.parent in urns:
            urns.add(resource.urn)
            found.add((resource.type, resource.name))
    return found


def test_each_service_gets_its_task_roles_logs_service_and_scaling(prd) -> None:
    web, worker = children(prd, "service-web"), children(prd, "service-worker")
    task = {
        ("webplatform:compute:Task", "{}"),
        (LOG_GROUP, "{}"),
        (ROLE, "{}-exec"),
        (ROLE, "{}-task"),
        ("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "{}-exec"),
        (ROLE_POLICY, "{}-exec"),
        (ROLE_POLICY, "{}-task"),
        (TASK_DEFINITION, "{}"),
        (SERVICE, "{}"),
        (SCALING_TARGET, "{}"),
        (SCALING_POLICY, "{}-cpu"),
    }

    def named(service: str, extra: set[tuple[str, str]]) -> set[tuple[str, str]]:
        return {(t, n.format(f"service-{service}")) for t, n in task | extra}

    # The target group is the edge layer's (tests/test_edge.py).
    assert web == named("web", {(SCALING_POLICY, "{}-memory"), (SCALING_POLICY, "{}-requests")})
    assert worker == named("worker", set())


def test_the_container_definition(prd) -> None:
    web = container(prd, "web")
    assert web["name"] == "web" and web["image"] == IMAGE and web["essential"] is True
    assert web["portMappings"] == [{"containerPort": 8080, "protocol": "tcp"}]
    assert web["environment"] == [{"name": "LOG_LEVEL", "value": "info"}]
    assert web["readonlyRootFilesystem"] is True
    assert "command" not in web
    assert web["healthCheck"] == {
        "command": HEALTH, "interval": 30, "timeout": 5, "retries": 3, "startPeriod": 90
    }  # fmt: skip
    assert web["logConfiguration"] == {
        "logDriver": "awslogs",
        "options": {
            "awslogs-group": "/ecs/webplatform-prd/web",
            "awslogs-region": "ap-northeast-1",
            "awslogs-stream-prefix": "web",
            "awslogs-datetime-format": "%Y-%m-%dT%H:%M:%S",
        },
    }
    secrets = {s["name"]: s["valueFrom"] for s in web["secrets"]}
    assert secrets == {
        **{name: ssm(f"/webplatform/prd/shared/{name}") for name in SHARED},
        "SECRET_KEY": ssm("/webplatform/prd/web/SECRET_KEY"),
        "LICENSE": ssm("/corp/license/KEY"),
        "VENDOR_KEY": f"{VENDOR_SECRET}:apiKey::",
    }

    worker = container(prd, "worker")
    assert worker["portMappings"] == [] and "healthCheck" not in worker
    assert worker["command"] == ["python", "-m", "worker"]
    assert worker["readonlyRootFilesystem"] is False
    assert "awslogs-datetime-format" not in worker["logConfiguration"]["options"]
    assert {s["name"] for s in worker["secrets"]} == set(SHARED)


def test_the_task_definition_is_fargate_arm64_with_both_roles(prd) -> None:
    inputs = by_name(prd, TASK_DEFINITION, "service-web").inputs
    assert inputs["family"] == "webplatform-prd-web"
    assert (inputs["networkMode"], inputs["requiresCompatibilities"]) == ("awsvpc", ["FARGATE"])
    assert (inputs["cpu"], inputs["memory"]) == ("512", "1024")
    assert inputs["runtimePlatform"] == {
        "cpuArchitecture": "ARM64",
        "operatingSystemFamily": "LINUX",
    }
    worker = by_name(prd, TASK_DEFINITION, "service-worker").inputs
    assert worker["runtimePlatform"]["cpuArchitecture"] == "X86_64"
    assert inputs["executionRoleArn"] == "arn:aws:iam::222222222222:role/webplatform-prd-web-exec"
    assert inputs["taskRoleArn"] == "arn:aws:iam::222222222222:role/webplatform-prd-web-task"
    group = by_name(prd, LOG_GROUP, "service-web").inputs
    assert group["name"] == "/ecs/webplatform-prd/web"
    assert group["kmsKeyId"] == key_arn(prd, "logs")
    assert group["retentionInDays"] == 365


def test_the_execution_role_reads_only_this_stacks_parameters_and_the_named_secrets(prd) -> None:
    attachment = by_name(
        prd, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "service-web-exec"
    )
    assert attachment.inputs["policyArn"].endswith("service-role/AmazonECSTaskExecutionRolePolicy")
    web = statements(prd, "service-web-exec")
    assert web == {
        "ReadParameters": {
            "Sid": "ReadParameters",
            "Effect": "Allow",
            "Action": "ssm:GetParameters",
            "Resource": [ssm("/webplatform/prd/*"), ssm("/corp/license/KEY")],
        },
        "ReadSecrets": {
            "Sid": "ReadSecrets",
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": [VENDOR_SECRET],
        },
        "DecryptSecrets": {
            "Sid": "DecryptSecrets",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": key_arn(prd, "secrets"),
        },
    }
    # The master secret is for administration and the cache has no token: a task that names
    # no secret of its own reads none.
    worker = statements(prd, "service-worker-exec")
    assert set(worker) == {"ReadParameters", "DecryptSecrets"}
    assert worker["ReadParameters"]["Resource"] == [ssm("/webplatform/prd/*")]


def test_the_task_role_reaches_only_its_own_tables_and_buckets(prd) -> None:
    table = "arn:aws:dynamodb:ap-northeast-1:222222222222:table/webplatform-prd-{}"
    assets = by_name(prd, "aws:s3/bucket:Bucket", "storage-assets").outputs["arn"]
    exec_logs = by_name(prd, LOG_GROUP, "cluster-exec").outputs["arn"]
    web = statements(prd, "service-web-task")
    assert set(web) == {"Tables", "Objects", "ListBuckets", "DataKey", "EcsExec",
                        "EcsExecFindLogGroup", "EcsExecSessionLogs",
                        "EcsExecSessionKey", "DatabaseThroughTheProxy",
                        "CacheAsItsIamUser"}  # fmt: skip
    assert web["Tables"]["Resource"] == [
        table.format("orders"),
        table.format("orders") + "/index/*",
    ]
    assert "dynamodb:DeleteTable" not in web["Tables"]["Action"]
    assert web["Objects"]["Resource"] == [f"{assets}/*"]
    assert web["ListBuckets"]["Resource"] == [assets]
    assert web["DataKey"]["Resource"] == key_arn(prd, "data")
    assert web["DataKey"]["Condition"] == {"StringEquals": {"kms:ViaService": [
        "dynamodb.ap-northeast-1.amazonaws.com", "s3.ap-northeast-1.amazonaws.com"]}}  # fmt: skip
    assert web["EcsExecSessionLogs"]["Resource"] == f"{exec_logs}:*"
    proxy = by_name(prd, "aws:rds/proxy:Proxy", "database-proxy").outputs["arn"]
    assert web["DatabaseThroughTheProxy"]["Action"] == "rds-db:connect"
    assert web["DatabaseThroughTheProxy"]["Resource"] == (
        f"arn:aws:rds-db:ap-northeast-1:222222222222:dbuser:{proxy.rsplit(':', 1)[1]}/app_admin"
    )
    cache_group = by_name(prd, "aws:elasticache/replicationGroup:ReplicationGroup", "cache")
    cache_user = by_name(prd, "aws:elasticache/user:User", "cache-app")
    assert web["CacheAsItsIamUser"] == {
        "Sid": "CacheAsItsIamUser", "Effect": "Allow", "Action": "elasticache:Connect",
        "Resource": [cache_group.outputs["arn"], cache_user.outputs["arn"]],
    }  # fmt: skip
    # The cluster encrypts Exec sessions with the logs key; the agent decrypts with it.
    assert web["EcsExecSessionKey"] == {
        "Sid": "EcsExecSessionKey", "Effect": "Allow", "Action": "kms:Decrypt",
        "Resource": key_arn(prd, "logs"),
    }  # fmt: skip
    every = [s for s in web.values() if s["Resource"] == "*"]
    assert every == [web["EcsExec"]]
    assert all(a.startswith("ssmmessages:") for a in web["EcsExec"]["Action"])

    worker = statements(prd, "service-worker-task")
    assert worker["Tables"]["Resource"] == [
        table.format("events"),
        table.format("events") + "/index/*",
    ]
    assert worker["DataKey"]["Condition"]["StringEquals"]["kms:ViaService"] == [
        "dynamodb.ap-northeast-1.amazonaws.com"
    ]
    assert "Objects" not in worker and "ListBuckets" not in worker


def test_only_ecs_tasks_of_this_account_assume_the_roles(prd) -> None:
    for name in ("service-web-exec", "service-web-task"):
        (statement,) = json.loads(by_name(prd, ROLE, name).inputs["assumeRolePolicy"])["Statement"]
        assert statement["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
        assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": "222222222222"}
    task_trust = json.loads(by_name(prd, ROLE, "service-web-task").inputs["assumeRolePolicy"])
    assert task_trust["Statement"][0]["Condition"]["ArnLike"] == {
        "aws:SourceArn": "arn:aws:ecs:ap-northeast-1:222222222222:*"
    }


def test_the_service_deploys_safely_in_the_app_subnets_without_public_ips(prd) -> None:
    network = {r.name: r for r in of_type(prd, "aws:ec2/subnet:Subnet")}
    app_subnets = sorted(r.outputs["id"] for n, r in network.items() if "-app-" in n)
    app_group = by_name(prd, "aws:ec2/securityGroup:SecurityGroup", "network-app-sg").outputs["id"]
    cluster = by_name(prd, "aws:ecs/cluster:Cluster", "cluster").outputs["arn"]
    for name in ("web", "worker"):
        service = by_name(prd, SERVICE, f"service-{name}")
        inputs = service.inputs
        assert inputs["name"] == f"webplatform-prd-{name}"
        assert inputs["cluster"] == cluster
        assert inputs["networkConfiguration"]["assignPublicIp"] is False
        assert sorted(inputs["networkConfiguration"]["subnets"]) == app_subnets
        assert inputs["networkConfiguration"]["securityGroups"] == [app_group]
        assert inputs["deploymentMinimumHealthyPercent"] == 50
        assert inputs["deploymentMaximumPercent"] == 200
        assert inputs["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
        assert inputs["enableExecuteCommand"] is True
        assert inputs["propagateTags"] == "SERVICE"
        assert "launchType" not in inputs
        assert service.ignore_changes == ["taskDefinition", "desiredCount"]
    web = by_name(prd, SERVICE, "service-web").inputs
    assert web["desiredCount"] == 3
    # The web service sits behind the edge's load balancer (created after its listener, see
    # tests/test_edge.py); the worker takes no traffic.
    assert [b["containerPort"] for b in web["loadBalancers"]] == [8080]
    worker = by_name(prd, SERVICE, "service-worker").inputs
    assert "loadBalancers" not in worker and "healthCheckGracePeriodSeconds" not in worker


def test_services_wait_for_their_parameters(prd) -> None:
    """The task definition reads the parameters' ARNs, so it is created after them."""
    task_definition = by_name(prd, TASK_DEFINITION, "service-web")
    parameter_urns = {r.urn for r in of_type(prd, "aws:ssm/parameter:Parameter")}
    assert parameter_urns and parameter_urns <= set(task_definition.dependencies)


def test_only_the_web_facing_service_has_a_target_group(prd) -> None:
    (group,) = of_type(prd, TARGET_GROUP)
    vpc = by_name(prd, "aws:ec2/vpc:Vpc", "network").outputs["id"]
    inputs = group.inputs
    assert group.name == "service-web"
    assert inputs["name"] == "webplatform-prd-web"
    assert (inputs["targetType"], inputs["protocol"], inputs["port"]) == ("ip", "HTTP", 8080)
    assert inputs["vpcId"] == vpc
    assert inputs["deregistrationDelay"] == 30
    assert inputs["healthCheck"]["path"] == "/healthz"
    assert inputs["healthCheck"]["port"] == "traffic-port"
    assert prd.outputs["services"] == {
        name: {
            "serviceName": f"webplatform-prd-{name}",
            "targetGroupArn": arn,
            "logGroup": f"/ecs/webplatform-prd/{name}",
            "taskFamily": f"webplatform-prd-{name}",
            "containerName": name,
            "taskRoleArn": f"arn:aws:iam::222222222222:role/webplatform-prd-{name}-task",
            "executionRoleArn": f"arn:aws:iam::222222222222:role/webplatform-prd-{name}-exec",
        }
        for name, arn in (("web", group.outputs["arn"]), ("worker", None))
    }


def test_autoscaling_tracks_the_configured_metrics(prd) -> None:
    target = by_name(prd, SCALING_TARGET, "service-web").inputs
    assert target["resourceId"] == "service/webplatform-prd/webplatform-prd-web"
    assert target["scalableDimension"] == "ecs:service:DesiredCount"
    assert (target["minCapacity"], target["maxCapacity"]) == (2, 8)
    policies = {p.name: p.inputs for p in of_type(prd, SCALING_POLICY)}
    assert set(policies) == {
        "service-web-cpu",
        "service-web-memory",
        "service-web-requests",
        "service-worker-cpu",
    }
    tracked = {
        name: (
            inputs["targetTrackingScalingPolicyConfiguration"]["predefinedMetricSpecification"][
                "predefinedMetricType"
            ],
            inputs["targetTrackingScalingPolicyConfiguration"]["targetValue"],
        )
        for name, inputs in policies.items()
    }
    assert tracked == {
        "service-web-cpu": ("ECSServiceAverageCPUUtilization", 55),
        "service-web-memory": ("ECSServiceAverageMemoryUtilization", 70),
        "service-web-requests": ("ALBRequestCountPerTarget", 500),
        "service-worker-cpu": ("ECSServiceAverageCPUUtilization", 60),
    }
    assert all(p["resourceId"] == target["resourceId"] for n, p in policies.items() if "web" in n)
    assert all(p["policyType"] == "TargetTrackingScaling" for p in policies.values())


@pytest.mark.parametrize(("tier", "worker"), [("dev", "FARGATE_SPOT"), ("prd", "FARGATE")])
def test_only_x86_tasks_run_on_spot_and_only_where_spot_is_preferred(
    plans, tier: str, worker: str
) -> None:
    """dev prefers Spot, but Fargate Spot takes no ARM64 tasks (the ECS developer guide), so
    the arm64 web service runs on FARGATE everywhere and only the x86_64 worker uses Spot."""
    plan = plans[tier]
    capacity = by_name(
        plan, "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders", "cluster"
    ).inputs
    assert capacity["capacityProviders"] == ["FARGATE", "FARGATE_SPOT"]
    fargate = [{"capacityProvider": "FARGATE", "weight": 1, "base": 0}]
    assert capacity["defaultCapacityProviderStrategies"] == fargate
    strategies = {
        s.name: s.inputs["capacityProviderStrategies"][0]["capacityProvider"]
        for s in of_type(plan, SERVICE)
    }
    assert strategies == {"service-web": "FARGATE", "service-worker": worker}


def test_exec_gets_writable_agent_paths_under_a_read_only_root(prd) -> None:
    """The web task's root is read-only: the ECS Exec agent gets its three paths as task
    volumes. The worker's root is writable, so it needs none."""
    web = by_name(prd, TASK_DEFINITION, "service-web").inputs
    (container,) = json.loads(web["containerDefinitions"])
    assert container["readonlyRootFilesystem"] is True
    assert {m["containerPath"]: m["readOnly"] for m in container["mountPoints"]} == {
        "/managed-agents": False,
        "/var/lib/amazon/ssm": False,
        "/var/log/amazon/ssm": False,
    }
    assert {v["name"] for v in web["volumes"]} == {
        m["sourceVolume"] for m in container["mountPoints"]
    }
    worker = by_name(prd, TASK_DEFINITION, "service-worker").inputs
    assert "mountPoints" not in json.loads(worker["containerDefinitions"])[0]
    assert not worker.get("volumes")


def test_the_cluster_has_container_insights_and_logs_exec_sessions_encrypted(prd) -> None:
    cluster = by_name(prd, "aws:ecs/cluster:Cluster", "cluster").inputs
    assert cluster["name"] == "webplatform-prd"
    assert cluster["settings"] == [{"name": "containerInsights", "value": "enabled"}]
    exec_config = cluster["configuration"]["executeCommandConfiguration"]
    assert exec_config["kmsKeyId"] == key_arn(prd, "logs")
    assert exec_config["logging"] == "OVERRIDE"
    assert exec_config["logConfiguration"] == {
        "cloudWatchLogGroupName": "/ecs-exec/webplatform-prd",
        "cloudWatchEncryptionEnabled": True,
    }
    group = by_name(prd, LOG_GROUP, "cluster-exec").inputs
    assert (group["kmsKeyId"], group["retentionInDays"]) == (key_arn(prd, "logs"), 365)
    assert prd.outputs["clusterName"] == "webplatform-prd"


@pytest.mark.parametrize("tier", ["dev", "prd"])
def test_the_packs_find_nothing_mandatory_with_services(stack_dirs, tier: str, capsys) -> None:
    assert plan_cli.main(["test", "--stack-config-dir", str(stack_dirs[tier]), "--json"]) == 0
    violations = json.loads(capsys.readouterr().out)["policyViolations"]
    assert [v for v in violations if v["enforcementLevel"] == "mandatory"] == []
    compute = [v for v in violations if ":compute:" in v["urn"]]
    assert compute == []


def test_long_target_group_names_are_shortened_with_a_hash() -> None:
    assert target_group_name("webplatform-prd-web") == "webplatform-prd-web"
    long = target_group_name("webplatform-prd-notification-dispatcher")
    assert len(long) == 32 and long.startswith("webplatform-prd-notificat-")
    assert long != target_group_name("webplatform-prd-notification-dispatcher-2")


BAD_SERVICES = [
    ({"cpu": 300}, "services.web: cpu 300 is not a Fargate size", "cpu"),
    ({"cpu": 256, "memory": 4096}, "services.web: memory 4096 MiB does not go with", "memory"),
    ({"minCount": 3, "desiredCount": 2}, "services.web: expected minCount <= desired", "counts"),
    ({"desiredCount": 9, "maxCount": 8}, "services.web: expected minCount <= desiredCount", "max"),
    (
        {"image": "docker.io/library/nginx"},
        "services.web.image: expected an image with a tag or digest",
        "no-tag",
    ),
    ({"image": "latest"}, "services.web.image: pin a tag: 'latest'", "latest-tag"),
    ({"image": "nginx:latest"}, "services.web.image: pin a tag or digest: 'latest'", "latest"),
    ({"secrets": {"T": "vendor/t"}}, "services.web.secrets: T: expected an SSM", "source"),
    ({"secrets": {"t": "/x/y"}}, "services.web.secrets: 't' is not an UPPER_CASE variable", "name"),
    ({"port": None, "autoscaling": {"requestsPerTarget": 9}}, "services.web: requestsPer", "rpt"),
    ({"tables": ["missing"]}, "services.web.tables: no table 'missing' in tables", "table"),
    ({"buckets": ["x"]}, "services.web.buckets[0]: expected one of assets, log-archive", "bucket"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("change", "message"), [pytest.param(c, m, id=i) for c, m, i in BAD_SERVICES]
)
def test_bad_service_config_is_one_line_naming_the_key(change: dict, message: str) -> None:
    web = {k: v for k, v in {**SERVICES["web"], **change}.items() if v is not None}
    with pytest.raises(stack_config.ConfigError) as raised:
        load("prd", services={"web": web}, tables=TABLES)
    assert str(raised.value).startswith(f"Pulumi.prd.yaml: webplatform:{message}"), raised.value
    assert "\n" not in str(raised.value)


REQUESTS_PROGRAM = """
import pulumi
from components.compute.service import Service

Service("service-web", {
    "task": {
        "platform": {
            "name_prefix": "shop-prd", "region": "ap-northeast-1", "account_id": "222222222222",
            "log_retention_days": 30, "protect": True,
            "logs_key_arn": "arn:aws:kms:ap-northeast-1:222222222222:key/l",
            "secrets_key_arn": "arn:aws:kms:ap-northeast-1:222222222222:key/s",
            "data_key_arn": "arn:aws:kms:ap-northeast-1:222222222222:key/d",
        },
        "name": "web", "project_path": "/shop/prd", "image": "app:1.0.0",
        "architecture": "arm64", "cpu": 256, "memory": 512, "port": 8080, "command": None,
        "environment": {}, "secrets": {}, "health_check": None,
        "readonly_root_filesystem": True, "log_datetime_format": None,
        "table_arns": [], "bucket_arns": [],
    },
    "cluster_arn": "arn:aws:ecs:ap-northeast-1:222222222222:cluster/shop-prd",
    "subnet_ids": ["subnet-1"], "security_group_ids": ["sg-1"],
    "prefer_spot": False, "desired_count": 2, "min_count": 2, "max_count": 4,
    "autoscaling": {"cpu_percent": None, "memory_percent": None, "requests_per_target": 800},
    "load_balancer": {
        "target_group_arn": (
            "arn:aws:elasticloadbalancing:ap-northeast-1:222222222222:"
            "targetgroup/shop-prd-web/0123456789abcdef"
        ),
        "target_group_arn_suffix": "targetgroup/shop-prd-web/0123456789abcdef",
        "load_balancer_arn_suffix": "app/shop-prd/0123456789abcdef",
        "listener_arn": "arn:aws:elasticloadbalancing:ap-northeast-1:222222222222:listener/app/x",
        "health_check_grace_period_seconds": 45,
    },
})"""
TARGET_GROUP_ARN = (
    "arn:aws:elasticloadbalancing:ap-northeast-1:222222222222:"
    "targetgroup/shop-prd-web/0123456789abcdef"
)


def test_requests_per_target_scaling_once_the_load_balancer_is_known(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: shop\nruntime: python\n")
    (tmp_path / "__main__.py").write_text(REQUESTS_PROGRAM)
    write_stack(tmp_path, "test", {"aws:region": "ap-northeast-1"})
    plan = engine.run(tmp_path, "test", tmp_path)
    (policy,) = of_type(plan, SCALING_POLICY)
    config = policy.inputs["targetTrackingScalingPolicyConfiguration"]
    assert config["targetValue"] == 800
    assert config["predefinedMetricSpecification"] == {
        "predefinedMetricType": "ALBRequestCountPerTarget",
        "resourceLabel": "app/shop-prd/0123456789abcdef/targetgroup/shop-prd-web/0123456789abcdef",
    }
    service = by_name(plan, SERVICE, "service-web").inputs
    assert service["loadBalancers"] == [
        {"targetGroupArn": TARGET_GROUP_ARN, "containerName": "web", "containerPort": 8080}
    ]
    assert service["healthCheckGracePeriodSeconds"] == 45
    assert of_type(plan, TARGET_GROUP) == []  # the edge layer owns the target groups


def test_a_service_whose_min_is_its_max_has_no_autoscaling(plan_stack) -> None:
    worker = {**SERVICES["worker"], "desiredCount": 1, "minCount": 1, "maxCount": 1}
    plan = plan_stack("dev", services={"worker": worker}, tables=TABLES)
    assert of_type(plan, SCALING_TARGET) == []
    assert of_type(plan, SCALING_POLICY) == []


def test_password_access_reads_the_master_secret_at_task_start(plan_stack) -> None:
    """The choice for apps that cannot use IAM tokens: the master secret by valueFrom (a
    rotation reaches a task only when it restarts), no proxy, no rds-db:connect."""
    plan = plan_stack("prd", services={"worker": SERVICES["worker"]}, tables=TABLES,
                      database={"access": "password"})  # fmt: skip
    assert of_type(plan, "aws:rds/proxy:Proxy") == []
    database_secret = master_secret_arn(plan)
    secrets = {s["name"]: s["valueFrom"] for s in container(plan, "worker")["secrets"]}
    assert secrets["DB_USER"] == f"{database_secret}:username::"
    assert secrets["DB_PASSWORD"] == f"{database_secret}:password::"
    assert secrets["DB_HOST"] == ssm("/webplatform/prd/shared/DB_HOST")
    assert "DatabaseThroughTheProxy" not in statements(plan, "service-worker-task")
