"""Lambda functions from config: code or image, log group first, tracing, an encrypted
dead-letter queue, reserved concurrency, VPC attachment, and a role with nothing more."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from components import config as stack_config
from components.compute.function import code_archive
from tests.conftest import PROJECT_DIR, by_name, of_type
from tests.test_config import load

FUNCTION = "aws:lambda/function:Function"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
QUEUE = "aws:sqs/queue:Queue"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
KEY = "aws:kms/key:Key"
IMAGE = "222222222222.dkr.ecr.ap-northeast-1.amazonaws.com/webplatform/resize:1.4.2"
HELLO = {"code": "functions/hello", "handler": "app.handler", "runtime": "python3.13"}


def statements(registration) -> dict[str, dict]:
    document = json.loads(registration.inputs["policy"])
    return {s["Sid"]: s for s in document["Statement"]}


@pytest.mark.parametrize(
    ("tier", "account", "retention"), [("dev", "111111111111", 30), ("prd", "222222222222", 365)]
)
def test_code_function_with_its_log_group_first(plan_stack, tier, account, retention) -> None:
    plan = plan_stack(tier, functions={"hello": HELLO})
    function = by_name(plan, FUNCTION, "function-hello")
    log_group = by_name(plan, LOG_GROUP, "function-hello")
    role = by_name(plan, ROLE, "function-hello")
    name = f"webplatform-{tier}-hello"
    inputs = function.inputs
    assert inputs["name"] == name
    assert (inputs["packageType"], inputs["handler"], inputs["runtime"]) == (
        "Zip",
        "app.handler",
        "python3.13",
    )
    assert "imageUri" not in inputs
    assert inputs["code"] == "[archive of 1 file]"  # app.py; its test stays out
    assert inputs["architectures"] == ["arm64"]
    assert (inputs["memorySize"], inputs["timeout"]) == (256, 30)
    assert inputs["tracingConfig"] == {"mode": "Active"}
    assert inputs["role"] == role.outputs["arn"]
    assert role.outputs["arn"] == f"arn:aws:iam::{account}:role/{name}-lambda"
    # Unset in the config: prd reserves the tier's concurrency, dev shares the account's pool;
    # the function runs outside the VPC.
    assert inputs.get("reservedConcurrentExecutions") == (10 if tier == "prd" else None)
    assert "vpcConfig" not in inputs
    assert "environment" not in inputs

    assert log_group.inputs["name"] == f"/aws/lambda/{name}"
    assert log_group.inputs["retentionInDays"] == retention
    assert log_group.inputs["kmsKeyId"] == by_name(plan, KEY, "keys-logs").outputs["arn"]
    assert inputs["loggingConfig"]["logGroup"] == log_group.inputs["name"]
    assert log_group.urn in function.dependencies
    assert by_name(plan, ROLE_POLICY, "function-hello").urn in function.dependencies
    assert plan.outputs["functions"] == {
        "hello": {
            "name": name,
            "arn": f"arn:aws:lambda:ap-northeast-1:{account}:function:{name}",
            "logGroup": f"/aws/lambda/{name}",
        }
    }


def test_dead_letter_queue_is_encrypted_and_keeps_messages_14_days(plan_stack) -> None:
    plan = plan_stack("prd", functions={"hello": HELLO})
    queue = by_name(plan, QUEUE, "function-hello-dlq")
    assert queue.inputs["name"] == "webplatform-prd-hello-lambda-dlq"
    assert queue.inputs["kmsMasterKeyId"] == by_name(plan, KEY, "keys-data").outputs["arn"]
    assert queue.inputs["messageRetentionSeconds"] == 14 * 24 * 3600
    function = by_name(plan, FUNCTION, "function-hello")
    assert function.inputs["deadLetterConfig"] == {"targetArn": queue.outputs["arn"]}


def test_image_function(plan_stack) -> None:
    plan = plan_stack(
        "prd",
        functions={"resize": {"image": IMAGE, "architecture": "x86_64", "memory": 2048,
                              "timeout": 900, "environment": {"BUCKET": "assets"}}},
    )  # fmt: skip
    inputs = by_name(plan, FUNCTION, "function-resize").inputs
    assert (inputs["packageType"], inputs["imageUri"]) == ("Image", IMAGE)
    assert not {"handler", "runtime", "code"} & set(inputs)
    assert inputs["architectures"] == ["x86_64"]
    assert (inputs["memorySize"], inputs["timeout"]) == (2048, 900)
    assert inputs["environment"] == {"variables": {"BUCKET": "assets"}}


def test_reserved_concurrency_and_vpc_attachment(plan_stack) -> None:
    plan = plan_stack(
        "prd", functions={"hello": {**HELLO, "reservedConcurrency": 5, "vpc": True},
                          "throttled": {**HELLO, "reservedConcurrency": 0}},
    )  # fmt: skip
    inputs = by_name(plan, FUNCTION, "function-hello").inputs
    assert inputs["reservedConcurrentExecutions"] == 5
    # Zero is a real setting (the function is switched off), not "unset".
    assert by_name(plan, FUNCTION, "function-throttled").inputs["reservedConcurrentExecutions"] == 0
    app_subnets = [s.id for s in of_type(plan, "aws:ec2/subnet:Subnet") if "-app-" in s.name]
    app_group = by_name(plan, "aws:ec2/securityGroup:SecurityGroup", "network-app-sg")
    assert sorted(inputs["vpcConfig"]["subnetIds"]) == sorted(app_subnets)
    assert len(app_subnets) == 3
    assert inputs["vpcConfig"]["securityGroupIds"] == [app_group.id]


def test_trust_is_lambda_of_this_account(plan_stack) -> None:
    plan = plan_stack("prd", functions={"hello": HELLO})
    trust = json.loads(by_name(plan, ROLE, "function-hello").inputs["assumeRolePolicy"])
    assert trust["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": "222222222222"}},
        }
    ]
    attached = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
    assert not [a for a in of_type(plan, attached) if a.name.startswith("function-")]


@pytest.mark.parametrize("vpc", [False, True])
def test_role_reaches_its_own_log_group_queue_and_key_only(plan_stack, vpc: bool) -> None:
    plan = plan_stack("prd", functions={"hello": {**HELLO, "vpc": vpc}})
    found = statements(by_name(plan, ROLE_POLICY, "function-hello"))
    log_group = (
        "arn:aws:logs:ap-northeast-1:222222222222:log-group:/aws/lambda/webplatform-prd-hello"
    )
    expected = {
        "WriteOwnLogGroup": {
            "Sid": "WriteOwnLogGroup",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"{log_group}:*",
        },
        "WriteTraces": {
            "Sid": "WriteTraces",
            "Effect": "Allow",
            "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
            "Resource": "*",
        },
        "SendToDeadLetterQueue": {
            "Sid": "SendToDeadLetterQueue",
            "Effect": "Allow",
            "Action": "sqs:SendMessage",
            "Resource": by_name(plan, QUEUE, "function-hello-dlq").outputs["arn"],
        },
        "EncryptDeadLetters": {
            "Sid": "EncryptDeadLetters",
            "Effect": "Allow",
            "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
            "Resource": by_name(plan, KEY, "keys-data").outputs["arn"],
        },
    }
    if vpc:
        expected["ManageVpcNetworkInterfaces"] = {
            "Sid": "ManageVpcNetworkInterfaces",
            "Effect": "Allow",
            "Action": [
                "ec2:CreateNetworkInterface",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeSubnets",
                "ec2:DeleteNetworkInterface",
                "ec2:AssignPrivateIpAddresses",
                "ec2:UnassignPrivateIpAddresses",
            ],
            "Resource": "*",
        }
    assert found == expected


def test_the_code_archive_leaves_out_tests_and_caches(tmp_path: Path) -> None:
    (tmp_path / "pkg" / "__pycache__").mkdir(parents=True)
    for name in ["app.py", "conftest.py", "test_app.py", "app_test.py", "pkg/util.py",
                 "pkg/__pycache__/util.cpython-313.pyc", "stray.pyc", "data.json"]:  # fmt: skip
        (tmp_path / name).write_text("x")
    archive = code_archive(str(tmp_path))
    assert sorted(archive.assets) == ["app.py", "data.json", "pkg/util.py"]
    assert archive.assets["pkg/util.py"].path == str(tmp_path / "pkg" / "util.py")


def test_the_example_function_ships_its_handler_without_its_test() -> None:
    archive = code_archive(str(PROJECT_DIR / "functions" / "hello"))
    assert sorted(archive.assets) == ["app.py"]


BAD_FUNCTIONS = [
    pytest.param(
        {"hello": {**HELLO, "runtime": "python3.8"}},
        "functions.hello: runtime 'python3.8' is no Lambda runtime; one of nodejs24.x",
        id="unsupported-runtime",
    ),
    pytest.param(
        {"hello": {**HELLO, "image": IMAGE}},
        "functions.hello: set exactly one of code (with handler and runtime) or image",
        id="code-and-image",
    ),
    pytest.param(
        {"hello": {"memory": 512}},
        "functions.hello: set exactly one of code (with handler and runtime) or image",
        id="neither-code-nor-image",
    ),
    pytest.param(
        {"hello": {"code": "functions/hello"}},
        "functions.hello: code needs a handler and a runtime",
        id="code-without-handler",
    ),
    pytest.param(
        {"hello": {**HELLO, "code": "functions/missing"}},
        "functions.hello.code: no directory 'functions/missing' in the project",
        id="code-dir-missing",
    ),
    pytest.param(
        {"hello": {**HELLO, "code": "../elsewhere"}},
        "functions.hello.code: expected a directory inside the repository",
        id="code-outside-the-repository",
    ),
    pytest.param(
        {"hello": {"image": f"{IMAGE.rsplit(':', 1)[0]}:latest"}},
        "functions.hello.image: pin a tag or digest",
        id="image-latest",
    ),
    pytest.param(
        {"hello": {**HELLO, "timeout": 901}},
        "functions.hello.timeout: must be 900 or less",
        id="timeout-over-15-minutes",
    ),
]


@pytest.mark.parametrize(("functions", "message"), BAD_FUNCTIONS)
def test_bad_function_config_is_one_line_naming_the_key(functions: dict, message: str) -> None:
    with pytest.raises(stack_config.ConfigError) as raised:
        load("prd", functions=functions)
    assert str(raised.value).startswith(f"Pulumi.prd.yaml: webplatform:{message}"), raised.value
