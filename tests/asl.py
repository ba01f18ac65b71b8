"""Checks of an Amazon States Language definition (JSONata flavour) without Step Functions:
its structure (every state reachable from StartAt, Next/End consistent, transitions that land,
Retry and Catch well formed), its JSONata expressions (each one parses, and can be evaluated
as Step Functions would, with `$states` bound and `$parse` provided), and whether the state
machine's IAM policy allows what each Task state calls."""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterator, Mapping
from typing import Any

import jsonata

STATE_TYPES = {"Task", "Parallel", "Map", "Pass", "Wait", "Choice", "Succeed", "Fail"}
TERMINAL = {"Succeed", "Fail"}
RUN_TASK = "arn:aws:states:::ecs:runTask.sync"
PUBLISH = "arn:aws:states:::sns:publish"
LIST_EXECUTIONS = "arn:aws:states:::aws-sdk:sfn:listExecutions"


def scopes(definition: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The definition and every branch of its Parallel states, at any depth."""
    yield definition
    for state in definition["States"].values():
        for branch in state.get("Branches", []):
            yield from scopes(branch)


def all_states(definition: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    found: dict[str, Mapping[str, Any]] = {}
    for scope in scopes(definition):
        found.update(scope["States"])
    return found


def problems(definition: Mapping[str, Any]) -> list[str]:
    """What is wrong with the definition's structure; [] when nothing."""
    found: list[str] = []
    names = [name for scope in scopes(definition) for name in scope["States"]]
    if len(names) != len(set(names)):
        found.append("state names repeat")
    found += [f"{name}: longer than 80 characters" for name in names if len(name) > 80]
    for scope in scopes(definition):
        found += _scope_problems(scope)
    for expression in expressions(definition):
        try:
            jsonata.Jsonata(expression)
        except Exception as error:  # any parse error is the finding
            found.append(f"JSONata does not parse: {expression!r}: {error}")
    return found


def _scope_problems(scope: Mapping[str, Any]) -> list[str]:
    states = scope["States"]
    found: list[str] = []
    if scope["StartAt"] not in states:
        found.append(f"StartAt {scope['StartAt']!r} is no state")
    for name, state in states.items():
        kind = state.get("Type")
        if kind not in STATE_TYPES:
            found.append(f"{name}: unknown Type {kind!r}")
            continue
        has_next, has_end = "Next" in state, state.get("End") is True
        if kind in TERMINAL or kind == "Choice":
            if has_next or "End" in state:
                found.append(f"{name}: a {kind} state takes neither Next nor End")
        elif has_next == has_end:
            found.append(f"{name}: exactly one of Next and End")
        for target in _targets(state):
            if target not in states:
                found.append(f"{name}: goes to {target!r}, which is not in its scope")
        if kind == "Choice" and not state.get("Choices"):
            found.append(f"{name}: a Choice needs Choices")
        if kind == "Task" and "TimeoutSeconds" in state:
            timeout = state["TimeoutSeconds"]
            if not isinstance(timeout, int) or timeout < 1:
                found.append(f"{name}: TimeoutSeconds must be a positive integer")
        for field in ("Retry", "Catch"):
            for i, entry in enumerate(state.get(field, [])):
                errors = entry.get("ErrorEquals") or []
                if not errors:
                    found.append(f"{name}: {field}[{i}] has no ErrorEquals")
                if "States.ALL" in errors and (len(errors) > 1 or i != len(state[field]) - 1):
                    found.append(f"{name}: States.ALL must be alone and last in {field}")
        for retry in state.get("Retry", []):
            if retry.get("MaxAttempts", 3) < 0 or retry.get("BackoffRate", 2.0) < 1.0:
                found.append(f"{name}: Retry MaxAttempts >= 0 and BackoffRate >= 1")
    reached, todo = set(), [scope["StartAt"]]
    while todo:
        name = todo.pop()
        if name in reached or name not in states:
            continue
        reached.add(name)
        todo.extend(_targets(states[name]))
    found += [f"{name}: not reachable from StartAt" for name in states if name not in reached]
    return found


def _targets(state: Mapping[str, Any]) -> list[str]:
    targets = [state["Next"]] if "Next" in state else []
    targets += [choice["Next"] for choice in state.get("Choices", [])]
    targets += [state["Default"]] if "Default" in state else []
    targets += [catch["Next"] for catch in state.get("Catch", [])]
    return targets


def expressions(value: Any) -> Iterator[str]:
    """Every JSONata expression (`{% ... %}`) anywhere in the definition."""
    if isinstance(value, str) and value.startswith("{%"):
        assert value.endswith("%}"), value
        yield value[2:-2]
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from expressions(item)
    elif isinstance(value, list):
        for item in value:
            yield from expressions(item)


def evaluate(template: str, states: Mapping[str, Any]) -> Any:
    """A `{% ... %}` value as Step Functions evaluates it, with `$states` (input, result,
    errorOutput, context) bound and Step Functions' `$parse`."""
    assert template.startswith("{%") and template.endswith("%}"), template
    expression = jsonata.Jsonata(template[2:-2])
    expression.register_lambda("parse", json.loads)
    expression.assign("states", dict(states))
    return expression.evaluate(None)


def allows(policy: Mapping[str, Any], action: str, resource: str) -> bool:
    """Whether an Allow statement covers the action on the resource (IAM wildcards; the
    statement's conditions are not evaluated)."""
    for statement in policy["Statement"]:
        if statement["Effect"] != "Allow":
            continue
        actions = (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        resources = (
            statement["Resource"]
            if isinstance(statement["Resource"], list)
            else [statement["Resource"]]
        )
        if any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in actions) and any(
            fnmatch.fnmatchcase(resource, r) for r in resources
        ):
            return True
    return False


def calls(
    state: Mapping[str, Any], region: str, account: str, machine_arn: str
) -> list[tuple[str, str]]:
    """(action, resource) pairs a Task state makes Step Functions call, as the service
    integrations document them."""
    resource, arguments = state["Resource"], state.get("Arguments", {})
    if resource == RUN_TASK:
        cluster = arguments["Cluster"].rsplit("/", 1)[-1]
        family = arguments["TaskDefinition"]
        task = f"arn:aws:ecs:{region}:{account}:task/{cluster}/0123456789abcdef"
        rule = f"arn:aws:events:{region}:{account}:rule/StepFunctionsGetEventsForECSTaskRule"
        return [
            ("ecs:RunTask", f"arn:aws:ecs:{region}:{account}:task-definition/{family}"),
            ("ecs:DescribeTasks", task),
            ("ecs:StopTask", task),
            ("events:PutTargets", rule),
            ("events:PutRule", rule),
            ("events:DescribeRule", rule),
        ]
    if resource == PUBLISH:
        return [("sns:Publish", arguments["TopicArn"])]
    if resource == LIST_EXECUTIONS:
        assert arguments["StateMachineArn"] == "{% $states.context.StateMachine.Id %}"
        return [("states:ListExecutions", machine_arn)]
    raise AssertionError(f"a Resource the checks do not know: {resource}")
