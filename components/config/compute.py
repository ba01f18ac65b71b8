"""The compute layer's part of the stack config: cluster, services, functions, jobs, and the
operation host.

Tier defaults for these keys live with the others in `components.config.TIER_DEFAULTS`.
"""

from __future__ import annotations

import datetime
import difflib
import re
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from components.config.aws_data import LAMBDA_RESERVED_VARIABLES, check_runtime
from components.config.base import Model, TimeZone, aws, platform
from components.config.edge import service_shape
from components.config.schedule import check_schedule

ENV_NAME = r"^[A-Z][A-Z0-9_]{0,63}$"
# An image given as a tag alone is in the pipeline's repository of the service (or job).
IMAGE_TAG = r"[\w][\w.-]{0,127}"

# Fargate's task sizes: CPU units to the memory (MiB) each allows.
FARGATE_MEMORY = {
    256: [512, 1024, 2048],
    512: list(range(1024, 4096 + 1, 1024)),
    1024: list(range(2048, 8192 + 1, 1024)),
    2048: list(range(4096, 16384 + 1, 1024)),
    4096: list(range(8192, 30720 + 1, 1024)),
    8192: list(range(16384, 61440 + 1, 4096)),
    16384: list(range(32768, 122880 + 1, 8192)),
}

FARGATE_SIZES = (
    "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html"
    "#fargate-tasks-size"
)
LAMBDA_QUOTAS = "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html"
SCHEDULER_RETRY = "https://docs.aws.amazon.com/scheduler/latest/APIReference/API_RetryPolicy.html"
ECS_HEALTH_CHECK = "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_HealthCheck.html"
ECS_API = "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/"
ECS_GUIDE = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/"
ECS_CONTAINER = ECS_API + "API_ContainerDefinition.html"
ECS_PLATFORM = ECS_API + "API_RuntimePlatform.html"
ECS_SECRETS = ECS_GUIDE + "specifying-sensitive-data.html"
ECS_AWSLOGS = ECS_GUIDE + "using_awslogs.html"
TARGET_TRACKING = (
    "https://docs.aws.amazon.com/autoscaling/application/APIReference/"
    "API_TargetTrackingScalingPolicyConfiguration.html"
)
LAMBDA_GUIDE = "https://docs.aws.amazon.com/lambda/latest/dg/"
LAMBDA_CREATE = "https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html"
STATES_RETRY = "https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html"
SCHEDULER_CREATE = (
    "https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateSchedule.html"
)

# The strftime tokens the awslogs driver turns into its multi-line start pattern; any other
# token silently becomes nothing, so no line would start an event as intended (moby's
# daemon/logger/awslogs `strftimeToRegex`, the driver ECS runs: "Using the awslogs log driver",
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using_awslogs.html).
AWSLOGS_DATETIME_TOKENS = frozenset("aAwdbBmYyHIpMSfzZjL")
# Lambda's limit on a function's environment variables, names and values together ("Lambda
# quotas", https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
LAMBDA_ENVIRONMENT_BYTES = 4096
# Lambda's limits on a .zip package: 250 MB unzipped, and 50 MB zipped when it is uploaded
# through the API, as the provider does ("Lambda quotas").
LAMBDA_UNZIPPED_BYTES = 250 * 1024 * 1024
LAMBDA_UPLOAD_BYTES = 50 * 1024 * 1024
# Left out of a code archive: test modules and interpreter caches, which would otherwise
# change the archive's hash (and redeploy the function) whenever the tests run.
EXCLUDED_DIRS = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", "tests"}
EXCLUDED_SUFFIXES = (".pyc", ".pyo")
# Runtimes whose handler is `<file>.<function>` ("Define Lambda function handler in Python",
# Node.js, Ruby: https://docs.aws.amazon.com/lambda/latest/dg/python-handler.html).
FILE_DOT_FUNCTION_RUNTIMES = ("python", "nodejs", "ruby")
SSM_NAME_MAX = 1011
SSM_NAME_LEVELS = 15  # "Parameter hierarchies are limited to a maximum depth of fifteen levels"
# IAM user and role names ("IAM object quotas",
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html; botocore's iam
# roleNameType and userNameType).
IAM_NAME_MAX = 64
IAM_QUOTAS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html"


def package_files(directory: str) -> dict[str, Path]:
    """The files of a function's code archive by their path in it: the directory's files
    without tests and caches."""
    root = Path(directory)
    files = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if not path.is_file() or EXCLUDED_DIRS.intersection(relative.parts[:-1]):
            continue
        if path.suffix in EXCLUDED_SUFFIXES or _is_test_module(path.name):
            continue
        files[relative.as_posix()] = path
    return files


def _is_test_module(filename: str) -> bool:
    return filename == "conftest.py" or (
        filename.endswith(".py") and (filename.startswith("test_") or filename.endswith("_test.py"))
    )


class _ByteCounter:
    """A write-only stream that keeps only how many bytes went through it."""

    def __init__(self) -> None:
        self.size = 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass


def zipped_size(files: Mapping[str, Path]) -> int:
    """The size of the files as a deflated .zip archive, which is what Lambda is sent."""
    counter = _ByteCounter()
    with zipfile.ZipFile(counter, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, path in files.items():
            archive.write(path, name)
    return counter.size


def _check_image(image: str) -> str:
    # ECS takes 255 characters before a digest's @, and a digest's hex in either case
    # (ContainerDefinition `image`).
    name = image.split("@")[0]
    if len(name) > 255:
        raise ValueError(f"an image name takes 255 characters at most, got {len(name)}")
    if not re.fullmatch(
        r"[a-z0-9][a-z0-9._/:-]*(:[\w][\w.-]{0,127}|@sha256:[A-Fa-f0-9]{64})", image
    ):
        raise ValueError(f"expected an image with a tag or digest, got {image!r}")
    if image.endswith(":latest"):
        raise ValueError("pin a tag or digest: 'latest' moves under a running service")
    return image


def _check_env_names(values: dict[str, str]) -> dict[str, str]:
    for name in values:
        if not re.fullmatch(ENV_NAME, name):
            raise ValueError(f"{name!r} is not an UPPER_CASE variable name")
    return values


def ssm_name_problem(name: str) -> str | None:
    """What Parameter Store refuses in a parameter name, or None ("Requirements and constraints
    for parameter names", PutParameter's naming constraints:
    https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html)."""
    if not re.fullmatch(r"(/[a-zA-Z0-9_.-]+)+", name):
        return f"{name!r}: a parameter name is /-separated parts of a-z A-Z 0-9 _ . -"
    if name.split("/")[1].lower().startswith(("aws", "ssm")):
        return f"{name!r}: a parameter name may not begin with aws or ssm (reserved for AWS)"
    if len(name) > SSM_NAME_MAX:
        return f"{name!r}: a parameter name takes {SSM_NAME_MAX} characters at most"
    if name.count("/") > SSM_NAME_LEVELS:
        return f"{name!r}: a parameter hierarchy is {SSM_NAME_LEVELS} levels deep at most"
    return None


def secret_arn_problem(arn: str) -> str | None:
    """What keeps the execution role from reading the Secrets Manager secret `arn` (as ECS's
    `valueFrom` takes it, optionally with `:json-key:version-stage:version-id`), or None.

    The role's policy names the secret's ARN, and IAM matches it against the full ARN, which
    ends in the hyphen and 6 characters Secrets Manager adds to the name: a partial ARN names
    a secret IAM never matches."""
    parts = arn.split(":")
    if len(parts) not in (7, 10) or parts[5] != "secret" or not re.fullmatch(r"\d{12}", parts[4]):
        return (
            "expected arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>"
            "[:<json-key>:<version-stage>:<version-id>]"
        )
    if not re.fullmatch(r"[\w/+=.@-]+-[A-Za-z0-9]{6}", parts[6]):
        return (
            f"{parts[6]!r} lacks the -<6 characters> Secrets Manager adds to a secret's name; "
            "give the full ARN (the execution role's policy must name it)"
        )
    return None


def _check_image_or_tag(image: str) -> str:
    if image == "latest":
        raise ValueError("pin a tag: 'latest' moves under a running service")
    return image if re.fullmatch(IMAGE_TAG, image) else _check_image(image)


Image = Annotated[str, AfterValidator(_check_image)]
ImageOrTag = Annotated[str, AfterValidator(_check_image_or_tag)]
EnvNames = Annotated[dict[str, str], AfterValidator(_check_env_names)]


CPU_UNITS = "CPU units: 1024 = 1 vCPU, 256 = 0.25 vCPU"
MIB = "MiB: 1024 = 1 GB"


def _vcpu(cpu: int) -> str:
    return f"{cpu / 1024:g} vCPU"


def check_fargate_size(cpu: int, memory: int) -> None:
    """Fargate's task sizes: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size"""
    if cpu not in FARGATE_MEMORY:
        sizes = ", ".join(f"{c} ({_vcpu(c)})" for c in FARGATE_MEMORY)
        raise ValueError(f"cpu {cpu} is not a Fargate size; in CPU units (1024 = 1 vCPU): {sizes}")
    allowed = FARGATE_MEMORY[cpu]
    if memory not in allowed:
        sizes = (
            f"{allowed[0]}-{allowed[-1]} in steps of {allowed[1] - allowed[0]}"
            if len(allowed) > 3
            else ", ".join(map(str, allowed))
        )
        raise ValueError(
            f"memory {memory} MiB does not go with cpu {cpu} ({_vcpu(cpu)}) on Fargate; "
            f"it takes {sizes} MiB"
        )


class ClusterConfig(Model):
    """`<project>:cluster`."""

    prefer_spot: bool = Field(
        description="Run x86_64 tasks on FARGATE_SPOT (cheaper, preemptible); arm64 tasks stay on "
        "FARGATE, which Fargate Spot does not take",
        json_schema_extra=aws(ECS_GUIDE + "fargate-capacity-providers.html"),
    )


class HealthCheckConfig(Model):
    """A container health check, in ECS's ranges (botocore's ecs HealthCheck documents them)."""

    command: list[str] = Field(
        min_length=2,
        description="CMD or CMD-SHELL, then the command, e.g. [CMD-SHELL, curl -f localhost]",
        json_schema_extra={"source": ECS_HEALTH_CHECK},
    )
    interval_seconds: int = Field(
        30, ge=5, le=300, json_schema_extra={"unit": "seconds", "source": ECS_HEALTH_CHECK}
    )
    timeout_seconds: int = Field(
        5, ge=2, le=60, json_schema_extra={"unit": "seconds", "source": ECS_HEALTH_CHECK}
    )
    retries: int = Field(3, ge=1, le=10, json_schema_extra={"source": ECS_HEALTH_CHECK})
    start_period_seconds: int = Field(
        60, ge=0, le=300, json_schema_extra={"unit": "seconds", "source": ECS_HEALTH_CHECK}
    )

    @field_validator("command")
    @classmethod
    def _check_command(cls, command: list[str]) -> list[str]:
        if command[0] not in ("CMD", "CMD-SHELL"):
            raise ValueError(f"starts with CMD or CMD-SHELL (ECS runs it so), got {command[0]!r}")
        return command


class AutoscalingConfig(Model):
    """Target tracking on ECSServiceAverageCPUUtilization, ...MemoryUtilization and
    ALBRequestCountPerTarget."""

    cpu_percent: int | None = Field(
        60, ge=10, le=95, description="Average CPU to hold", json_schema_extra=aws(TARGET_TRACKING)
    )
    memory_percent: int | None = Field(
        None, ge=10, le=95, description="Average memory to hold",
        json_schema_extra=aws(TARGET_TRACKING),
    )  # fmt: skip
    requests_per_target: int | None = Field(
        None,
        ge=1,
        description="Requests per task per minute to hold; a service the load balancer routes "
        "to (the metric is its target group's)",
        json_schema_extra=aws(TARGET_TRACKING),
    )

    def scales(self) -> bool:
        """Whether any target tracking policy is set."""
        return any(
            target is not None
            for target in (self.cpu_percent, self.memory_percent, self.requests_per_target)
        )


class ServiceConfig(Model):
    """One entry of `<project>:services`: an ECS Fargate service."""

    image: ImageOrTag = Field(
        description="A tag of the pipeline's repository of the service (the commit id the "
        "pipeline built), or a full image URI with a tag or digest (255 characters at most)",
        json_schema_extra=aws(ECS_CONTAINER),
    )
    architecture: Literal["arm64", "x86_64"] = Field(
        "arm64",
        description="The platform the image is built for (arm64: Graviton)",
        json_schema_extra=aws(ECS_PLATFORM),
    )
    deploy: Literal["rolling", "blueGreen"] | None = Field(
        None,
        description="Overrides pipeline.deploy for this service (ECS or CODE_DEPLOY controller)",
        json_schema_extra=aws(ECS_API + "API_DeploymentController.html"),
    )
    cpu: int = Field(
        512, description="A Fargate size", json_schema_extra=aws(FARGATE_SIZES, CPU_UNITS)
    )
    memory: int = Field(
        1024, description="One that goes with cpu", json_schema_extra=aws(FARGATE_SIZES, MIB)
    )
    port: int | None = Field(
        None,
        ge=1,
        le=65535,
        description="The container port, set for a web-facing service",
        json_schema_extra=aws(ECS_API + "API_PortMapping.html"),
    )
    health_check_path: str = Field(
        "/health",
        max_length=1024,
        pattern=r"^/[\x21-\x7e]*$",
        description="The target group's health check path",
        json_schema_extra=aws(
            "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/"
            "API_CreateTargetGroup.html"
        ),
    )
    command: list[str] | None = Field(
        None, description="Overrides the image's command", json_schema_extra=aws(ECS_CONTAINER)
    )
    environment: EnvNames = Field(
        default_factory=dict,
        description="Plain variables; a name ECS also injects as a secret is refused",
        json_schema_extra=aws(ECS_CONTAINER),
    )
    secrets: EnvNames = Field(
        default_factory=dict,
        description="Variable name to an SSM parameter name (/...) or a full Secrets Manager "
        "ARN (with its 6-character suffix) of this stack's region and account, which the "
        "execution role reads (ssm:GetParameters, secretsmanager:GetSecretValue, kms:Decrypt "
        "with the stack's secrets key)",
        json_schema_extra=aws(ECS_SECRETS),
    )
    health_check: HealthCheckConfig | None = None
    desired_count: int = Field(
        2,
        ge=0,
        le=100,
        description="Tasks at deploy; up to 100 here (ECS takes 5,000 tasks per service)",
        json_schema_extra=aws(ECS_GUIDE + "service-quotas.html"),
    )
    min_count: int = Field(
        2, ge=0, le=100, description="Autoscaling's MinCapacity",
        json_schema_extra=aws(ECS_GUIDE + "service-quotas.html"),
    )  # fmt: skip
    max_count: int = Field(
        6, ge=1, le=100, description="Autoscaling's MaxCapacity",
        json_schema_extra=aws(ECS_GUIDE + "service-quotas.html"),
    )  # fmt: skip
    autoscaling: AutoscalingConfig = Field(default_factory=AutoscalingConfig)
    readonly_root_filesystem: bool = Field(True, json_schema_extra=aws(ECS_CONTAINER))
    log_datetime_format: str | None = Field(
        None,
        description="awslogs-datetime-format: a line starting so begins a new event; strftime "
        "tokens %a %A %w %d %b %B %m %Y %y %H %I %p %M %S %f %z %Z %j %L",
        json_schema_extra=aws(ECS_AWSLOGS),
    )
    tables: list[str] = Field(
        default_factory=list,
        description="DynamoDB tables (short names) it reads and writes",
        json_schema_extra=platform("names tables of this stack's `tables`"),
    )
    buckets: list[Literal["assets", "log-archive"]] = Field(
        default_factory=list, json_schema_extra=platform("names buckets this stack makes")
    )

    @field_validator("secrets")
    @classmethod
    def _check_secrets(cls, secrets: dict[str, str]) -> dict[str, str]:
        for name, source in secrets.items():
            if source.startswith("/"):
                problem = ssm_name_problem(source)
            elif source.startswith("arn:aws:secretsmanager:"):
                problem = secret_arn_problem(source)
            else:
                problem = "expected an SSM parameter name (/...) or a Secrets Manager ARN"
            if problem:
                raise ValueError(f"{name}: {problem}")
        return secrets

    @field_validator("log_datetime_format")
    @classmethod
    def _check_datetime_format(cls, text: str | None) -> str | None:
        for token in re.findall(r"%(.)", text or ""):
            if token not in AWSLOGS_DATETIME_TOKENS:
                tokens = " ".join("%" + t for t in sorted(AWSLOGS_DATETIME_TOKENS))
                raise ValueError(
                    f"%{token} is no token the awslogs driver reads; it takes {tokens}"
                )
        return text

    @model_validator(mode="after")
    def _consistent(self) -> ServiceConfig:
        check_fargate_size(self.cpu, self.memory)
        if not self.min_count <= self.desired_count <= self.max_count:
            raise ValueError(
                f"expected minCount <= desiredCount <= maxCount, got "
                f"{self.min_count}, {self.desired_count}, {self.max_count}"
            )
        if self.autoscaling.requests_per_target and self.port is None:
            raise ValueError("requestsPerTarget scaling needs a web-facing service (a port)")
        if self.min_count == 0 and self.autoscaling.scales():
            # "A target tracking scaling policy does not perform scaling when the specified
            # metric has insufficient data" (service-autoscaling-targettracking.html): no task,
            # no metric, so the service would never start one.
            raise ValueError(
                "minCount 0: target tracking has no metric without a task and never starts one; "
                "set minCount 1 or more, or no autoscaling targets"
            )
        return self


class FunctionConfig(Model):
    """One entry of `<project>:functions`: a Lambda function."""

    code: str | None = Field(
        None,
        description="A directory of this repository, zipped; 250 MB unzipped at most",
        json_schema_extra=aws(LAMBDA_GUIDE + "gettingstarted-limits.html"),
    )
    handler: str | None = Field(
        None,
        max_length=128,
        pattern=r"^\S+$",
        description="<file>.<function> for Python, Node.js and Ruby (botocore's Handler shape)",
        json_schema_extra=aws(LAMBDA_CREATE),
    )
    runtime: str | None = Field(
        None,
        description=(
            "A Lambda runtime Lambda creates functions on (components/config/aws_data.py; "
            "a warning once it is deprecated)"
        ),
        json_schema_extra=aws("https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html"),
    )
    image: Image | None = Field(
        None,
        description="An image of a private ECR repository in the stack's region",
        json_schema_extra=aws(LAMBDA_GUIDE + "images-create.html"),
    )
    architecture: Literal["arm64", "x86_64"] = Field(
        "arm64", json_schema_extra=aws(LAMBDA_GUIDE + "foundation-arch.html")
    )
    memory: int = Field(256, ge=128, le=10240, json_schema_extra=aws(LAMBDA_QUOTAS, "MB"))
    timeout: int = Field(30, ge=1, le=900, json_schema_extra=aws(LAMBDA_QUOTAS, "seconds"))
    reserved_concurrency: int | None = Field(
        None,
        ge=0,
        description="0 stops every invocation; the account keeps 100 unreserved (its quota "
        "is not known offline)",
        json_schema_extra=aws(LAMBDA_GUIDE + "configuration-concurrency.html"),
    )
    vpc: bool = Field(
        False,
        description="Attach to the app subnets with the app group (AWS services then only "
        "through NAT or endpoints)",
        json_schema_extra=aws(LAMBDA_GUIDE + "configuration-vpc.html"),
    )
    environment: EnvNames = Field(
        default_factory=dict,
        description="4 KB at most, names and values; none the runtime sets",
        json_schema_extra=aws(LAMBDA_GUIDE + "configuration-envvars.html"),
    )

    @field_validator("code")
    @classmethod
    def _check_code(cls, path: str | None) -> str | None:
        if path is not None and (path.startswith("/") or ".." in path.split("/")):
            raise ValueError(f"expected a directory inside the repository, got {path!r}")
        return path

    @model_validator(mode="after")
    def _consistent(self) -> FunctionConfig:
        if (self.code is None) == (self.image is None):
            raise ValueError("set exactly one of code (with handler and runtime) or image")
        if self.code is not None:
            if not self.handler or not self.runtime:
                raise ValueError("code needs a handler and a runtime")
            problem = check_runtime(self.runtime, datetime.date.today())
            if problem:
                raise ValueError(problem)
            if self.runtime.startswith(FILE_DOT_FUNCTION_RUNTIMES) and not re.fullmatch(
                r"[^.]+(\.[^.]+)*\.[^.]+", self.handler
            ):
                raise ValueError(
                    f"handler {self.handler!r}: a {self.runtime} handler is <file>.<function>"
                )
        return self

    @field_validator("environment")
    @classmethod
    def _check_reserved(cls, variables: dict[str, str]) -> dict[str, str]:
        # Lambda's variable names are two characters or more (EnvironmentVariableName).
        pattern = service_shape("lambda", "EnvironmentVariableName")["pattern"]
        for name in variables:
            if name in LAMBDA_RESERVED_VARIABLES:
                raise ValueError(f"{name} is set by the Lambda runtime; a function may not set it")
            if not re.fullmatch(pattern, name):
                raise ValueError(f"{name!r}: Lambda takes variable names of 2 characters or more")
        size = sum(len(k.encode()) + len(v.encode()) for k, v in variables.items())
        if size > LAMBDA_ENVIRONMENT_BYTES:
            raise ValueError(f"Lambda takes 4 KB of variables at most, got {size} bytes")
        return variables


class RetryConfig(Model):
    """How a workflow retries a job that failed: `attempts` more runs, the first after
    `intervalSeconds`, each next wait `backoffRate` times longer."""

    attempts: int = Field(
        ge=0,
        le=10,
        description="A retrier's MaxAttempts: runs after the first, 0: no retry (10 here; "
        "Step Functions takes up to 99999999)",
        json_schema_extra=aws(STATES_RETRY),
    )
    interval_seconds: int = Field(
        60,
        ge=1,
        le=3600,
        description="IntervalSeconds: wait before the first retry (an hour here; Step "
        "Functions takes up to 99999999)",
        json_schema_extra=aws(STATES_RETRY, "seconds"),
    )
    backoff_rate: float = Field(
        2.0,
        ge=1.0,
        le=10.0,
        description="BackoffRate: each next wait, times this (1.0 or more)",
        json_schema_extra=aws(STATES_RETRY),
    )


# What only a job that carries a schedule (a graph's root) may say.
SCHEDULE_KEYS = (
    "time_zone", "enabled", "overlap", "start_retries", "max_event_age_seconds",
)  # fmt: skip


class JobConfig(Model):
    """One entry of `<project>:jobs`: an ECS task run by a workflow, on a schedule or after
    other jobs."""

    schedule: str | None = Field(
        None,
        description="cron(min hour day-of-month month day-of-week year) or rate(N unit), "
        "checked field by field",
        json_schema_extra=aws(
            "https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html"
        ),
    )
    after: list[str] = Field(
        default_factory=list,
        description="Run when these jobs succeeded (instead of a schedule)",
        json_schema_extra=platform("names jobs of this stack; the workflow orders them"),
    )
    time_zone: TimeZone = Field(
        "Asia/Tokyo",
        description="ScheduleExpressionTimezone: an IANA time zone",
        json_schema_extra=aws(SCHEDULER_CREATE),
    )
    service: str | None = Field(
        None,
        description="Run this service's task with `command`",
        json_schema_extra=platform("names a service of this stack"),
    )
    image: ImageOrTag | None = Field(
        None,
        description="A tag of the pipeline's repository of the job, or a full image URI",
        json_schema_extra=aws(ECS_CONTAINER),
    )
    architecture: Literal["arm64", "x86_64"] = Field("arm64", json_schema_extra=aws(ECS_PLATFORM))
    cpu: int = Field(
        256,
        description="A Fargate size (a job with its own image)",
        json_schema_extra=aws(FARGATE_SIZES, CPU_UNITS),
    )
    memory: int = Field(
        512, description="One that goes with cpu", json_schema_extra=aws(FARGATE_SIZES, MIB)
    )
    command: list[str] | None = Field(
        None,
        description="The container's command (an override of a service's task)",
        json_schema_extra=aws(ECS_API + "API_ContainerOverride.html"),
    )
    retries: RetryConfig = Field(description="Retries of a failed run (tier default: jobRetries).")
    timeout_minutes: int = Field(
        60,
        ge=1,
        le=1440,
        description="The run's TimeoutSeconds: a run longer than this fails (a day here)",
        json_schema_extra=aws(
            "https://docs.aws.amazon.com/step-functions/latest/dg/state-task.html", "minutes"
        ),
    )
    overlap: Literal["skip", "allow"] = Field(
        "skip",
        description="A start while the previous run still goes: skip it, or allow it",
        json_schema_extra=platform("the workflow checks its own running executions"),
    )
    start_retries: int = Field(
        2,
        ge=0,
        le=185,
        description="Times the scheduler retries a workflow start that failed.",
        json_schema_extra=aws(SCHEDULER_RETRY),
    )
    max_event_age_seconds: int = Field(
        3600, ge=60, le=86400, json_schema_extra=aws(SCHEDULER_RETRY, "seconds")
    )
    enabled: bool = Field(
        True, description="The schedule's State, ENABLED or DISABLED",
        json_schema_extra=aws(SCHEDULER_CREATE),
    )  # fmt: skip

    @field_validator("schedule")
    @classmethod
    def _check_schedule(cls, expression: str | None) -> str | None:
        return None if expression is None else check_schedule(expression)

    @model_validator(mode="after")
    def _consistent(self) -> JobConfig:
        if (self.service is None) == (self.image is None):
            raise ValueError("set exactly one of service (with command) or image")
        if self.service is not None and not self.command:
            raise ValueError("a job on a service's task needs a command")
        if self.image is not None:
            check_fargate_size(self.cpu, self.memory)
        if self.schedule is not None and self.after:
            raise ValueError(
                "set schedule or after, not both: a job after others runs when they succeeded"
            )
        if self.schedule is None and not self.after:
            raise ValueError("set schedule, or after: [job, ...]")
        return self

    def schedule_settings(self) -> tuple[object, ...]:
        """What the graph's schedule is made of; the roots of one graph must agree on it."""
        return (self.schedule, *(getattr(self, key) for key in SCHEDULE_KEYS))


def job_graphs(after: Mapping[str, Sequence[str]]) -> list[list[list[str]]]:
    """The connected graphs of jobs (`after` edges, either way), each as its levels: the
    roots first, then each job one level below the deepest job it runs after. Graphs are in
    the order of their first job's name; names within a level sorted. `after` must be
    acyclic and name only its own keys (see `check_job_graph`)."""
    neighbours: dict[str, set[str]] = {name: set() for name in after}
    for name, before in after.items():
        for other in before:
            neighbours[name].add(other)
            neighbours[other].add(name)
    seen: set[str] = set()
    graphs = []
    for start in sorted(after):
        if start in seen:
            continue
        members, todo = set(), [start]
        while todo:
            name = todo.pop()
            if name not in members:
                members.add(name)
                todo.extend(neighbours[name] - members)
        seen |= members
        depth: dict[str, int] = {}
        for name in members:
            _depth(name, after, depth)
        levels: list[list[str]] = [[] for _ in range(1 + max(depth[m] for m in members))]
        for name in sorted(members):
            levels[depth[name]].append(name)
        graphs.append(levels)
    return graphs


def _depth(name: str, after: Mapping[str, Sequence[str]], depth: dict[str, int]) -> int:
    """0 for a root, else one more than the deepest job `name` runs after (memoised)."""
    if name not in depth:
        depth[name] = 1 + max((_depth(b, after, depth) for b in after[name]), default=-1)
    return depth[name]


def check_job_graph(jobs: Mapping[str, JobConfig]) -> tuple[str, str] | None:
    """The first mistake in how jobs depend on each other, as (key, problem): an unknown
    name, a job after itself, a cycle, a schedule setting on a job without a schedule, or
    two roots of one graph with different schedules."""
    for name, job in jobs.items():
        for other in job.after:
            if other == name:
                return f"jobs.{name}.after", "a job cannot run after itself"
            if other not in jobs:
                return f"jobs.{name}.after", f"no job {other!r} in jobs"
        if len(set(job.after)) != len(job.after):
            return f"jobs.{name}.after", "names a job twice"
        if job.after:
            for key in SCHEDULE_KEYS:
                if key in job.model_fields_set:
                    alias = JobConfig.model_fields[key].alias
                    return (
                        f"jobs.{name}.{alias}",
                        "only a job with a schedule has this; the graph's root decides it",
                    )
    cycle = _cycle({name: job.after for name, job in jobs.items()})
    if cycle:
        return (
            f"jobs.{cycle[0]}.after",
            f"the jobs run after each other in a cycle: {' -> '.join(cycle)}",
        )
    for levels in job_graphs({name: job.after for name, job in jobs.items()}):
        roots = levels[0]
        first = jobs[roots[0]]
        for root in roots[1:]:
            if jobs[root].schedule_settings() != first.schedule_settings():
                return (
                    f"jobs.{root}.schedule",
                    f"one graph of jobs has one schedule: {roots[0]!r} and {root!r} start the "
                    "same graph with different schedule settings",
                )
    return None


def _cycle(after: Mapping[str, Sequence[str]]) -> list[str] | None:
    """A cycle of `after` edges as [a, b, ..., a] (each runs after the next), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(name: str) -> list[str] | None:
        state[name] = 1
        path.append(name)
        for other in after[name]:
            if state.get(other) == 1:
                return [*path[path.index(other) :], other]
            if other not in state and (found := visit(other)):
                return found
        path.pop()
        state[name] = 2
        return None

    for name in sorted(after):
        if name not in state and (found := visit(name)):
            return found
    return None


# The host's image follows its type: Graviton families (a "g" after the generation: t4g, m7g,
# c7gn) get Amazon Linux 2023 for arm64, all others x86_64. The first Graviton family (a1)
# breaks that naming, and Mac instances need a dedicated host and macOS: refused, so the image
# always matches the type.
OPS_HOST_FAMILIES_REFUSED = {
    "a1": "a1 is Graviton without the g suffix the host's image choice reads; use t4g or m7g",
    "mac": "Mac instances need a dedicated host and a macOS image; use t4g or t3",
}
EC2_INSTANCE_TYPES = "https://docs.aws.amazon.com/ec2/latest/instancetypes/instance-types.html"


class OpsHostConfig(Model):
    """`<project>:opsHost`: the operation host reached through Session Manager."""

    enabled: bool = Field(json_schema_extra=platform("whether the stack has the host"))
    instance_type: str = Field(
        "t4g.micro",
        description="An EC2 type of botocore's InstanceType enum (Graviton: the arm64 image)",
        json_schema_extra=aws(EC2_INSTANCE_TYPES),
    )
    root_volume_gb: int = Field(
        20,
        ge=8,
        le=200,
        description="gp3: no smaller than the Amazon Linux 2023 image's 8 GiB snapshot (gp3 "
        "takes up to 16 TiB; 200 GiB here)",
        json_schema_extra=aws(
            "https://docs.aws.amazon.com/ebs/latest/userguide/general-purpose.html", "GiB"
        ),
    )
    session_preferences: bool = Field(
        True,
        description="Own the account-and-region Session Manager preferences "
        "(SSM-SessionManagerRunShell, one per account and region): encrypted, logged "
        "sessions. Turn off where another stack in the same account and region owns them",
        json_schema_extra=aws(
            "https://docs.aws.amazon.com/systems-manager/latest/userguide/"
            "getting-started-create-preferences-cli.html"
        ),
    )

    @field_validator("instance_type")
    @classmethod
    def _check_instance_type(cls, kind: str) -> str:
        known = service_shape("ec2", "InstanceType")["enum"]
        if kind not in known:
            close = difflib.get_close_matches(kind, known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ValueError(f"{kind!r} is no EC2 instance type{hint}")
        family = "mac" if kind.startswith("mac") else kind.split(".")[0]
        if family in OPS_HOST_FAMILIES_REFUSED:
            raise ValueError(OPS_HOST_FAMILIES_REFUSED[family])
        return kind


class OperatorsConfig(Model):
    """`<project>:operators`: who may assume the operator and observer roles (with MFA)."""

    principals: list[str] = Field(
        default_factory=list,
        description="IAM user or role ARNs (arn:<partition>:iam::<account>:user|role/<path><name>, "
        "names of 64 characters at most); empty: this account, as its IAM policies allow",
        json_schema_extra=aws(
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html"
        ),
    )

    @field_validator("principals")
    @classmethod
    def _check_principals(cls, principals: list[str]) -> list[str]:
        for arn in principals:
            # A path is / or /<printable ASCII>/, 512 characters at most (botocore's pathType).
            match = re.fullmatch(
                r"arn:aws[a-z-]*:iam::\d{12}:(user|role)/([!-~]{1,510}/)?([\w+=,.@-]+)", arn
            )
            if not match:
                raise ValueError(f"{arn!r} is not an IAM user or role ARN")
            if len(match[3]) > IAM_NAME_MAX:
                raise ValueError(f"{arn!r}: an IAM {match[1]} name takes 64 characters at most")
        return principals


def entry_role_names(
    prefix: str,
    services: Mapping[str, ServiceConfig],
    functions: Mapping[str, FunctionConfig],
    jobs: Mapping[str, JobConfig],
) -> Iterator[tuple[str, str]]:
    """(key, name) of the longest IAM role name each entry becomes, as components/compute names
    them: a service's task roles `<prefix>-<name>-exec|task`, a function's `<prefix>-<name>-lambda`,
    a scheduled job's scheduler role `<prefix>-<name>-jobs-schedule` and a job with its own image
    its task's `<prefix>-job-<name>-exec`."""
    for name in services:
        yield f"services.{name}", f"{prefix}-{name}-exec"
    for name in functions:
        yield f"functions.{name}", f"{prefix}-{name}-lambda"
    for name, job in jobs.items():
        if job.schedule is not None:
            yield f"jobs.{name}", f"{prefix}-{name}-jobs-schedule"
        elif job.image is not None:
            yield f"jobs.{name}", f"{prefix}-job-{name}-exec"
