"""The config of the account program (`bootstrap/`): what one AWS account needs before any
stack of the platform is deployed into it.

A stack file of that program (`bootstrap/Pulumi.<stack>.yaml`) holds keys in its project's
namespace and `aws:region`; `load_account` validates them and returns an `AccountConfig`, or
raises `ConfigError` with one line naming the stack file and the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import pulumi
from pydantic import Field, ValidationError

from components.config.base import ConfigError, Model
from components.config.stack import DEFAULT_REGION, _decode, _describe, _key_path

AwsManagedPolicyArn = Annotated[
    str, Field(pattern=r"^arn:aws:iam::aws:policy/[A-Za-z0-9+=,.@_/-]+$")
]


class StateConfig(Model):
    """The Pulumi state bucket and the key of the `awskms://` secrets provider."""

    noncurrent_version_days: int = Field(
        90, ge=1, description="Days the bucket keeps replaced state files (to roll back state)."
    )
    access_log_days: int = Field(
        365, ge=1, description="Days the access-logs bucket keeps S3 server access logs."
    )


class GithubConfig(Model):
    """Who may assume the CI roles: GitHub Actions jobs of one repository."""

    repository: str = Field(
        pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$",
        description="`owner/name` of the repository whose workflows deploy the stacks.",
    )
    deploy_environments: list[str] = Field(
        default_factory=lambda: ["development", "production"],
        min_length=1,
        description="GitHub environments whose jobs may assume the deploy role (the OIDC "
        "subject `repo:<repository>:environment:<name>`).",
    )
    deploy_policy_arns: list[AwsManagedPolicyArn] = Field(
        default_factory=lambda: ["arn:aws:iam::aws:policy/PowerUserAccess"],
        description="AWS managed policies the deploy role holds to create the stacks' "
        "resources; IAM is granted apart, on the project's own roles only.",
    )


class BaselineConfig(Model):
    """The account's security baseline, each piece switchable."""

    cloud_trail: bool = Field(True, description="A multi-region trail with log file validation.")
    guard_duty: bool = Field(True, description="A GuardDuty detector in the region.")
    security_hub: bool = Field(
        True, description="Security Hub with the Foundational Security Best Practices standard."
    )
    access_analyzer: bool = Field(True, description="An IAM Access Analyzer for the account.")
    trail_expire_days: int = Field(
        2557, ge=1, description="Days the trail bucket keeps log files (7 years by default)."
    )


class AccountConfig(Model):
    """Everything a stack file of the account program says, after validation."""

    project: str = Field(
        "webplatform",
        pattern=r"^[a-z][a-z0-9-]{1,19}$",
        description="The platform's project name: in tags, bucket and role names.",
    )
    environment: str = Field(
        "shared",
        pattern=r"^[a-z][a-z0-9-]{1,15}$",
        description="Environment tag of the account's own resources.",
    )
    owner: str = Field(min_length=1, description="Team that owns the account (Owner tag).")
    account_id: str = Field(pattern=r"^\d{12}$", description="The account to lay out.")
    region: str = Field(DEFAULT_REGION, pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
    protect: bool = Field(True, description="Pulumi `protect` on the keys and the buckets.")
    state: StateConfig = Field(default_factory=StateConfig)
    github: GithubConfig
    baseline: BaselineConfig = Field(default_factory=BaselineConfig)

    @property
    def name_prefix(self) -> str:
        """`<project>`: the account's resources serve every stack of the project."""
        return self.project


def load_account(project: str, stack: str, values: Mapping[str, str]) -> AccountConfig:
    """Validate the account program's config values (strings, JSON for objects)."""
    stack_file = f"Pulumi.{stack}.yaml"
    raw: dict[str, Any] = {}
    for full_key, value in values.items():
        namespace, _, key = full_key.partition(":")
        if full_key == "aws:region":
            raw["region"] = value
        elif namespace == project:
            raw[key] = _decode(value)
    try:
        return AccountConfig.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = error["loc"]
        key = "aws:region" if loc[:1] == ("region",) else f"{project}:{_key_path(loc)}"
        raise ConfigError(stack_file, key, _describe(error, loc, True, AccountConfig)) from None


def account_from_pulumi() -> AccountConfig:
    """Load the running account stack's config from the Pulumi runtime."""
    values: dict[str, str] = {
        **pulumi.runtime.config.get_config_env(),
        **pulumi.runtime.config.CONFIG.get(),
    }
    return load_account(pulumi.get_project(), pulumi.get_stack(), values)
