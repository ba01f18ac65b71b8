"""Step Functions: state machines log their executions, and a state machine's role may run
only the ECS task families its definition runs.

An absent `loggingConfiguration` is the provider's default: level OFF, no destination.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator, Mapping

from pulumi_policy import Severity

from policy_support import (
    document,
    flag,
    get,
    items,
    resource_policy,
    stack_policy,
    statements,
    strings,
)

STATE_MACHINE = "aws:sfn/stateMachine:StateMachine"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
POLICY = "aws:iam/policy:Policy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
RUN_TASK_RESOURCE = re.compile(r"^arn:aws:states:::ecs:runTask(\.sync|\.waitForTaskToken)?$")
TASK_DEFINITION_ARN = re.compile(
    r"^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition/(?P<family>[A-Za-z0-9_-]+)"
    r"(?P<revision>:\*|:\d+)?$"
)


def _check_logging(props, args, cfg):
    label = f"{args.resource_type} '{args.name}'"
    logging = get(props, "loggingConfiguration")
    level = get(logging, "level", default="OFF")
    if level not in cfg["allowedLevels"]:
        yield f"{label} logs at level {level}; expected one of {list(cfg['allowedLevels'])}."
        return
    if not get(logging, "logDestination"):
        yield f"{label} has loggingConfiguration.level {level} but no logDestination."
    elif not str(get(logging, "logDestination")).endswith(":*"):
        yield f"{label} logDestination must be a log group ARN ending in ':*'."
    if cfg["requireExecutionData"] and not flag(get(logging, "includeExecutionData")):
        yield (
            f"{label} leaves execution data (inputs, outputs, errors) out of its logs "
            "(includeExecutionData defaults to false): a failure's log says only that it failed."
        )


SFN_LOGGING = resource_policy(
    "guardrails-sfn-state-machine-logging",
    "Step Functions state machines log executions to CloudWatch Logs at level ALL or ERROR, "
    "with execution data.",
    types=[STATE_MACHINE],
    check=_check_logging,
    severity=Severity.MEDIUM,
    remediation=(
        "Set logging_configuration={'level': 'ALL', 'include_execution_data': True, "
        "'log_destination': f'{log_group.arn}:*'} with a KMS-encrypted log group (name it "
        "/aws/vendedlogs/states/...); the role needs the logs:*LogDelivery actions."
    ),
    params={
        "allowedLevels": {
            "type": "array",
            "items": {"type": "string", "enum": ["ALL", "ERROR", "FATAL", "OFF"]},
            "description": "Accepted logging levels.",
            "default": ["ALL", "ERROR"],
        },
        "requireExecutionData": {
            "type": "boolean",
            "description": (
                "Require includeExecutionData (turn off where executions carry data that must "
                "not reach the logs)."
            ),
            "default": True,
        },
    },
)


def _families(definition: Mapping) -> set[str] | None:
    """The ECS task families the definition's RunTask states run; None when one is chosen at
    run time (a JSONata expression or a `.$` path)."""
    found: set[str] = set()
    for state in _states(definition):
        if not RUN_TASK_RESOURCE.match(str(get(state, "Resource", default=""))):
            continue
        arguments = get(state, "Arguments") or get(state, "Parameters") or {}
        if "TaskDefinition.$" in arguments:
            return None
        value = get(arguments, "TaskDefinition")
        if not isinstance(value, str) or value.startswith("{%"):
            return None
        family = value.rsplit("/", 1)[-1].split(":", 1)[0]
        found.add(family)
    return found


def _states(definition: Mapping) -> Iterator[Mapping]:
    states = get(definition, "States")
    for state in states.values() if isinstance(states, Mapping) else []:
        if isinstance(state, Mapping):
            yield state
            for branch in items(get(state, "Branches")):
                yield from _states(branch)
            processor = get(state, "ItemProcessor") or get(state, "Iterator")
            if isinstance(processor, Mapping):
                yield from _states(processor)


def _grants_run_task(statement) -> bool:
    if get(statement, "Effect") != "Allow":
        return False
    if get(statement, "NotAction") is not None:
        return True
    return any(
        fnmatch.fnmatchcase("ecs:runtask", a.lower()) for a in strings(get(statement, "Action"))
    )


def _role_documents(role, stack):
    """(where, document) for every policy the role has in the stack: inline, RolePolicy, and
    attached policies of the stack."""
    for inline in items(get(role.props, "inlinePolicies")):
        yield f"inline policy {get(inline, 'name')}", get(inline, "policy")
    for policy in stack.referring(role, [ROLE_POLICY], "role", ("id", "name")):
        yield f"RolePolicy '{policy.name}'", get(policy.props, "policy")
    for attachment in stack.referring(role, [ATTACHMENT], "role", ("id", "name")):
        arn = get(attachment.props, "policyArn")
        managed = stack.referred(attachment, "policyArn", [POLICY], ("arn",))
        for policy in managed:
            yield f"Policy '{policy.name}'", get(policy.props, "policy")
        if not managed and isinstance(arn, str):
            yield f"managed policy {arn}", None


def _check_run_task_scope(machine, stack, cfg):
    definition = document(get(machine.props, "definition"))
    if not isinstance(definition, Mapping):
        return
    families = _families(definition)
    roles = stack.referred(machine, "roleArn", [ROLE], ("arn",))
    for role in roles:
        for where, doc in _role_documents(role, stack):
            if doc is None:
                if where.removeprefix("managed policy ") in cfg["broadManagedPolicies"]:
                    yield f"role '{role.name}' attaches {where}, which runs any task."
                continue
            for statement in statements(doc):
                if not _grants_run_task(statement):
                    continue
                if get(statement, "NotAction") is not None or get(statement, "NotResource"):
                    yield f"role '{role.name}' {where} grants ecs:RunTask by NotAction/NotResource."
                    continue
                for resource in strings(get(statement, "Resource")):
                    match = TASK_DEFINITION_ARN.match(resource)
                    if match is None:
                        yield (
                            f"role '{role.name}' {where} allows ecs:RunTask on {resource!r}; "
                            "expected task-definition ARNs of the families the state machine runs."
                        )
                    elif families is not None and match["family"] not in families:
                        yield (
                            f"role '{role.name}' {where} allows ecs:RunTask on family "
                            f"{match['family']!r}, which the state machine does not run "
                            f"(it runs {sorted(families)})."
                        )


SFN_RUN_TASK_SCOPED = stack_policy(
    "guardrails-sfn-runtask-scoped",
    "A state machine's role may run only the ECS task families its definition runs.",
    subjects=[STATE_MACHINE],
    reads=[ROLE, ROLE_POLICY, ATTACHMENT, POLICY],
    check=_check_run_task_scope,
    severity=Severity.HIGH,
    remediation=(
        "List ecs:RunTask's Resource as arn:aws:ecs:<region>:<account>:task-definition/<family> "
        "and .../<family>:* for each family the definition runs (with an ecs:cluster "
        "condition); never '*' or task-definition/*."
    ),
    params={
        "broadManagedPolicies": {
            "type": "array",
            "items": {"type": "string"},
            "description": "AWS managed policies that allow ecs:RunTask on every task definition.",
            "default": [
                "arn:aws:iam::aws:policy/AdministratorAccess",
                "arn:aws:iam::aws:policy/PowerUserAccess",
                "arn:aws:iam::aws:policy/AmazonECS_FullAccess",
                "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceEventsRole",
            ],
        }
    },
)

POLICIES = [SFN_LOGGING, SFN_RUN_TASK_SCOPED]
