"""The pipeline layer's part of the stack config: where the source is, how images are kept,
and how a new image reaches the services (rolling or CodeDeploy blue/green).

Tier defaults for these keys live with the others in `components.config.TIER_DEFAULTS`.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from components.config.base import NAME_MAX, Model, aws, cidr_blocks
from components.config.edge import service_shape
from components.config.observability import PUT_METRIC_ALARM

DeployStyle = Literal["rolling", "blueGreen"]

CONNECTION_ARN = (
    r"^arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:\d{12}"
    r":connection/[0-9a-f-]{36}$"
)
# CodeDeploy's predefined ECS traffic-shifting configurations, by (type, percent, minutes).
PREDEFINED_TRAFFIC = {
    ("allAtOnce", 100, 0): "CodeDeployDefault.ECSAllAtOnce",
    ("linear", 10, 1): "CodeDeployDefault.ECSLinear10PercentEvery1Minutes",
    ("linear", 10, 3): "CodeDeployDefault.ECSLinear10PercentEvery3Minutes",
    ("canary", 10, 5): "CodeDeployDefault.ECSCanary10Percent5Minutes",
    ("canary", 10, 15): "CodeDeployDefault.ECSCanary10Percent15Minutes",
}
# CodeBuild's on-demand EC2 sizes: both environments the builds use (ARM_CONTAINER for arm64,
# LINUX_CONTAINER for x86_64) take every BUILD_GENERAL1_* size of botocore's ComputeType enum
# ("Build environment compute modes and types", table "About environment types"); the Lambda
# and fleet types (BUILD_LAMBDA_*, ATTRIBUTE_BASED_COMPUTE, ...) are other environments.
CODEBUILD_COMPUTE = (
    "https://docs.aws.amazon.com/codebuild/latest/userguide/build-env-ref-compute-types.html"
)
ECR_LIFECYCLE = (
    "https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_parameters.html"
)
CODEDEPLOY_TERMINATION = "https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_BlueInstanceTerminationOption.html"
ALB_LISTENERS = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-listeners.html"
CONNECTIONS = "https://docs.aws.amazon.com/dtconsole/latest/userguide/connections.html"
CODEPIPELINE_API = "https://docs.aws.amazon.com/codepipeline/latest/APIReference"
CODEDEPLOY_API = "https://docs.aws.amazon.com/codedeploy/latest/APIReference"
# The pipeline's push trigger takes the branch as a branch pattern and `<context>/**` as a
# file path pattern (botocore's GitBranchNamePattern, GitFilePathPattern: 1-255 characters,
# globs); a path segment of plain characters matches itself only.
SEGMENT = r"[A-Za-z0-9._-]+"
TRIGGER_SUFFIX = "/**"


def trigger_pattern_max(shape: str) -> int:
    """The length botocore's codepipeline allows a trigger's branch or file path pattern."""
    return int(service_shape("codepipeline", shape)["max"])


def build_compute_types() -> list[str]:
    """The on-demand EC2 compute types of botocore's codebuild ComputeType enum."""
    enum = service_shape("codebuild", "ComputeType")["enum"]
    return [kind for kind in enum if kind.startswith("BUILD_GENERAL1_")]


class SourceConfig(Model):
    """`pipeline.source`: the GitHub repository every service is built from."""

    repository: str = Field(
        description="GitHub `owner/name`: the source action's FullRepositoryId (GitHub's own "
        "limits: an owner of 1-39 letters, digits and -, a name of 1-100 letters, digits, . _ -)",
        json_schema_extra=aws(
            "https://docs.aws.amazon.com/codepipeline/latest/userguide/"
            "action-reference-CodestarConnectionSource.html"
        ),
    )
    branch: str = Field(
        "main",
        description="Commits to this branch start the pipelines: the source action's BranchName "
        "and the push trigger's branch pattern (1-255 characters), without glob characters",
        json_schema_extra=aws(f"{CODEPIPELINE_API}/API_GitBranchFilterCriteria.html"),
    )
    connection_arn: str | None = Field(
        None,
        pattern=CONNECTION_ARN,
        json_schema_extra=aws(CONNECTIONS),
        description="An existing CodeStar connection; none: the layer creates one, which an "
        "administrator completes once in the console (see the README).",
    )
    context: str = Field(
        "services/{service}",
        description="The Docker build context in the repository; `{service}` is replaced by "
        "the service's (or job's) name. Plain path segments (letters, digits, . _ -, no . or "
        "..), as `<context>/**` is the push trigger's file path pattern (255 characters with "
        "the longest name)",
        json_schema_extra=aws(f"{CODEPIPELINE_API}/API_GitFilePathFilterCriteria.html"),
    )

    @field_validator("repository")
    @classmethod
    def _check_repository(cls, name: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9-]{1,39}/[A-Za-z0-9._-]{1,100}", name):
            raise ValueError(f"expected a GitHub repository as owner/name, got {name!r}")
        return name

    @field_validator("branch")
    @classmethod
    def _check_branch(cls, branch: str) -> str:
        limit = trigger_pattern_max("GitBranchNamePattern")
        if not re.fullmatch(rf"[A-Za-z0-9._/-]{{1,{limit}}}", branch) or ".." in branch:
            raise ValueError(f"expected a branch name such as main, got {branch!r}")
        return branch

    @field_validator("context")
    @classmethod
    def _check_context(cls, context: str) -> str:
        segments = context.replace("{service}", "x").split("/")
        if any(not re.fullmatch(SEGMENT, s) or s in (".", "..") for s in segments):
            raise ValueError(f"expected a directory inside the repository, got {context!r}")
        longest = len(context.replace("{service}", "x" * NAME_MAX) + TRIGGER_SUFFIX)
        limit = trigger_pattern_max("GitFilePathPattern")
        if longest > limit:
            raise ValueError(
                f"{context}{TRIGGER_SUFFIX} is {longest} characters with a {NAME_MAX}-character "
                f"name; a trigger's file path pattern takes {limit}"
            )
        return context


class TrafficConfig(Model):
    """`pipeline.traffic`: how CodeDeploy shifts production traffic to the new tasks."""

    type: Literal["canary", "linear", "allAtOnce"] = Field(
        description="canary: `percent` first, the rest after `minutes`; linear: `percent` "
        "more every `minutes`; allAtOnce (TimeBasedCanary, TimeBasedLinear, AllAtOnce).",
        json_schema_extra=aws(f"{CODEDEPLOY_API}/API_TrafficRoutingConfig.html"),
    )
    percent: int = Field(
        10,
        ge=1,
        le=99,
        description="Share of traffic per step: an integer percentage (AWS documents no "
        "range; 0 shifts nothing, 100 is allAtOnce)",
        json_schema_extra=aws(f"{CODEDEPLOY_API}/API_TimeBasedCanary.html"),
    )
    minutes: int = Field(
        5,
        ge=1,
        description="Minutes between steps: an integer (AWS documents no maximum)",
        json_schema_extra=aws(f"{CODEDEPLOY_API}/API_TimeBasedLinear.html", "minutes"),
    )

    def settings(self) -> dict[str, object]:
        """The layer's traffic settings: the predefined configuration's name, or None with the
        type, percent and minutes of a custom one."""
        return {**self.model_dump(), "config_name": self.config_name()}

    def config_name(self) -> str | None:
        """The predefined `CodeDeployDefault.ECS...` configuration; None: a custom one."""
        if self.type == "allAtOnce":
            return PREDEFINED_TRAFFIC[("allAtOnce", 100, 0)]
        return PREDEFINED_TRAFFIC.get((self.type, self.percent, self.minutes))


class BlueGreenConfig(Model):
    """`pipeline.blueGreen`: the test listener and how long the old tasks stay."""

    test_listener_port: int = Field(
        8443,
        ge=1,
        le=65535,
        description="The first blue/green service's test listener; the next ones take the "
        "ports after it. Not 80 or 443 (the load balancer's own listeners)",
        json_schema_extra=aws(ALB_LISTENERS),
    )
    test_cidrs: list[str] = Field(
        default_factory=list,
        description="Addresses admitted to the test listeners: IPv4 CIDR blocks of security "
        "group rules (CidrIp), each once; not /0, as the test listener is not public",
        json_schema_extra=aws(
            "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AuthorizeSecurityGroupIngress.html"
        ),
    )
    termination_wait_minutes: int = Field(
        5,
        ge=0,
        le=2880,
        description="Minutes the old tasks keep running after the switch.",
        json_schema_extra=aws(CODEDEPLOY_TERMINATION, "minutes"),
    )
    rollback_5xx_count: int = Field(
        10,
        ge=1,
        alias="rollback5xxCount",
        description="Target 5xx responses in a minute that roll a deployment back: a count, "
        "the rollback alarms' Threshold",
        json_schema_extra=aws(PUT_METRIC_ALARM),
    )

    @field_validator("test_cidrs")
    @classmethod
    def _check_cidrs(cls, cidrs: list[str]) -> list[str]:
        for cidr, network in zip(cidrs, cidr_blocks(cidrs), strict=True):
            if network.version != 4:
                raise ValueError(f"expected IPv4 CIDR blocks, got {cidr!r}")
        return cidrs


class PipelineConfig(Model):
    """`<project>:pipeline`: images, builds and deployments."""

    source: SourceConfig | None = Field(
        None, description="The GitHub source; none: repositories only, images pushed by hand."
    )
    deploy: DeployStyle = Field(
        description="How web-facing services take a new image (a service may override it); "
        "services without a load balancer always deploy rolling (the ECS or CODE_DEPLOY "
        "deployment controller).",
        json_schema_extra=aws(
            "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentController.html"
        ),
    )
    approval: bool = Field(
        description="A manual approval action before the deploy stage.",
        json_schema_extra=aws(
            "https://docs.aws.amazon.com/codepipeline/latest/userguide/approvals.html"
        ),
    )
    keep_images: int = Field(
        ge=1,
        le=1000,
        description="Tagged images each repository keeps (a lifecycle countNumber, 1 or more).",
        json_schema_extra=aws(ECR_LIFECYCLE),
    )
    untagged_expire_days: int = Field(
        ge=1,
        le=3650,
        description="Days before an untagged image is deleted (sinceImagePushed, 1 or more).",
        json_schema_extra=aws(ECR_LIFECYCLE, "days"),
    )
    build_compute_type: str = Field(
        "BUILD_GENERAL1_SMALL",
        description="CodeBuild's size: a BUILD_GENERAL1_* type (ARM and x86 Linux take all five)",
        json_schema_extra=aws(CODEBUILD_COMPUTE),
    )
    build_timeout_minutes: int = Field(
        30,
        ge=5,
        le=2160,
        json_schema_extra=aws(
            "https://docs.aws.amazon.com/codebuild/latest/APIReference/API_CreateProject.html",
            "minutes",
        ),
    )
    traffic: TrafficConfig = Field(default_factory=lambda: TrafficConfig(type="canary"))
    blue_green: BlueGreenConfig = Field(default_factory=BlueGreenConfig)

    @field_validator("build_compute_type")
    @classmethod
    def _check_compute_type(cls, kind: str) -> str:
        allowed = build_compute_types()
        if kind not in allowed:
            raise ValueError(
                f"CodeBuild's ARM and Linux containers take {', '.join(allowed)}, got {kind!r}"
            )
        return kind
