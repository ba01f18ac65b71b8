"""The compute layer's part of the stack config: cluster, services, functions, jobs, and the
operation host.

Tier defaults for these keys live with the others in `components.config.TIER_DEFAULTS`.
"""

from __future__ import annotations

import datetime
import difflib
import re
from collections.abc import Mapping, Sequence
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from components.config.aws_data import LAMBDA_RESERVED_VARIABLES, check_runtime
from components.config.base import Model, TimeZone, aws
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


def _check_image(image: str) -> str:
    if not re.fullmatch(r"[a-z0-9][a-z0-9._/:-]*(:[\w][\w.-]{0,127}|@sha256:[a-f0-9]{64})", image):
        raise ValueError(f"expected an image with a tag or digest, got {image!r}")
    if image.endswith(":latest"):
        raise ValueError("pin a tag or digest: 'latest' moves under a running service")
    return image


def _check_env_names(values: dict[str, str]) -> dict[str, str]:
    for name in values:
        if not re.fullmatch(ENV_NAME, name):
            raise ValueError(f"{name!r} is not an UPPER_CASE variable name")
    return values


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

    prefer_spot: bool = Field(description="Run tasks on FARGATE_SPOT first (cheaper, preemptible).")


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
    cpu_percent: int | None = Field(60, ge=10, le=95)
    memory_percent: int | None = Field(None, ge=10, le=95)
    requests_per_target: int | None = Field(None, ge=1)


class ServiceConfig(Model):
    """One entry of `<project>:services`: an ECS Fargate service."""

    image: ImageOrTag = Field(
        description="A tag of the pipeline's repository of the service (the commit id the "
        "pipeline built), or a full image URI with a tag or digest."
    )
    architecture: Literal["arm64", "x86_64"] = Field(
        "arm64", description="The platform the image is built for (arm64: Graviton)."
    )
    deploy: Literal["rolling", "blueGreen"] | None = Field(
        None, description="Overrides pipeline.deploy for this service."
    )
    cpu: int = Field(
        512, description="A Fargate size", json_schema_extra=aws(FARGATE_SIZES, CPU_UNITS)
    )
    memory: int = Field(
        1024, description="One that goes with cpu", json_schema_extra=aws(FARGATE_SIZES, MIB)
    )
    port: int | None = Field(None, ge=1, le=65535, description="Set for a web-facing service.")
    health_check_path: str = Field("/health", pattern=r"^/[\x21-\x7e]*$")
    command: list[str] | None = None
    environment: EnvNames = Field(default_factory=dict)
    secrets: EnvNames = Field(
        default_factory=dict,
        description="Variable name to an SSM parameter name or a Secrets Manager ARN.",
    )
    health_check: HealthCheckConfig | None = None
    desired_count: int = Field(2, ge=0, le=100)
    min_count: int = Field(2, ge=0, le=100)
    max_count: int = Field(6, ge=1, le=100)
    autoscaling: AutoscalingConfig = Field(default_factory=AutoscalingConfig)
    readonly_root_filesystem: bool = True
    log_datetime_format: str | None = None
    tables: list[str] = Field(
        default_factory=list, description="DynamoDB tables (short names) it reads and writes."
    )
    buckets: list[Literal["assets", "log-archive"]] = Field(default_factory=list)

    @field_validator("secrets")
    @classmethod
    def _check_secrets(cls, secrets: dict[str, str]) -> dict[str, str]:
        for name, source in secrets.items():
            if not (source.startswith("/") or source.startswith("arn:aws:secretsmanager:")):
                raise ValueError(
                    f"{name}: expected an SSM parameter name (/...) or a Secrets Manager ARN"
                )
        return secrets

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
        return self


class FunctionConfig(Model):
    """One entry of `<project>:functions`: a Lambda function."""

    code: str | None = Field(None, description="A directory of this repository, zipped.")
    handler: str | None = None
    runtime: str | None = Field(
        None,
        description="A Lambda runtime before its deprecation date (components/config/aws_data.py)",
        json_schema_extra=aws("https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html"),
    )
    image: Image | None = None
    architecture: Literal["arm64", "x86_64"] = "arm64"
    memory: int = Field(256, ge=128, le=10240, json_schema_extra=aws(LAMBDA_QUOTAS, "MB"))
    timeout: int = Field(30, ge=1, le=900, json_schema_extra=aws(LAMBDA_QUOTAS, "seconds"))
    reserved_concurrency: int | None = Field(None, ge=0)
    vpc: bool = Field(False, description="Attach to the app subnets with the app group.")
    environment: EnvNames = Field(default_factory=dict)

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
        return self

    @field_validator("environment")
    @classmethod
    def _check_reserved(cls, variables: dict[str, str]) -> dict[str, str]:
        for name in variables:
            if name in LAMBDA_RESERVED_VARIABLES:
                raise ValueError(f"{name} is set by the Lambda runtime; a function may not set it")
        return variables


class RetryConfig(Model):
    """How a workflow retries a job that failed: `attempts` more runs, the first after
    `intervalSeconds`, each next wait `backoffRate` times longer."""

    attempts: int = Field(ge=0, le=10, description="Runs after the first; 0: no retry.")
    interval_seconds: int = Field(60, ge=1, le=3600, description="Wait before the first retry.")
    backoff_rate: float = Field(2.0, ge=1.0, le=10.0, description="Each next wait, times this.")


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
        default_factory=list, description="Run when these jobs succeeded (instead of a schedule)."
    )
    time_zone: TimeZone = "Asia/Tokyo"
    service: str | None = Field(None, description="Run this service's task with `command`.")
    image: ImageOrTag | None = Field(
        None, description="A tag of the pipeline's repository of the job, or a full image URI."
    )
    architecture: Literal["arm64", "x86_64"] = "arm64"
    cpu: int = Field(
        256,
        description="A Fargate size (a job with its own image)",
        json_schema_extra=aws(FARGATE_SIZES, CPU_UNITS),
    )
    memory: int = Field(
        512, description="One that goes with cpu", json_schema_extra=aws(FARGATE_SIZES, MIB)
    )
    command: list[str] | None = None
    retries: RetryConfig = Field(description="Retries of a failed run (tier default: jobRetries).")
    timeout_minutes: int = Field(60, ge=1, le=1440, description="A run longer than this fails.")
    overlap: Literal["skip", "allow"] = Field(
        "skip", description="A start while the previous run still goes: skip it, or allow it."
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
    enabled: bool = True

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

    enabled: bool
    instance_type: str = Field(
        "t4g.micro",
        description="An EC2 type of botocore's InstanceType enum (Graviton: the arm64 image)",
        json_schema_extra=aws(EC2_INSTANCE_TYPES),
    )
    root_volume_gb: int = Field(20, ge=8, le=200)
    session_preferences: bool = Field(
        True,
        description="Own the account-and-region Session Manager preferences "
        "(SSM-SessionManagerRunShell): encrypted, logged sessions. Turn off where another "
        "stack in the same account and region owns them.",
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
        description="IAM user or role ARNs; empty: this account, as its IAM policies allow.",
    )

    @field_validator("principals")
    @classmethod
    def _check_principals(cls, principals: list[str]) -> list[str]:
        for arn in principals:
            if not re.fullmatch(r"arn:aws[a-z-]*:iam::\d{12}:(user|role)/[\w+=,.@/-]+", arn):
                raise ValueError(f"{arn!r} is not an IAM user or role ARN")
        return principals
