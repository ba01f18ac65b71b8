"""The pipeline layer: image repositories, builds, pipelines, blue/green deployments, their
roles, the buildspec, and the pipeline keys of the stack config."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from components import config as stack_config
from components.pipeline.build import ARTIFACTS, BUILDSPEC, build_policy, buildspec
from components.pipeline.repository import image_uri, repository_url
from plan import engine
from tests.conftest import by_name, of_type, stack_plan
from tests.test_config import load

REPOSITORY = "aws:ecr/repository:Repository"
LIFECYCLE = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
REPOSITORY_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"
PROJECT = "aws:codebuild/project:Project"
PIPELINE = "aws:codepipeline/pipeline:Pipeline"
GROUP = "aws:codedeploy/deploymentGroup:DeploymentGroup"
DEPLOYMENT_CONFIG = "aws:codedeploy/deploymentConfig:DeploymentConfig"
SERVICE = "aws:ecs/service:Service"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
RULE = "aws:codestarnotifications/notificationRule:NotificationRule"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
LISTENER = "aws:lb/listener:Listener"
LISTENER_RULE = "aws:lb/listenerRule:ListenerRule"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
CONNECTION = "aws:codestarconnections/connection:Connection"
SERVICES = ("web", "worker")
PLATFORM: Any = {
    "name_prefix": "webplatform-dev",
    "account_id": "111111111111",
    "region": "ap-northeast-1",
}


@pytest.fixture(scope="module")
def dev() -> engine.Plan:
    return stack_plan("dev")


@pytest.fixture(scope="module")
def prd() -> engine.Plan:
    return stack_plan("prd")


def stages(pipeline: engine.Registration) -> list[str]:
    return [stage["name"] for stage in pipeline.inputs["stages"]]


def deploy_action(pipeline: engine.Registration) -> dict[str, Any]:
    (stage,) = [s for s in pipeline.inputs["stages"] if s["name"] == "Deploy"]
    (action,) = stage["actions"]
    return action


def statements(plan: engine.Plan, name: str) -> list[dict[str, Any]]:
    return json.loads(by_name(plan, ROLE_POLICY, name).inputs["policy"])["Statement"]


# --- What the plans show --------------------------------------------------------------------


def test_prd_has_per_service_a_repository_a_build_and_an_approved_pipeline(prd) -> None:
    for service in SERVICES:
        repository = by_name(prd, REPOSITORY, f"repository-{service}")
        assert repository.inputs["name"] == f"webplatform-prd/{service}"
        assert repository.protect
        assert (
            by_name(prd, PROJECT, f"build-{service}").inputs["name"] == f"webplatform-prd-{service}"
        )
        pipeline = by_name(prd, PIPELINE, f"pipeline-{service}")
        assert pipeline.inputs["pipelineType"] == "V2"
        assert stages(pipeline) == ["Source", "Build", "Approve", "Deploy"]
    # The web service deploys blue/green; the worker has no load balancer to shift.
    assert deploy_action(by_name(prd, PIPELINE, "pipeline-web"))["provider"] == "CodeDeployToECS"
    assert deploy_action(by_name(prd, PIPELINE, "pipeline-worker"))["provider"] == "ECS"
    (group,) = of_type(prd, GROUP)
    assert group.name == "deploy-web"


def test_dev_deploys_rolling_without_approval(dev) -> None:
    for service in SERVICES:
        pipeline = by_name(dev, PIPELINE, f"pipeline-{service}")
        assert stages(pipeline) == ["Source", "Build", "Deploy"]
        action = deploy_action(pipeline)
        assert action["provider"] == "ECS"
        assert action["configuration"]["FileName"] == "imagedefinitions.json"
        assert action["configuration"]["ServiceName"] == f"webplatform-dev-{service}"
    assert of_type(dev, GROUP) == []
    web = by_name(dev, SERVICE, "service-web").inputs
    assert web["deploymentController"] == {"type": "ECS"}
    assert web["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}


def test_repositories_are_immutable_scanned_encrypted_pruned_and_private(prd) -> None:
    data_key = by_name(prd, "aws:kms/key:Key", "keys-data").outputs["arn"]
    repository = by_name(prd, REPOSITORY, "repository-web").inputs
    assert repository["imageTagMutability"] == "IMMUTABLE"
    assert repository["imageScanningConfiguration"] == {"scanOnPush": True}
    assert repository["encryptionConfigurations"] == [{"encryptionType": "KMS", "kmsKey": data_key}]
    rules = json.loads(by_name(prd, LIFECYCLE, "repository-web").inputs["policy"])["rules"]
    untagged, kept = rules
    assert (untagged["selection"]["tagStatus"], untagged["selection"]["countNumber"]) == (
        "untagged",
        7,
    )
    assert (kept["selection"]["tagStatus"], kept["selection"]["countNumber"]) == ("any", 30)
    assert kept["rulePriority"] > untagged["rulePriority"]  # ECR wants `any` last
    (statement,) = json.loads(by_name(prd, REPOSITORY_POLICY, "repository-web").inputs["policy"])[
        "Statement"
    ]
    assert statement["Principal"] == {"AWS": "arn:aws:iam::222222222222:root"}


def test_the_task_runs_the_tag_from_the_pipelines_repository(prd) -> None:
    definition = by_name(prd, TASK_DEFINITION, "service-web").inputs
    (container,) = json.loads(definition["containerDefinitions"])
    assert container["image"] == (
        "222222222222.dkr.ecr.ap-northeast-1.amazonaws.com/webplatform-prd/web:1.0.0"
    )
    assert prd.outputs["repositories"]["web"].endswith("/webplatform-prd/web")


def test_builds_use_docker_with_a_key_and_their_own_log_group(prd) -> None:
    key = by_name(prd, "aws:kms/key:Key", "pipeline-key").outputs["arn"]
    project = by_name(prd, PROJECT, "build-web").inputs
    assert project["encryptionKey"] == key
    assert project["environment"]["privilegedMode"] is True
    assert project["environment"]["type"] == "ARM_CONTAINER"  # the service is arm64
    variables = {v["name"]: v["value"] for v in project["environment"]["environmentVariables"]}
    assert variables["DEPLOY_STYLE"] == "blueGreen"
    assert variables["BUILD_CONTEXT"] == "services/web"
    assert variables["REPOSITORY_URI"].endswith("/webplatform-prd/web")
    group = by_name(prd, "aws:cloudwatch/logGroup:LogGroup", "build-web").inputs
    assert project["logsConfig"]["cloudwatchLogs"]["groupName"] == group["name"]
    assert group["retentionInDays"] == 365
    spec = yaml.safe_load(project["source"]["buildspec"])
    assert spec["artifacts"]["files"] == ARTIFACTS["blueGreen"]


def test_pipelines_store_artifacts_with_the_key_and_start_on_their_directory(prd) -> None:
    key = by_name(prd, "aws:kms/key:Key", "pipeline-key").outputs["arn"]
    pipeline = by_name(prd, PIPELINE, "pipeline-web").inputs
    (store,) = pipeline["artifactStores"]
    assert store["encryptionKey"] == {"id": key, "type": "KMS"}
    assert store["location"].startswith("webplatform-prd-pipeline-artifacts-")
    source = pipeline["stages"][0]["actions"][0]["configuration"]
    assert (source["FullRepositoryId"], source["BranchName"]) == (
        "example-org/webplatform-app",
        "main",
    )
    assert source["ConnectionArn"] == by_name(prd, CONNECTION, "github").outputs["arn"]
    (trigger,) = pipeline["triggers"]
    (push,) = trigger["gitConfiguration"]["pushes"]
    assert push["filePaths"] == {"includes": ["services/web/**"]}


def test_blue_green_shifts_between_two_groups_and_rolls_back_on_failure_and_alarms(prd) -> None:
    group = by_name(prd, GROUP, "deploy-web").inputs
    assert group["deploymentStyle"] == {
        "deploymentOption": "WITH_TRAFFIC_CONTROL",
        "deploymentType": "BLUE_GREEN",
    }
    assert group["deploymentConfigName"] == "CodeDeployDefault.ECSCanary10Percent5Minutes"
    pair = group["loadBalancerInfo"]["targetGroupPairInfo"]
    listeners = {r.name: r.outputs["arn"] for r in of_type(prd, LISTENER)}
    assert pair["prodTrafficRoute"]["listenerArns"] == [listeners["edge-alb-https"]]
    assert pair["testTrafficRoute"]["listenerArns"] == [listeners["edge-alb-test-web"]]
    groups = {r.name: r.inputs["name"] for r in of_type(prd, TARGET_GROUP)}
    assert [g["name"] for g in pair["targetGroups"]] == [
        groups["service-web"],
        groups["service-web-green"],
    ]
    assert set(group["autoRollbackConfiguration"]["events"]) == {
        "DEPLOYMENT_FAILURE",
        "DEPLOYMENT_STOP_ON_ALARM",
    }
    assert group["alarmConfiguration"]["enabled"] is True
    assert len(group["alarmConfiguration"]["alarms"]) == 2


def test_codedeploy_owns_what_a_deployment_changes(prd) -> None:
    web = by_name(prd, SERVICE, "service-web")
    assert web.inputs["deploymentController"] == {"type": "CODE_DEPLOY"}
    assert "deploymentCircuitBreaker" not in web.inputs  # ECS allows it only with ECS
    assert {"taskDefinition", "desiredCount", "loadBalancers", "networkConfiguration"} <= set(
        web.ignore_changes
    )
    rule = by_name(prd, LISTENER_RULE, "edge-alb-100-web")
    assert rule.ignore_changes == ["actions"]
    test_listener = by_name(prd, LISTENER, "edge-alb-test-web")
    assert test_listener.ignore_changes == ["defaultActions"]
    assert (test_listener.inputs["port"], test_listener.inputs["protocol"]) == (8443, "HTTPS")
    worker = by_name(prd, SERVICE, "service-worker").inputs
    assert worker["deploymentController"] == {"type": "ECS"}


def test_only_the_allow_list_reaches_the_test_listener(prd, dev) -> None:
    group = prd.outputs["securityGroupIds"]["alb"]
    test_rules = [
        r.inputs
        for r in of_type(prd, INGRESS)
        if r.inputs["securityGroupId"] == group and r.inputs["fromPort"] == 8443
    ]
    assert [r["cidrIpv4"] for r in test_rules] == ["203.0.113.0/24"]
    assert not [r for r in of_type(dev, INGRESS) if r.inputs.get("fromPort") == 8443]


def test_notifications_of_failures_successes_and_approvals_go_to_the_alerts_topic(prd) -> None:
    topic = prd.outputs["alertsTopicArn"]
    rules = {r.name: r.inputs for r in of_type(prd, RULE)}
    assert set(rules) == {"pipeline-web", "pipeline-worker"}
    for rule in rules.values():
        assert rule["targets"] == [{"address": topic, "type": "SNS"}]
        assert rule["eventTypeIds"] == [
            "codepipeline-pipeline-pipeline-execution-failed",
            "codepipeline-pipeline-pipeline-execution-succeeded",
            "codepipeline-pipeline-manual-approval-needed",
        ]
    policy = json.loads(by_name(prd, "aws:sns/topicPolicy:TopicPolicy", "alerts").inputs["policy"])
    (publish,) = [s for s in policy["Statement"] if s["Sid"] == "CodeStarNotificationsPublish"]
    assert publish["Principal"] == {"Service": "codestar-notifications.amazonaws.com"}
    key = json.loads(by_name(prd, "aws:kms/key:Key", "keys-data").inputs["policy"])
    (use,) = [s for s in key["Statement"] if s["Sid"] == "CodeStarNotificationsPublishThroughSns"]
    assert use["Condition"] == {
        "StringEquals": {"kms:ViaService": "sns.ap-northeast-1.amazonaws.com"}
    }


# --- IAM scoping ------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["dev", "prd"])
def test_a_build_pushes_only_to_its_own_repository(stack: str) -> None:
    plan = stack_plan(stack)
    own = by_name(plan, REPOSITORY, "repository-web").outputs["arn"]
    for statement in statements(plan, "build-web"):
        actions = (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        if statement["Resource"] == "*":
            assert set(actions) <= {"ecr:GetAuthorizationToken", "ecs:DescribeTaskDefinition"}
        elif any(a.startswith("ecr:") for a in actions):
            assert statement["Resource"] == [own]
    other = "prd" if stack == "dev" else "dev"
    assert f"webplatform-{other}" not in by_name(plan, ROLE_POLICY, "build-web").inputs["policy"]
    assert "worker" not in by_name(plan, ROLE_POLICY, "build-web").inputs["policy"]


def test_the_build_policy_names_nothing_but_what_it_is_given() -> None:
    policy = build_policy(
        repository_arns=["arn:aws:ecr:ap-northeast-1:111111111111:repository/webplatform-dev/web"],
        log_group_arn="arn:aws:logs:ap-northeast-1:111111111111:log-group:/aws/codebuild/b",
        bucket_arn="arn:aws:s3:::artifacts",
        key_arn="arn:aws:kms:ap-northeast-1:111111111111:key/k",
        reads_task_definitions=False,
    )
    resources = [s["Resource"] for s in policy["Statement"]]
    assert resources == [
        "*",
        ["arn:aws:ecr:ap-northeast-1:111111111111:repository/webplatform-dev/web"],
        "arn:aws:logs:ap-northeast-1:111111111111:log-group:/aws/codebuild/b:*",
        "arn:aws:s3:::artifacts/*",
        "arn:aws:kms:ap-northeast-1:111111111111:key/k",
    ]
    assert policy["Statement"][0]["Action"] == ["ecr:GetAuthorizationToken"]


def test_pipeline_roles_deploy_only_their_service(dev, prd) -> None:
    (rolling,) = [s for s in statements(dev, "pipeline-web") if s["Sid"] == "RollingDeploy"]
    assert rolling["Resource"] == (
        "arn:aws:ecs:ap-northeast-1:111111111111:service/webplatform-dev/webplatform-dev-web"
    )
    (passing,) = [s for s in statements(dev, "pipeline-web") if s["Sid"] == "PassTheTaskRoles"]
    assert passing["Resource"] == [
        "arn:aws:iam::111111111111:role/webplatform-dev-web-task",
        "arn:aws:iam::111111111111:role/webplatform-dev-web-exec",
    ]
    (blue_green,) = [s for s in statements(prd, "pipeline-web") if s["Sid"] == "BlueGreenDeploy"]
    prefix = "arn:aws:codedeploy:ap-northeast-1:222222222222"
    assert blue_green["Resource"] == [
        f"{prefix}:application:webplatform-prd-web",
        f"{prefix}:deploymentgroup:webplatform-prd-web/webplatform-prd-web",
        f"{prefix}:deploymentconfig:CodeDeployDefault.ECSCanary10Percent5Minutes",
    ]


# --- The buildspec ----------------------------------------------------------------------------


@pytest.mark.parametrize("style", ["rolling", "blueGreen"])
def test_the_buildspec_parses_and_tags_with_the_commit(style: str) -> None:
    spec = yaml.safe_load(buildspec(style))
    assert spec["version"] == 0.2
    assert list(spec["phases"]) == ["pre_build", "build", "post_build"]
    commands = "\n".join(c for phase in spec["phases"].values() for c in phase["commands"])
    assert "docker login" in commands and "aws ecr get-login-password" in commands
    assert "CODEBUILD_RESOLVED_SOURCE_VERSION" in spec["phases"]["pre_build"]["commands"][1]
    assert "latest" not in commands
    assert "docker push" in " ".join(spec["phases"]["post_build"]["commands"])
    for phase in spec["phases"].values():
        assert phase["on-failure"] == "ABORT"  # no push of a failed build
    assert spec["artifacts"]["files"] == ARTIFACTS[style]
    for artifact in ARTIFACTS[style]:
        assert f"> {artifact}" in commands


def test_the_repository_buildspec_lists_every_artifact_either_style_writes() -> None:
    spec = yaml.safe_load(BUILDSPEC.read_text())
    assert spec["artifacts"]["files"] == [*ARTIFACTS["rolling"], *ARTIFACTS["blueGreen"]]


# --- Image names ------------------------------------------------------------------------------


def test_a_tag_names_an_image_of_the_owners_repository() -> None:
    url = "111111111111.dkr.ecr.ap-northeast-1.amazonaws.com/webplatform-dev/web"
    assert repository_url(PLATFORM, "web") == url
    assert image_uri(PLATFORM, "web", "3f2c1ab") == f"{url}:3f2c1ab"
    for full in ("public.ecr.aws/nginx/nginx:1.27", "nginx:1.27", f"{url}@sha256:{'a' * 64}"):
        assert image_uri(PLATFORM, "web", full) == full


# --- Config -----------------------------------------------------------------------------------

SOURCE = {"source": {"repository": "org/app"}}
WEB = {"image": "1.0.0", "port": 8080}
WORKER = {"image": "1.0.0", "command": ["python", "-m", "worker"]}


def test_tiers_choose_approval_and_deploy_style() -> None:
    dev, prd = load("dev"), load("prd")
    assert (dev.pipeline.deploy, dev.pipeline.approval) == ("rolling", False)
    assert (prd.pipeline.deploy, prd.pipeline.approval) == ("blueGreen", True)
    assert prd.pipeline.traffic.config_name() == "CodeDeployDefault.ECSCanary10Percent5Minutes"
    assert dev.pipeline.traffic.config_name() == "CodeDeployDefault.ECSAllAtOnce"


def test_blue_green_only_where_a_source_and_a_load_balancer_are() -> None:
    services = {"web": WEB, "worker": WORKER}
    with_source = load("prd", services=services, pipeline=SOURCE)
    assert with_source.deploy_styles() == {"web": "blueGreen", "worker": "rolling"}
    assert with_source.test_listener_ports() == {"web": 8443}
    # Without a source nothing would run a CodeDeploy deployment.
    assert load("prd", services=services).deploy_styles() == {"web": "rolling", "worker": "rolling"}
    override = load("prd", services={"web": {**WEB, "deploy": "rolling"}}, pipeline=SOURCE)
    assert override.deploy_styles() == {"web": "rolling"}
    dev = load("dev", services={"web": {**WEB, "deploy": "blueGreen"}}, pipeline=SOURCE)
    assert dev.deploy_styles() == {"web": "blueGreen"}


def test_a_traffic_shift_aws_does_not_predefine_gets_a_custom_config() -> None:
    traffic = load("prd", pipeline={**SOURCE, "traffic": {"type": "linear", "percent": 20}})
    assert traffic.pipeline.traffic.config_name() is None
    assert traffic.pipeline_settings()["traffic"] == {
        "type": "linear",
        "percent": 20,
        "minutes": 5,
        "config_name": None,
    }


def test_a_custom_traffic_shift_is_declared(plan_stack) -> None:
    plan = plan_stack(
        "prd",
        services={"web": WEB},
        pipeline={**SOURCE, "traffic": {"type": "linear", "percent": 20, "minutes": 2}},
    )
    (config,) = of_type(plan, DEPLOYMENT_CONFIG)
    assert config.inputs["computePlatform"] == "ECS"
    assert config.inputs["trafficRoutingConfig"] == {
        "type": "TimeBasedLinear",
        "timeBasedLinear": {"interval": 2, "percentage": 20},
    }
    group = by_name(plan, GROUP, "deploy-web").inputs
    assert group["deploymentConfigName"] == config.inputs["deploymentConfigName"]
    assert of_type(plan, CONNECTION) and plan.outputs["pipelines"] == {"web": "webplatform-prd-web"}


BAD_PIPELINES = [
    ({"pipeline": {"source": {"repository": "app"}}}, "pipeline.source.repository: expected"),
    (
        {"pipeline": {"source": {"repository": "org/app", "connectionArn": "arn:aws:iam::1:x"}}},
        "pipeline.source.connectionArn: does not have the expected form",
    ),
    (
        {"pipeline": {"source": {"repository": "org/app", "context": "../up"}}},
        "pipeline.source.context: expected a directory inside the repository",
    ),
    ({"pipeline": {"keepImages": 0}}, "pipeline.keepImages: must be 1 or more"),
    ({"pipeline": {"traffic": {"type": "slow"}}}, "pipeline.traffic.type: expected one of"),
    (
        {"pipeline": {"blueGreen": {"testCidrs": ["0.0.0.0/0"]}}},
        "pipeline.blueGreen.testCidrs: expected a CIDR block narrower than /0",
    ),
    (
        {"pipeline": {"buildComputeType": "HUGE"}},
        "pipeline.buildComputeType: CodeBuild's ARM and Linux containers take BUILD_GENERAL1_",
    ),
    (
        {"services": {"web": {**WEB, "deploy": "blueGreen"}}},
        "services.web.deploy: blue/green deploys through the pipeline; set pipeline.source",
    ),
    (
        {"services": {"worker": {**WORKER, "deploy": "blueGreen"}}, "pipeline": SOURCE},
        "services.worker.deploy: blue/green needs a service the load balancer routes to",
    ),
    (
        {
            "services": {"web": WEB},
            "pipeline": {**SOURCE, "blueGreen": {"testListenerPort": 443}},
        },
        "pipeline.blueGreen.testListenerPort: service 'web' would get test port 443",
    ),
    ({"services": {"web": {**WEB, "image": "latest"}}}, "services.web.image: pin a tag"),
]


@pytest.mark.parametrize(("changes", "message"), BAD_PIPELINES)
def test_bad_pipeline_config_is_one_line_naming_the_key(changes: dict, message: str) -> None:
    with pytest.raises(stack_config.ConfigError) as raised:
        load("prd", **changes)
    text = str(raised.value)
    assert text.startswith(f"Pulumi.prd.yaml: webplatform:{message}"), text
    assert "\n" not in text


def test_only_the_services_for_this_account_assume_the_pipeline_roles(prd) -> None:
    roles = {r.name: json.loads(r.inputs["assumeRolePolicy"]) for r in of_type(prd, ROLE)}
    trusted = {
        "build-web": "codebuild.amazonaws.com",
        "pipeline-web": "codepipeline.amazonaws.com",
        "deploy-web": "codedeploy.amazonaws.com",
    }
    for name, service in trusted.items():
        (statement,) = roles[name]["Statement"]
        assert statement["Principal"] == {"Service": service}
        assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": "222222222222"}
    (build,) = roles["build-web"]["Statement"]
    assert build["Condition"]["ArnLike"] == {
        "aws:SourceArn": "arn:aws:codebuild:ap-northeast-1:222222222222:project/webplatform-prd-web"
    }
