"""Step Functions policies: encryption with a customer key, execution logging, and RunTask
roles scoped to the families a state machine runs; each through the real validator, with the
absent-field (provider default) form."""

from __future__ import annotations

import json

import pytest
from policy_harness import DELETE, Res, check_resource, check_stack, mutate

from encryption_policies import workflows as encryption
from guardrails_policies import workflows as guardrails

MACHINE = "aws:sfn/stateMachine:StateMachine"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
POLICY = "aws:iam/policy:Policy"
KEY_ARN = "arn:aws:kms:ap-northeast-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
LOGS = "arn:aws:logs:ap-northeast-1:123456789012:log-group:/aws/vendedlogs/states/jobs:*"
TASK_DEFINITIONS = "arn:aws:ecs:ap-northeast-1:123456789012:task-definition"
ROLE_ARN = "arn:aws:iam::123456789012:role/jobs"

MACHINE_PROPS = {
    "name": "jobs",
    "roleArn": ROLE_ARN,
    "encryptionConfiguration": {
        "type": "CUSTOMER_MANAGED_KMS_KEY",
        "kmsKeyId": KEY_ARN,
        "kmsDataKeyReusePeriodSeconds": 300,
    },
    "loggingConfiguration": {"level": "ALL", "includeExecutionData": True, "logDestination": LOGS},
}


@pytest.mark.parametrize(
    ("path", "value", "bad"),
    [
        (None, None, False),
        ("encryptionConfiguration", DELETE, True),  # absent: AWS_OWNED_KEY
        ("encryptionConfiguration.type", "AWS_OWNED_KEY", True),
        ("encryptionConfiguration.type", DELETE, True),
        ("encryptionConfiguration.kmsKeyId", DELETE, True),
        ("encryptionConfiguration.kmsDataKeyReusePeriodSeconds", DELETE, False),
        ("encryptionConfiguration.kmsDataKeyReusePeriodSeconds", 3600, True),
    ],
)
def test_state_machine_encryption(path, value, bad) -> None:
    props = MACHINE_PROPS if path is None else mutate(MACHINE_PROPS, path, value)
    found = check_resource(encryption.SFN_CMK, MACHINE, props, name="jobs")
    assert bool(found) is bad, found


def test_activity_encryption_and_other_types_ignored() -> None:
    activity = "aws:sfn/activity:Activity"
    assert check_resource(encryption.SFN_CMK, activity, {"name": "a"})
    assert not check_resource(
        encryption.SFN_CMK,
        activity,
        {"encryptionConfiguration": MACHINE_PROPS["encryptionConfiguration"]},
    )
    assert not check_resource(encryption.SFN_CMK, "aws:sns/topic:Topic", {})


@pytest.mark.parametrize(
    ("path", "value", "config", "bad"),
    [
        (None, None, None, False),
        ("loggingConfiguration", DELETE, None, True),  # absent: OFF
        ("loggingConfiguration.level", "OFF", None, True),
        ("loggingConfiguration.level", "FATAL", None, True),
        ("loggingConfiguration.level", "ERROR", None, False),
        ("loggingConfiguration.level", DELETE, None, True),
        ("loggingConfiguration.logDestination", DELETE, None, True),
        ("loggingConfiguration.logDestination", LOGS.removesuffix(":*"), None, True),
        ("loggingConfiguration.includeExecutionData", DELETE, None, True),  # default false
        ("loggingConfiguration.includeExecutionData", False, None, True),
        (
            "loggingConfiguration.includeExecutionData",
            False,
            {"requireExecutionData": False},
            False,
        ),
        (
            "loggingConfiguration.level",
            "FATAL",
            {"allowedLevels": ["ALL", "ERROR", "FATAL"]},
            False,
        ),
    ],
)
def test_state_machine_logging(path, value, config, bad) -> None:
    props = MACHINE_PROPS if path is None else mutate(MACHINE_PROPS, path, value)
    found = check_resource(guardrails.SFN_LOGGING, MACHINE, props, name="jobs", config=config)
    assert bool(found) is bad, found


def test_logging_exception_with_a_reason() -> None:
    props = mutate(MACHINE_PROPS, "loggingConfiguration", DELETE)
    config = {"exceptions": {"jobs": "an express workflow with its own logging"}}
    assert check_resource(guardrails.SFN_LOGGING, MACHINE, props, name="jobs", config=config) == []


def run_task_definition(*families: str, jsonpath: bool = False) -> str:
    """A definition running each family, one JSONata state and, with `jsonpath`, one in the
    JSONPath form inside a Parallel branch."""
    states = {
        f"run {family}": {
            "Type": "Task",
            "Resource": "arn:aws:states:::ecs:runTask.sync",
            "Arguments": {"Cluster": "c", "TaskDefinition": family},
            "End": True,
        }
        for family in families
    }
    if jsonpath:
        states = {
            "together": {
                "Type": "Parallel",
                "Branches": [
                    {
                        "StartAt": name,
                        "States": {
                            name: {
                                **{k: v for k, v in state.items() if k != "Arguments"},
                                "Parameters": {"TaskDefinition": f"{TASK_DEFINITIONS}/{family}:7"},
                            }
                        },
                    }
                    for family, (name, state) in zip(families, states.items(), strict=True)
                ],
                "End": True,
            }
        }
    return json.dumps({"StartAt": next(iter(states)), "States": states})


def run_task_policy(*resources: str, action: str | list[str] = "ecs:RunTask") -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "iam:PassRole",
                    "Resource": "arn:aws:iam::123456789012:role/x",
                },
                {"Effect": "Allow", "Action": action, "Resource": list(resources)},
            ],
        }
    )


def stack(definition: str, policy: str | None, by_dependency: bool = True, extra=()) -> list[Res]:
    machine = Res(
        MACHINE,
        "jobs",
        {**MACHINE_PROPS, "definition": definition},
        {"roleArn": ["jobs-role"]} if by_dependency else {},
    )
    role = Res(ROLE, "jobs-role", {"arn": ROLE_ARN, "id": "jobs", "name": "jobs"})
    resources = [machine, role, *extra]
    if policy is not None:
        resources.append(
            Res(
                ROLE_POLICY,
                "jobs-policy",
                {"role": "jobs", "policy": policy},
                {"role": ["jobs-role"]} if by_dependency else {},
            )
        )
    return resources


OWN = [f"{TASK_DEFINITIONS}/web", f"{TASK_DEFINITIONS}/web:*", f"{TASK_DEFINITIONS}/job-report:3"]


@pytest.mark.parametrize(
    ("definition", "policy", "bad"),
    [
        pytest.param(
            run_task_definition("web", "job-report"), run_task_policy(*OWN), [], id="scoped"
        ),
        pytest.param(
            run_task_definition("web", "job-report", jsonpath=True),
            run_task_policy(*OWN),
            [],
            id="jsonpath-arns",
        ),
        pytest.param(run_task_definition("web"), run_task_policy("*"), ["'*'"], id="any-resource"),
        pytest.param(
            run_task_definition("web"),
            run_task_policy(f"{TASK_DEFINITIONS}/*"),
            ["task-definition/*"],
            id="any-family",
        ),
        pytest.param(
            run_task_definition("web"),
            run_task_policy(f"{TASK_DEFINITIONS}/web*"),
            ["web*"],
            id="family-prefix",
        ),
        pytest.param(
            run_task_definition("web"),
            run_task_policy(*OWN),
            ["'job-report'"],
            id="a-family-it-does-not-run",
        ),
        pytest.param(
            run_task_definition("web"),
            run_task_policy("*", action="ecs:*"),
            ["'*'"],
            id="ecs-wildcard-action",
        ),
        pytest.param(run_task_definition("web"), None, [], id="no-role-policy"),
    ],
)
def test_run_task_roles_are_scoped_to_their_families(definition, policy, bad) -> None:
    for by_dependency in (True, False):
        found = check_stack(
            guardrails.SFN_RUN_TASK_SCOPED, stack(definition, policy, by_dependency)
        )
        assert len(found) == len(bad), found
        for (name, message), part in zip(found, bad, strict=True):
            assert name == "jobs" and part in message, message


def test_a_family_chosen_at_run_time_still_needs_a_named_family() -> None:
    dynamic = json.dumps(
        {
            "StartAt": "run",
            "States": {
                "run": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::ecs:runTask.sync",
                    "Arguments": {"TaskDefinition": "{% $states.input.family %}"},
                    "End": True,
                }
            },
        }
    )
    assert check_stack(guardrails.SFN_RUN_TASK_SCOPED, stack(dynamic, run_task_policy(*OWN))) == []
    assert check_stack(guardrails.SFN_RUN_TASK_SCOPED, stack(dynamic, run_task_policy("*")))


def test_inline_and_attached_policies_count_too() -> None:
    definition = run_task_definition("web")
    inline = stack(definition, None)
    inline[1].props["inlinePolicies"] = [{"name": "run", "policy": run_task_policy("*")}]
    assert check_stack(guardrails.SFN_RUN_TASK_SCOPED, inline)
    managed = Res(
        POLICY,
        "run-anything",
        {"arn": "arn:aws:iam::123456789012:policy/run", "policy": run_task_policy("*")},
    )
    attachment = Res(
        ATTACHMENT,
        "attach",
        {"role": "jobs", "policyArn": "arn:aws:iam::123456789012:policy/run"},
        {"role": ["jobs-role"], "policyArn": ["run-anything"]},
    )
    assert check_stack(
        guardrails.SFN_RUN_TASK_SCOPED, stack(definition, None, extra=[managed, attachment])
    )
    aws_managed = Res(
        ATTACHMENT,
        "attach",
        {"role": "jobs", "policyArn": "arn:aws:iam::aws:policy/AmazonECS_FullAccess"},
        {"role": ["jobs-role"]},
    )
    ((_, message),) = check_stack(
        guardrails.SFN_RUN_TASK_SCOPED, stack(definition, None, extra=[aws_managed])
    )
    assert "AmazonECS_FullAccess" in message
