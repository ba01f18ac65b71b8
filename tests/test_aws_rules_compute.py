"""What AWS accepts of the compute keys (services, functions, jobs, the operation host and the
operators): each rule with a value just inside (accepted) and just outside (one line naming the
key and the rule)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from components import config as stack_config
from components.config import compute
from components.config.files import read_yaml
from tests.conftest import PROJECT_DIR, of_type, stack_plan
from tests.test_aws_constraints import (
    FUNCTION,
    SECRET,
)
from tests.test_aws_constraints import (
    test_each_aws_rule_accepts_just_inside_and_refuses_just_outside as check_rule,
)
from tests.test_config import JOB, WEB, load

REGISTRY = "222222222222.dkr.ecr.ap-northeast-1.amazonaws.com/"
FUNCTION_IMAGE = REGISTRY + "hello:1.0.0"
ROLE = "arn:aws:iam::333333333333:role/ops/"
# A project name of 20 characters: the longest prefix, `<project>-prd`, is 24.
LONG_PROJECT = "p" * 20


def _service(**changes: object) -> dict:
    return {"services": {"web": {**WEB, **changes}}}


def _function(**changes: object) -> dict:
    return {"functions": {"hello": {**FUNCTION, **changes}}}


def _job(name: str) -> dict:
    return {
        "project": LONG_PROJECT,
        "services": {"web": WEB},
        "jobs": {name: {**JOB, "schedule": "rate(1 day)"}},
    }


# (changes just inside, changes just outside, the message of the outside one)
RULES = [
    pytest.param(
        _service(image=REGISTRY + "w" * (255 - len(REGISTRY) - 2) + ":1"),
        _service(image=REGISTRY + "w" * (256 - len(REGISTRY) - 2) + ":1"),
        "services.web.image: an image name takes 255 characters at most, got 256",
        id="ecs-image-length",
    ),
    pytest.param(
        _service(image=REGISTRY + "w" * (255 - len(REGISTRY)) + "@sha256:" + "A0" * 32),
        _service(image=REGISTRY + "w" * (256 - len(REGISTRY)) + "@sha256:" + "A0" * 32),
        "services.web.image: an image name takes 255 characters at most, got 256",
        id="ecs-image-length-before-the-digest",
    ),
    pytest.param(
        _function(environment={"AB": "1"}),
        _function(environment={"A": "1"}),
        "functions.hello.environment: 'A': Lambda takes variable names of 2 characters or more",
        id="lambda-variable-name-length",
    ),
    pytest.param(
        _service(secrets={"TOKEN": "/a" * 15}),
        _service(secrets={"TOKEN": "/a" * 16}),
        f"services.web.secrets: TOKEN: {'/a' * 16!r}: a parameter hierarchy is 15 levels deep",
        id="ssm-hierarchy-depth",
    ),
    pytest.param(
        _service(minCount=1, desiredCount=1),
        _service(minCount=0, desiredCount=0),
        "services.web: minCount 0: target tracking has no metric without a task",
        id="autoscaling-from-zero",
    ),
    pytest.param(
        _service(minCount=0, desiredCount=0, autoscaling={"cpuPercent": None}),
        _service(minCount=0, desiredCount=0, autoscaling={"memoryPercent": 80}),
        "services.web: minCount 0: target tracking has no metric without a task",
        id="autoscaling-off-from-zero",
    ),
    pytest.param(
        {"services": {"web": WEB}, "jobs": {"nightly": {**JOB, "schedule": "cron(0 1 * * ? *)"}}},
        {"services": {"web": WEB},
         "jobs": {"nightly": {**JOB, "schedule": "cron(0 1 * * ? " + "2026," * 50 + "2027)"}}},
        "jobs.nightly.schedule: a schedule expression takes 256 characters at most, got 270",
        id="schedule-expression-length",
    ),
    pytest.param(
        {"operators": {"principals": ["arn:aws:iam::333333333333:role/a-b/c~d/ops"]}},
        {"operators": {"principals": ["arn:aws:iam::333333333333:role/a b/ops"]}},
        "operators.principals: 'arn:aws:iam::333333333333:role/a b/ops' is not an IAM user or "
        "role ARN",
        id="iam-principal-path",
    ),
    pytest.param(
        _service(healthCheckPath="/" + "h" * 1023),
        _service(healthCheckPath="/" + "h" * 1024),
        "services.web.healthCheckPath: must be 1024 characters or fewer",
        id="target-group-health-check-path",
    ),
    pytest.param(
        _service(secrets={"TOKEN": "/webplatform/prd/web/token"}),
        _service(secrets={"TOKEN": "/aws/service/token"}),
        "services.web.secrets: TOKEN: '/aws/service/token': a parameter name may not begin "
        "with aws or ssm",
        id="ssm-reserved-prefix",
    ),
    pytest.param(
        _service(secrets={"TOKEN": "/app/api_token-1.v2"}),
        _service(secrets={"TOKEN": "/app/api token"}),
        "services.web.secrets: TOKEN: '/app/api token': a parameter name is /-separated parts "
        "of a-z A-Z 0-9 _ . -",
        id="ssm-name-characters",
    ),
    pytest.param(
        _service(secrets={"TOKEN": SECRET}),
        _service(secrets={"TOKEN": SECRET.removesuffix("-AbCdEf")}),
        "services.web.secrets: TOKEN: 'web/token' lacks the -<6 characters> Secrets Manager "
        "adds to a secret's name",
        id="secret-full-arn",
    ),
    pytest.param(
        _service(secrets={"TOKEN": SECRET + ":password::"}),
        _service(secrets={"TOKEN": SECRET + ":password"}),
        "services.web.secrets: TOKEN: expected arn:aws:secretsmanager:<region>:<account>:"
        "secret:<name>-<6 characters>[:<json-key>:<version-stage>:<version-id>]",
        id="secret-json-key-form",
    ),
    pytest.param(
        _service(logDatetimeFormat="%Y-%m-%dT%H:%M:%S%L %z"),
        _service(logDatetimeFormat="%Y-%m-%d %T"),
        "services.web.logDatetimeFormat: %T is no token the awslogs driver reads; it takes",
        id="awslogs-datetime-tokens",
    ),
    pytest.param(
        {"services": {"web": {**WEB, "autoscaling": {"requestsPerTarget": 100}},
                      "api": {**WEB, "port": 8081}}},
        {"services": {"web": WEB, "api": {**WEB, "port": 8081,
                                          "autoscaling": {"requestsPerTarget": 100}}}},
        "services.api.autoscaling.requestsPerTarget: ALBRequestCountPerTarget scales a service "
        "the load balancer routes to",
        id="request-count-needs-a-route",
    ),
    pytest.param(
        _function(handler="app.handler"),
        _function(handler="handler"),
        "functions.hello: handler 'handler': a python3.13 handler is <file>.<function>",
        id="lambda-python-handler",
    ),
    pytest.param(
        _function(handler="a." + "h" * 126),
        _function(handler="a." + "h" * 127),
        "functions.hello.handler: must be 128 characters or fewer",
        id="lambda-handler-length",
    ),
    pytest.param(
        {"functions": {"hello": {"image": FUNCTION_IMAGE}}},
        {"functions": {"hello": {"image": FUNCTION_IMAGE.replace("ap-northeast-1", "us-east-1")}}},
        "functions.hello.image: Lambda runs images of private ECR repositories in "
        "ap-northeast-1 only",
        id="lambda-image-region",
    ),
    pytest.param(
        _function(environment={"AB": "x" * 4094}),
        _function(environment={"AB": "x" * 4095}),
        "functions.hello.environment: Lambda takes 4 KB of variables at most, got 4097 bytes",
        id="lambda-environment-size",
    ),
    pytest.param(
        _job("j" * 25),
        _job("j" * 26),
        f"jobs.{'j' * 26}: its IAM role {LONG_PROJECT}-prd-{'j' * 26}-jobs-schedule would be 65 "
        "characters; IAM takes 64",
        id="iam-role-name-length",
    ),
    pytest.param(
        {"operators": {"principals": [ROLE + "r" * 64]}},
        {"operators": {"principals": [ROLE + "r" * 65]}},
        f"operators.principals: '{ROLE + 'r' * 65}': an IAM role name takes 64 characters at most",
        id="iam-principal-name",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("inside", "outside", "message"), RULES)
def test_each_compute_rule(inside: dict, outside: dict, message: str) -> None:
    check_rule(inside, outside, message)


def test_a_code_directory_over_lambdas_unzipped_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("fn").mkdir()
    with open("fn/app.py", "wb") as sparse:
        sparse.truncate(compute.LAMBDA_UNZIPPED_BYTES)
    load("prd", functions={"hello": {**FUNCTION, "code": "fn"}})
    with open("fn/data.bin", "wb") as sparse:
        sparse.truncate(1)
    with pytest.raises(stack_config.ConfigError) as raised:
        load("prd", functions={"hello": {**FUNCTION, "code": "fn"}})
    assert "functions.hello.code: fn holds 250 MB; Lambda takes 250 MB unzipped" in str(
        raised.value
    )
    assert os.path.getsize("fn/app.py") == compute.LAMBDA_UNZIPPED_BYTES


def test_code_that_zips_past_lambdas_upload_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(stack_config.stack, "LAMBDA_UPLOAD_BYTES", 2**20)
    Path("fn/tests").mkdir(parents=True)
    Path("fn/app.py").write_bytes(b"\0" * 2**21)  # compresses to a few kB
    Path("fn/tests/test_app.py").write_bytes(os.urandom(2**21))  # not packaged
    load("prd", functions={"hello": {**FUNCTION, "code": "fn"}})
    Path("fn/model.bin").write_bytes(os.urandom(2**20))
    with pytest.raises(stack_config.ConfigError) as raised:
        load("prd", functions={"hello": {**FUNCTION, "code": "fn"}})
    assert "functions.hello.code: fn zips to 1 MB; Lambda takes 1 MB zipped through its API" in (
        str(raised.value)
    )


def test_the_role_names_the_config_checks_are_the_roles_the_program_makes() -> None:
    stack_file = read_yaml((PROJECT_DIR / "Pulumi.prd.yaml").read_text())["config"]
    values = {k: v if isinstance(v, str) else json.dumps(v) for k, v in stack_file.items()}
    config = stack_config.load("webplatform", "prd", values)
    checked = {
        name
        for _, name in compute.entry_role_names(
            config.name_prefix, config.services, config.functions, config.jobs
        )
    }
    roles = {r.inputs["name"] for r in of_type(stack_plan("prd"), "aws:iam/role:Role")}
    assert "webplatform-prd-import-jobs-schedule" in checked
    assert checked <= roles, checked - roles
