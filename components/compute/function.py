"""A Lambda function: zipped from a directory of the repository or run from an image, with
its own log group, X-Ray tracing, an encrypted dead-letter queue for asynchronous
invocations, and a role that reaches only those."""

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from components.base import dead_letter_queue
from components.config.compute import package_files
from components.platform import Platform


class FunctionSettings(TypedDict):
    """What the stack config says of the function."""

    code: NotRequired[str | None]
    """A directory relative to the project root, zipped; set this or `image`."""
    image: NotRequired[str | None]
    """An image URI (ECR, same account and region); set this or `code`."""
    handler: NotRequired[str | None]
    """`module.function` for code; images name their own entry point."""
    runtime: NotRequired[str | None]
    """A supported runtime for code (checked in the config)."""
    architecture: str
    """Instruction set the function runs on."""
    memory: int
    """Memory in MiB; CPU scales with it."""
    timeout: int
    """Seconds an invocation may run."""
    reserved_concurrency: NotRequired[int | None]
    """Concurrency set aside for (and capping) this function; None shares the account pool."""
    environment: NotRequired[Mapping[str, pulumi.Input[str]]]
    """Environment variables (not secrets: those belong in SSM parameters)."""
    vpc: NotRequired[bool]
    """Attach the function to `subnet_ids` with `security_group_ids`."""


class FunctionArgs(TypedDict):
    platform: Platform
    """Name prefix, region, account, keys, log retention and protection."""
    settings: FunctionSettings
    """What the stack config says of the function."""
    name: str
    """The function's short name, from the config."""
    subnet_ids: NotRequired[pulumi.Input[Sequence[pulumi.Input[str]]]]
    """The app subnets, when `vpc` is on."""
    security_group_ids: NotRequired[Sequence[pulumi.Input[str]]]
    """The app security group, when `vpc` is on."""


class Function(pulumi.ComponentResource):
    """A Lambda function with its log group, dead-letter queue and execution role."""

    function_name: pulumi.Output[str]
    """The Lambda function's name."""
    arn: pulumi.Output[str]
    """The Lambda function's ARN."""
    role_arn: pulumi.Output[str]
    """The function's execution role."""
    log_group_name: pulumi.Output[str]
    """The function's log group."""
    dead_letter_queue_arn: pulumi.Output[str]
    """Asynchronous invocations that failed every retry land here."""
    dead_letter_queue_name: pulumi.Output[str]
    """That queue's name (the `QueueName` of its metrics)."""

    def __init__(
        self, name: str, args: FunctionArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("webplatform:compute:Function", name, None, opts)
        function_name = f"{args['platform']['name_prefix']}-{args['name']}"
        region, account = args["platform"]["region"], args["platform"]["account_id"]
        vpc = bool(args["settings"].get("vpc"))

        log_group = aws.cloudwatch.LogGroup(
            name,
            name=f"/aws/lambda/{function_name}",
            retention_in_days=args["platform"]["log_retention_days"],
            kms_key_id=args["platform"]["logs_key_arn"],
            opts=pulumi.ResourceOptions(parent=self),
        )
        queue = dead_letter_queue(
            f"{name}-dlq", f"{function_name}-lambda-dlq", args["platform"]["data_key_arn"], self
        )
        role = aws.iam.Role(
            name,
            name=f"{function_name}-lambda",
            description=f"Execution role of the Lambda function {function_name}",
            assume_role_policy=json.dumps(trust_policy(account)),
            opts=pulumi.ResourceOptions(parent=self),
        )
        policy = aws.iam.RolePolicy(
            name,
            role=role.id,
            policy=pulumi.Output.json_dumps(
                execution_policy(
                    log_group_arn=f"arn:aws:logs:{region}:{account}:log-group:/aws/lambda/"
                    f"{function_name}",
                    queue_arn=queue.arn,
                    data_kms_key_arn=args["platform"]["data_key_arn"],
                    vpc=vpc,
                )
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

        package: dict[str, Any]
        if args["settings"].get("image"):
            package = {"package_type": "Image", "image_uri": args["settings"]["image"]}
        else:
            package = {
                "package_type": "Zip",
                "code": code_archive(str(args["settings"].get("code"))),
                "handler": args["settings"].get("handler"),
                "runtime": args["settings"].get("runtime"),
            }
        optional: dict[str, Any] = {}
        if args["settings"].get("reserved_concurrency") is not None:
            optional["reserved_concurrent_executions"] = args["settings"]["reserved_concurrency"]
        if args["settings"].get("environment"):
            optional["environment"] = aws.lambda_.FunctionEnvironmentArgs(
                variables=dict(args["settings"]["environment"])
            )
        if vpc:
            optional["vpc_config"] = aws.lambda_.FunctionVpcConfigArgs(
                subnet_ids=args["subnet_ids"],
                security_group_ids=list(args["security_group_ids"]),
            )

        function = aws.lambda_.Function(
            name,
            name=function_name,
            role=role.arn,
            architectures=[args["settings"]["architecture"]],
            memory_size=args["settings"]["memory"],
            timeout=args["settings"]["timeout"],
            tracing_config=aws.lambda_.FunctionTracingConfigArgs(mode="Active"),
            dead_letter_config=aws.lambda_.FunctionDeadLetterConfigArgs(target_arn=queue.arn),
            logging_config=aws.lambda_.FunctionLoggingConfigArgs(
                log_format="Text", log_group=log_group.name
            ),
            **package,
            **optional,
            # The log group first, or Lambda makes its own: unencrypted and kept forever.
            # The policy first, or the first invocations cannot log or reach the queue.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[log_group, policy]),
        )

        self.function_name = function.name
        self.arn = function.arn
        self.role_arn = role.arn
        self.log_group_name = log_group.name
        self.dead_letter_queue_arn = queue.arn
        self.dead_letter_queue_name = queue.name
        self.register_outputs(
            {
                "function_name": self.function_name,
                "arn": self.arn,
                "role_arn": self.role_arn,
                "log_group_name": self.log_group_name,
                "dead_letter_queue_arn": self.dead_letter_queue_arn,
                "dead_letter_queue_name": self.dead_letter_queue_name,
            }
        )


def code_archive(directory: str) -> pulumi.AssetArchive:
    """The directory's files, relative to it, without tests and caches.

    The path is relative to the project root, the working directory of `pulumi` and of the
    offline plan.
    """
    if not Path(directory).is_dir():
        raise ValueError(f"no directory {directory!r} to package")
    files: dict[str, pulumi.Asset | pulumi.Archive] = {
        name: pulumi.FileAsset(str(path)) for name, path in package_files(directory).items()
    }
    return pulumi.AssetArchive(files)


def trust_policy(account_id: str) -> dict[str, Any]:
    """Lambda may assume the role for functions of this account only."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            }
        ],
    }


def execution_policy(
    *,
    log_group_arn: str,
    queue_arn: pulumi.Input[str],
    data_kms_key_arn: pulumi.Input[str],
    vpc: bool,
) -> dict[str, Any]:
    """What the function itself needs: its log group, X-Ray, its dead-letter queue (and the
    queue's key), and, in a VPC, the network interfaces Lambda manages for it.

    The log group exists before the function, so no logs:CreateLogGroup. X-Ray's write
    actions and the EC2 network-interface actions take no resource ARNs: AWS documents them
    on `*` (AWSXRayDaemonWriteAccess, AWSLambdaVPCAccessExecutionRole).
    """
    statements: list[dict[str, Any]] = [
        {
            "Sid": "WriteOwnLogGroup",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"{log_group_arn}:*",
        },
        {
            "Sid": "WriteTraces",
            "Effect": "Allow",
            "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
            "Resource": "*",
        },
        {
            "Sid": "SendToDeadLetterQueue",
            "Effect": "Allow",
            "Action": "sqs:SendMessage",
            "Resource": queue_arn,
        },
        {
            "Sid": "EncryptDeadLetters",
            "Effect": "Allow",
            "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
            "Resource": data_kms_key_arn,
        },
    ]
    if vpc:
        statements.append(
            {
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
        )
    return {"Version": "2012-10-17", "Statement": statements}
