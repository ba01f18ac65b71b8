"""The operator and observer roles the operations CLI runs with."""

import json

import pytest

from components import config as stack_config
from tests.conftest import by_name, stack_plan
from tests.test_config import load

ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ADMIN = "arn:aws:iam::222222222222:role/platform-admins"


def policy_of(kind: str) -> dict:
    return json.loads(by_name(stack_plan("prd"), ROLE_POLICY, f"operators-{kind}").inputs["policy"])


def actions(policy: dict) -> set[str]:
    return {a for s in policy["Statement"] for a in ([s["Action"]] if isinstance(s["Action"], str)
                                                     else s["Action"])}  # fmt: skip


def test_both_roles_need_mfa_and_default_to_the_account() -> None:
    for kind in ("operator", "observer"):
        role = by_name(stack_plan("prd"), ROLE, f"operators-{kind}")
        assert role.inputs["name"] == f"webplatform-prd-{kind}"
        (statement,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
        assert statement["Principal"] == {"AWS": "arn:aws:iam::222222222222:root"}
        assert statement["Condition"] == {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    assert stack_plan("prd").outputs["operatorRoleArn"].endswith(":role/webplatform-prd-operator")


def test_named_principals_replace_the_account(plan_stack) -> None:
    plan = plan_stack("prd", operators={"principals": [ADMIN]})
    trust = json.loads(by_name(plan, ROLE, "operators-operator").inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"AWS": [ADMIN]}


def test_the_operator_acts_on_this_stack_only() -> None:
    statements = {s["Sid"]: s for s in policy_of("operator")["Statement"]}
    parameters = statements["ReadAndWriteTheStacksParameters"]["Resource"]
    assert all(":parameter/webplatform/prd" in arn for arn in parameters)
    run = statements["RunJobsOnThisCluster"]
    assert (
        run["Resource"]
        == "arn:aws:ecs:ap-northeast-1:222222222222:task-definition/webplatform-prd-*"
    )
    assert run["Condition"] == {
        "ArnEquals": {
            "ecs:cluster": "arn:aws:ecs:ap-northeast-1:222222222222:cluster/webplatform-prd"
        }
    }
    exec_into = statements["ExecIntoTasksOfThisCluster"]["Resource"]
    assert exec_into[0] == "arn:aws:ecs:ap-northeast-1:222222222222:task/webplatform-prd/*"
    assert statements["PassTheStacksTaskRolesToEcs"]["Condition"] == {
        "StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}
    }
    assert statements["WithTheSecretsKeyThroughSsm"]["Condition"] == {
        "StringEquals": {"kms:ViaService": "ssm.ap-northeast-1.amazonaws.com"}
    }
    distribution = by_name(
        stack_plan("prd"), "aws:cloudfront/distribution:Distribution", "edge-cdn"
    )
    assert statements["InvalidateTheStacksDistribution"]["Resource"] == distribution.outputs["arn"]
    host = stack_plan("prd").outputs["opsHost"]["instanceId"]
    forward = statements["ForwardPortsThroughTheOperationHost"]["Resource"]
    assert f"arn:aws:ec2:ap-northeast-1:222222222222:instance/{host}" in forward
    # Only Describe/List-style reads are granted on "*".
    for statement in statements.values():
        if statement["Resource"] == "*":
            assert all(":Describe" in a or ":List" in a or ":Get" in a for a in statement["Action"])


def test_the_observer_reads_state_and_logs_but_no_secret() -> None:
    granted = actions(policy_of("observer"))
    assert {"ecs:DescribeServices", "logs:FilterLogEvents", "cloudwatch:DescribeAlarms"} <= granted
    assert not granted & {
        "ssm:GetParameter",
        "ssm:GetParameters",
        "kms:Decrypt",
        "ecs:RunTask",
        "ecs:ExecuteCommand",
        "ssm:StartSession",
        "cloudwatch:SetAlarmState",
    }


def test_a_principal_that_is_no_iam_arn_is_refused() -> None:
    with pytest.raises(stack_config.ConfigError) as raised:
        load("prd", operators={"principals": ["alice"]})
    assert str(raised.value) == (
        "Pulumi.prd.yaml: webplatform:operators.principals: 'alice' is not an IAM user or role ARN"
    )
