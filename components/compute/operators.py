"""The roles people run the operations CLI (`python -m ops`) with: `operator` may do every
day-two command on this stack, `observer` may only read its state and logs. Both are assumable
only with MFA, by the principals the stack config names (default: this account's IAM users and
roles that are allowed to assume them)."""

import json
from collections.abc import Sequence
from typing import Any, TypedDict

import pulumi
import pulumi_aws as aws

from components.platform import Platform

PORT_FORWARDING_DOCUMENT = "AWS-StartPortForwardingSessionToRemoteHost"


class OperatorsArgs(TypedDict):
    platform: Platform
    """Name prefix, region, account, keys, log retention and protection."""
    principals: Sequence[str]
    """IAM ARNs that may assume the roles; empty: the account (its IAM policies decide)."""
    cluster_arn: pulumi.Input[str]
    """The ECS cluster whose services they inspect and whose tasks they exec into."""
    parameter_path: str
    """`/<project>/<environment>`: the parameters the operator reads and writes."""
    ops_host_instance_id: pulumi.Input[str] | None
    """The operation host the operator forwards ports through; None: no host."""
    distribution_arn: pulumi.Input[str] | None
    """The CloudFront distribution the operator invalidates; None: no distribution."""


class Operators(pulumi.ComponentResource):
    """An operator and an observer role for this stack."""

    operator_role_arn: pulumi.Output[str]
    """Everything the operations CLI does: status, logs, parameters, jobs, exec, tunnels, alarm
    tests and CDN invalidations."""
    observer_role_arn: pulumi.Output[str]
    """Read only: status, alarms, logs, parameter names (never their values)."""

    def __init__(
        self, name: str, args: OperatorsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("webplatform:compute:Operators", name, None, opts)
        platform = args["platform"]
        trust = json.dumps(trust_policy(platform["account_id"], args["principals"]))
        roles = {}
        for kind in ("operator", "observer"):
            role = aws.iam.Role(
                f"{name}-{kind}",
                name=f"{platform['name_prefix']}-{kind}",
                assume_role_policy=trust,
                max_session_duration=3600,
                opts=pulumi.ResourceOptions(parent=self),
            )
            aws.iam.RolePolicy(
                f"{name}-{kind}",
                role=role.id,
                policy=pulumi.Output.all(
                    cluster=args["cluster_arn"],
                    host=args["ops_host_instance_id"],
                    distribution=args["distribution_arn"],
                    key=platform["secrets_key_arn"],
                    logs_key=platform["logs_key_arn"],
                ).apply(
                    lambda v, kind=kind: json.dumps(  # type: ignore[misc]
                        role_policy(
                            kind,
                            platform,
                            args["parameter_path"],
                            v["cluster"],
                            v["host"],
                            v["key"],
                            v["logs_key"],
                            v["distribution"],
                        )
                    )
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            roles[kind] = role
        self.operator_role_arn = roles["operator"].arn
        self.observer_role_arn = roles["observer"].arn
        self.register_outputs(
            {
                "operator_role_arn": self.operator_role_arn,
                "observer_role_arn": self.observer_role_arn,
            }
        )


def trust_policy(account_id: str, principals: Sequence[str]) -> dict[str, Any]:
    """The named principals (or this account) may assume the role, only with MFA."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": list(principals) or f"arn:aws:iam::{account_id}:root"},
                "Action": "sts:AssumeRole",
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
            }
        ],
    }


def role_policy(
    kind: str,
    platform: Platform,
    parameter_path: str,
    cluster_arn: str,
    ops_host_instance_id: str | None,
    secrets_key_arn: str,
    logs_key_arn: str,
    distribution_arn: str | None = None,
) -> dict[str, Any]:
    """What each command needs, on this stack's resources only. Describe and List calls that
    AWS authorises only on `*` are granted on `*`."""
    region, account, prefix = platform["region"], platform["account_id"], platform["name_prefix"]
    arn = f"{region}:{account}"
    cluster = cluster_arn.split("/")[-1]
    log_groups = [
        f"arn:aws:logs:{arn}:log-group:/ecs/{prefix}/*",
        f"arn:aws:logs:{arn}:log-group:/aws/lambda/{prefix}-*",
        f"arn:aws:logs:{arn}:log-group:/vpc/{prefix}/*",
    ]
    parameters = f"arn:aws:ssm:{arn}:parameter{parameter_path}/*"
    statements: list[dict[str, Any]] = [
        {
            "Sid": "StatusOfServicesAndAlarms",
            "Effect": "Allow",
            "Action": [
                "ecs:DescribeClusters",
                "ecs:DescribeServices",
                "ecs:DescribeTasks",
                "ecs:ListServices",
                "ecs:ListTasks",
                "ecs:DescribeTaskDefinition",
                "elasticloadbalancing:DescribeTargetHealth",
                "cloudwatch:DescribeAlarms",
                "logs:DescribeLogGroups",
                "logs:GetQueryResults",
                "ssm:DescribeParameters",
            ],
            "Resource": "*",
        },
        {
            "Sid": "ReadTheStacksLogs",
            "Effect": "Allow",
            "Action": [
                "logs:FilterLogEvents",
                "logs:GetLogEvents",
                "logs:DescribeLogStreams",
                "logs:StartQuery",
                "logs:StopQuery",
            ],
            "Resource": [*log_groups, *(f"{group}:*" for group in log_groups)],
        },
    ]
    if kind == "operator":
        statements += [
            {
                "Sid": "ReadAndWriteTheStacksParameters",
                "Effect": "Allow",
                "Action": [
                    "ssm:GetParameter",
                    "ssm:GetParameters",
                    "ssm:GetParametersByPath",
                    "ssm:PutParameter",
                    "ssm:DeleteParameter",
                ],
                "Resource": [parameters, f"arn:aws:ssm:{arn}:parameter{parameter_path}"],
            },
            {
                "Sid": "WithTheSecretsKeyThroughSsm",
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
                "Resource": secrets_key_arn,
                "Condition": {"StringEquals": {"kms:ViaService": f"ssm.{region}.amazonaws.com"}},
            },
            {
                "Sid": "RunJobsOnThisCluster",
                "Effect": "Allow",
                "Action": "ecs:RunTask",
                "Resource": f"arn:aws:ecs:{arn}:task-definition/{prefix}-*",
                "Condition": {"ArnEquals": {"ecs:cluster": cluster_arn}},
            },
            {
                "Sid": "TagTheTasksItRuns",
                "Effect": "Allow",
                "Action": "ecs:TagResource",
                "Resource": f"arn:aws:ecs:{arn}:task/{cluster}/*",
                "Condition": {"StringEquals": {"ecs:CreateAction": "RunTask"}},
            },
            {
                "Sid": "ExecIntoTasksOfThisCluster",
                "Effect": "Allow",
                "Action": "ecs:ExecuteCommand",
                "Resource": [f"arn:aws:ecs:{arn}:task/{cluster}/*", cluster_arn],
            },
            {
                "Sid": "EncryptExecSessions",
                "Effect": "Allow",
                "Action": "kms:GenerateDataKey",
                "Resource": logs_key_arn,
            },
            {
                "Sid": "PassTheStacksTaskRolesToEcs",
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": f"arn:aws:iam::{account}:role/{prefix}-*",
                "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
            },
            {
                "Sid": "TestTheStacksAlarms",
                "Effect": "Allow",
                "Action": "cloudwatch:SetAlarmState",
                "Resource": f"arn:aws:cloudwatch:{arn}:alarm:{prefix}-*",
            },
            {
                "Sid": "EndOwnSessions",
                "Effect": "Allow",
                "Action": ["ssm:TerminateSession", "ssm:ResumeSession"],
                "Resource": f"arn:aws:ssm:*:{account}:session/${{aws:userid}}-*",
            },
        ]
        if distribution_arn:
            statements.append(
                {
                    "Sid": "InvalidateTheStacksDistribution",
                    "Effect": "Allow",
                    "Action": ["cloudfront:CreateInvalidation", "cloudfront:GetInvalidation"],
                    "Resource": distribution_arn,
                }
            )
        if ops_host_instance_id:
            statements.append(
                {
                    "Sid": "ForwardPortsThroughTheOperationHost",
                    "Effect": "Allow",
                    "Action": "ssm:StartSession",
                    "Resource": [
                        f"arn:aws:ec2:{arn}:instance/{ops_host_instance_id}",
                        f"arn:aws:ssm:{region}::document/{PORT_FORWARDING_DOCUMENT}",
                    ],
                }
            )
    return {"Version": "2012-10-17", "Statement": statements}
