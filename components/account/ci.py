"""The roles GitHub Actions assumes through the account's OIDC provider: no access keys.

The preview role (pull requests) reads the state and takes the state lock, nothing else; the
deploy role (jobs of the named GitHub environments) writes the state and creates the stacks'
resources.
"""

from collections.abc import Sequence
from typing import Any, TypedDict

import pulumi
import pulumi_aws as aws

GITHUB_ISSUER = "token.actions.githubusercontent.com"
GITHUB_AUDIENCE = "sts.amazonaws.com"
SESSION_SECONDS = 3600
LOCKS_PREFIX = ".pulumi/locks/"
"""Where the S3 backend writes a stack's lock, for previews as for updates."""


class CiRolesArgs(TypedDict):
    name_prefix: str
    """`<project>`: the roles are `<name_prefix>-ci-preview` and `<name_prefix>-ci-deploy`, and
    the deploy role manages only IAM roles named `<name_prefix>-*`."""
    account_id: str
    """The account the roles live in."""
    repository: str
    """`owner/name` of the GitHub repository whose workflows assume the roles."""
    deploy_environments: Sequence[str]
    """GitHub environments whose jobs may assume the deploy role."""
    deploy_policy_arns: Sequence[str]
    """AWS managed policies the deploy role holds to create the stacks' resources."""
    state_bucket_name: str
    """The Pulumi state bucket."""
    state_key_arn: pulumi.Input[str]
    """The key of the state bucket and of the secrets provider."""


def trust_policy(provider_arn: pulumi.Input[str], subjects: Sequence[str]) -> dict[str, Any]:
    """Web identity from GitHub's OIDC provider, for the STS audience and the given subjects
    (`repo:<owner>/<name>:pull_request`, `repo:<owner>/<name>:environment:<name>`)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": provider_arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        f"{GITHUB_ISSUER}:aud": GITHUB_AUDIENCE,
                        f"{GITHUB_ISSUER}:sub": list(subjects),
                    }
                },
            }
        ],
    }


def state_statements(
    bucket_name: str, key_arn: pulumi.Input[str], write: bool
) -> list[dict[str, Any]]:
    """Read the state and take its lock (`write` false), or read and write all of it; use the
    state key for the bucket's objects and the stacks' secrets."""
    bucket_arn = f"arn:aws:s3:::{bucket_name}"
    writable = f"{bucket_arn}/*" if write else f"{bucket_arn}/{LOCKS_PREFIX}*"
    key_actions = ["kms:Decrypt", "kms:GenerateDataKey"] + (["kms:Encrypt"] if write else [])
    return [
        {
            "Sid": "ListState",
            "Effect": "Allow",
            "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
            "Resource": bucket_arn,
        },
        {
            "Sid": "ReadState",
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": f"{bucket_arn}/*",
        },
        {
            "Sid": "WriteState" if write else "TakeTheLock",
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:DeleteObject"],
            "Resource": writable,
        },
        {"Sid": "UseTheStateKey", "Effect": "Allow", "Action": key_actions, "Resource": key_arn},
    ]


def project_iam_statements(name_prefix: str, account_id: str) -> list[dict[str, Any]]:
    """IAM for the stacks' own roles and instance profiles (`<name_prefix>-*`) and the service
    roles AWS links; never the CI roles themselves, so the deploy role cannot widen itself."""
    iam = f"arn:aws:iam::{account_id}"
    return [
        {
            "Sid": "ProjectRoles",
            "Effect": "Allow",
            "Action": "iam:*",
            "Resource": [f"{iam}:role/{name_prefix}-*", f"{iam}:instance-profile/{name_prefix}-*"],
        },
        {
            "Sid": "ServiceLinkedRoles",
            "Effect": "Allow",
            "Action": "iam:CreateServiceLinkedRole",
            "Resource": f"{iam}:role/aws-service-role/*",
        },
        {
            "Sid": "NotTheCiRoles",
            "Effect": "Deny",
            "Action": "iam:*",
            "Resource": f"{iam}:role/{name_prefix}-ci-*",
        },
    ]


class CiRoles(pulumi.ComponentResource):
    """GitHub's OIDC provider and the preview and deploy roles."""

    provider_arn: pulumi.Output[str]
    """The OIDC provider's ARN."""
    preview_role_arn: pulumi.Output[str]
    """For pull requests: the `<STACK>_PREVIEW_ROLE_ARN` variable of the repository."""
    deploy_role_arn: pulumi.Output[str]
    """For main, through the environments: the `<STACK>_DEPLOY_ROLE_ARN` variable."""

    def __init__(
        self, name: str, args: CiRolesArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("webplatform:account:CiRoles", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        prefix, repository = args["name_prefix"], args["repository"]
        provider = aws.iam.OpenIdConnectProvider(
            f"{name}-github",
            url=f"https://{GITHUB_ISSUER}",
            client_id_lists=[GITHUB_AUDIENCE],
            opts=child,
        )
        deployers = [f"repo:{repository}:environment:{e}" for e in args["deploy_environments"]]
        roles = {
            "preview": ([f"repo:{repository}:pull_request"], False),
            "deploy": (deployers, True),
        }
        made: dict[str, aws.iam.Role] = {}
        for kind, (subjects, write) in roles.items():
            role = aws.iam.Role(
                f"{name}-{kind}",
                name=f"{prefix}-ci-{kind}",
                description=f"GitHub Actions ({repository}): {kind} the stacks",
                assume_role_policy=pulumi.Output.json_dumps(trust_policy(provider.arn, subjects)),
                max_session_duration=SESSION_SECONDS,
                opts=child,
            )
            statements = state_statements(args["state_bucket_name"], args["state_key_arn"], write)
            if write:
                statements += project_iam_statements(prefix, args["account_id"])
            aws.iam.RolePolicy(
                f"{name}-{kind}",
                role=role.id,
                policy=pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": statements}),
                opts=child,
            )
            made[kind] = role
        for arn in args["deploy_policy_arns"]:
            aws.iam.RolePolicyAttachment(
                f"{name}-deploy-{arn.rsplit('/', 1)[-1]}",
                role=made["deploy"].name,
                policy_arn=arn,
                opts=child,
            )

        self.provider_arn = provider.arn
        self.preview_role_arn = made["preview"].arn
        self.deploy_role_arn = made["deploy"].arn
        self.register_outputs(
            {
                "provider_arn": self.provider_arn,
                "preview_role_arn": self.preview_role_arn,
                "deploy_role_arn": self.deploy_role_arn,
            }
        )
