"""The typed stack configuration: one model for everything a stack file can say.

A stack file (`Pulumi.<stack>.yaml`) holds keys in the project's namespace
(`webplatform:network`, ...) and `aws:region`. `load` merges the environment tier's
defaults under them, validates the result and returns a `StackConfig`, or raises
`ConfigError` whose message is one line naming the stack file and the key.
"""

from __future__ import annotations

import datetime
import difflib
import fnmatch
import json
import re
import types
import typing
import unicodedata
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import Any

import pulumi
from pydantic import BaseModel, Field, ValidationError, field_validator
from pydantic.fields import FieldInfo

from components.config.aws_data import check_endpoint_service, check_region, unpatched_runtime
from components.config.base import NAME_MAX, ConfigError, Model, aws, platform
from components.config.compute import (
    IAM_NAME_MAX,
    IAM_QUOTAS,
    LAMBDA_GUIDE,
    LAMBDA_UNZIPPED_BYTES,
    LAMBDA_UPLOAD_BYTES,
    ClusterConfig,
    FunctionConfig,
    JobConfig,
    OperatorsConfig,
    OpsHostConfig,
    RetryConfig,
    ServiceConfig,
    check_job_graph,
    entry_role_names,
    package_files,
    zipped_size,
)
from components.config.data import (
    SHARED_SECRET_NAMES,
    BackupConfig,
    BucketsConfig,
    CacheConfig,
    DatabaseConfig,
    TableConfig,
    check_app_settings,
)
from components.config.edge import EdgeConfig
from components.config.files import overlapping_networks, read_yaml
from components.config.network import SUBNET_TIERS, NetworkConfig, subnet_layout
from components.config.observability import ObservabilityConfig
from components.config.pipeline import PipelineConfig
from components.config.tiers import TIER_DEFAULTS, TIER_ZONE_COUNT, Tier

DEFAULT_REGION = "ap-northeast-1"

# Zone letters per region, where they are not simply a, b, c (Tokyo has no "b" for new accounts).
REGION_ZONE_LETTERS = {"ap-northeast-1": "acd"}

# CloudWatch Logs accepts only these retention periods.
LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
    1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip


def _separator(char: str) -> bool:
    """A Unicode separator (category Z), the white space AWS tag values take."""
    return unicodedata.category(char).startswith("Z")


class StackConfig(Model):
    """Everything a stack file says, after tier defaults and validation."""

    environment: Tier = Field(
        description="Environment tier; chooses the defaults.",
        json_schema_extra=platform("a tier of this program (components/config/tiers.py)"),
    )
    owner: str = Field(
        min_length=1,
        max_length=256,
        description="Team that owns the stack (Owner tag): letters, digits, spaces, _.:/=+-@",
        json_schema_extra={
            "source": "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Tag.html"
        },
    )
    account_id: str = Field(
        pattern=r"^\d{12}$",
        description="The only AWS account to deploy to; an account ID is exactly 12 digits",
        json_schema_extra=aws(
            "https://docs.aws.amazon.com/organizations/latest/APIReference/API_DescribeAccount.html"
        ),
    )
    project: str = Field(
        pattern=r"^[a-z][a-z0-9-]{1,19}$",
        description="Short name used in tags and names.",
        json_schema_extra=platform(
            "the start of every name this program makes; short enough that the longest (an IAM "
            "role, 64 characters) fits"
        ),
    )
    region: str = Field(
        description="aws:region: a region of botocore's partition data.",
        json_schema_extra=aws(
            "https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html"
        ),
    )
    availability_zones: list[str] = Field(
        min_length=1,
        description="Zones of aws:region, two or more (an RDS DB subnet group covers two)",
        json_schema_extra=aws(
            "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html"
        ),
    )
    log_retention_days: int = Field(
        description=f"One of {', '.join(map(str, LOG_RETENTION_DAYS))}",
        json_schema_extra=aws(
            "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html",
            "days",
        ),
    )
    protect_stateful_resources: bool = Field(
        description="Pulumi `protect` on keys, databases, tables and data buckets.",
        json_schema_extra=platform("Pulumi's protect option, refused by the engine, not AWS"),
    )
    network: NetworkConfig
    database: DatabaseConfig
    cache: CacheConfig
    tables: dict[str, TableConfig] = Field(
        default_factory=dict,
        description="DynamoDB tables by name; a table's name is <prefix>-<name>: letters, digits, "
        "_.- and 3 to 255 long",
        json_schema_extra=aws(
            "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html"
        ),
    )
    buckets: BucketsConfig
    backup: BackupConfig
    app_settings: dict[str, dict[str, str]] = Field(
        {},
        description=(
            "Secret settings per service, stored as SSM SecureString parameters of the standard "
            "tier: a value of 1 to 4096 bytes"
        ),
        json_schema_extra=aws(
            "https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html"
        ),
    )
    cluster: ClusterConfig
    services: dict[str, ServiceConfig] = Field(
        default_factory=dict,
        description=f"ECS services by a lowercase name such as web (2-30 characters); with the "
        f"prefix its IAM role names take {IAM_NAME_MAX} characters at most",
        json_schema_extra=aws(IAM_QUOTAS),
    )
    functions: dict[str, FunctionConfig] = Field(
        default_factory=dict,
        description=f"Lambda functions by a lowercase name (2-30 characters); with the prefix "
        f"its IAM role name takes {IAM_NAME_MAX} characters at most",
        json_schema_extra=aws(IAM_QUOTAS),
    )
    function_reserved_concurrency: int | None = Field(
        None,
        ge=1,
        description="Reserved concurrency of a function that names none (caps it, and keeps it "
        "from being starved by the account's other functions); the account keeps 100 unreserved",
        json_schema_extra=aws(LAMBDA_GUIDE + "configuration-concurrency.html"),
    )
    jobs: dict[str, JobConfig] = Field(
        default_factory=dict,
        description=f"Jobs by a lowercase name (2-30 characters); with the prefix a job's IAM "
        f"role names take {IAM_NAME_MAX} characters at most",
        json_schema_extra=aws(IAM_QUOTAS),
    )
    job_retries: RetryConfig = Field(description="A job's retries when it names none.")
    ops_host: OpsHostConfig
    operators: OperatorsConfig = Field(default_factory=OperatorsConfig)
    edge: EdgeConfig
    observability: ObservabilityConfig
    pipeline: PipelineConfig

    @field_validator("services", "functions", "jobs")
    @classmethod
    def _check_names(cls, entries: dict[str, Any]) -> dict[str, Any]:
        for name in entries:
            if not re.fullmatch(rf"[a-z][a-z0-9-]{{1,{NAME_MAX - 1}}}", name):
                raise ValueError(f"{name!r} is not a lowercase name such as 'web'")
        return entries

    @field_validator("tables")
    @classmethod
    def _check_table_names(cls, tables: dict[str, TableConfig]) -> dict[str, TableConfig]:
        for name in tables:
            if not re.fullmatch(r"[a-z][a-z0-9-]{2,39}", name):
                raise ValueError(f"table {name!r} is not a lowercase name such as 'sessions'")
        return tables

    @field_validator("app_settings", mode="before")
    @classmethod
    def _check_app_settings(cls, settings: Any) -> Any:
        return check_app_settings(settings) if isinstance(settings, dict) else settings

    @field_validator("owner")
    @classmethod
    def _check_tag_value(cls, owner: str) -> str:
        # AWS tag values: Unicode letters, digits, separators (\p{Z}: spaces, not tabs or line
        # breaks) and _ . : / = + - @.
        wrong = sorted({c for c in owner if not (c.isalnum() or _separator(c) or c in "_.:/=+-@")})
        if wrong:
            raise ValueError(f"an AWS tag value takes no {' '.join(wrong)!r}")
        if owner.lower().startswith("aws:"):
            raise ValueError("a tag value may not start with aws: (reserved for AWS)")
        return owner

    @field_validator("region")
    @classmethod
    def _check_region(cls, region: str) -> str:
        return check_region(region)

    @field_validator("log_retention_days")
    @classmethod
    def _check_retention(cls, days: int) -> int:
        if days not in LOG_RETENTION_DAYS:
            raise ValueError(f"CloudWatch Logs accepts {', '.join(map(str, LOG_RETENTION_DAYS))}")
        return days

    def function_settings(self) -> dict[str, dict[str, Any]]:
        """Each function's settings, with the tier's reserved concurrency where it sets none."""
        return {
            name: {
                **function.model_dump(),
                "reserved_concurrency": function.reserved_concurrency
                if function.reserved_concurrency is not None
                else self.function_reserved_concurrency,
            }
            for name, function in self.functions.items()
        }

    @property
    def routed_services(self) -> list[str]:
        """The web services the load balancer routes to: those its routes name, else the
        first web-facing service."""
        web = [name for name, service in self.services.items() if service.port is not None]
        return list(dict.fromkeys(route.service for route in self.edge.routes)) or web[:1]

    def deploy_styles(self) -> dict[str, str]:
        """How each service takes a new image: its own `deploy`, else `pipeline.deploy` for a
        routed service; rolling for a service the load balancer does not route to, and for
        every service without a pipeline source (nothing would run a CodeDeploy deployment)."""
        routed = self.routed_services
        return {
            name: (service.deploy or self.pipeline.deploy)
            if self.pipeline.source is not None and name in routed
            else "rolling"
            for name, service in self.services.items()
        }

    def test_listener_ports(self) -> dict[str, int]:
        """Each blue/green service's test listener port: the configured one, then the next."""
        first = self.pipeline.blue_green.test_listener_port
        styles = self.deploy_styles()
        blue_green = [name for name, style in styles.items() if style == "blueGreen"]
        return {name: first + i for i, name in enumerate(blue_green)}

    def pipeline_settings(self) -> dict[str, Any]:
        """The pipeline layer's `PipelineSettings` from the validated config."""
        pipeline = self.pipeline
        return {
            "source": pipeline.source.model_dump() if pipeline.source else None,
            "approval": pipeline.approval,
            "keep_images": pipeline.keep_images,
            "untagged_expire_days": pipeline.untagged_expire_days,
            "build_compute_type": pipeline.build_compute_type,
            "build_timeout_minutes": pipeline.build_timeout_minutes,
            "traffic": pipeline.traffic.settings(),
            "termination_wait_minutes": pipeline.blue_green.termination_wait_minutes,
            "rollback_5xx_count": pipeline.blue_green.rollback_5xx_count,
        }

    @property
    def parameter_path(self) -> str:
        """`/<project>/<environment>`, the start of every SSM parameter name."""
        return f"/{self.project}/{self.environment}"

    @property
    def name_prefix(self) -> str:
        """`<project>-<environment>`, the start of every physical name."""
        return f"{self.project}-{self.environment}"

    def subnet_cidrs(self) -> dict[str, list[str]]:
        """Subnet CIDRs per tier, one per zone, in zone order."""
        layout = subnet_layout(self.network, len(self.availability_zones))
        assert layout is not None, "validated in load()"
        prefix, stride = layout
        subnets = list(self.network.cidr.subnets(new_prefix=prefix))
        return {
            tier: [str(subnets[t * stride + z]) for z in range(len(self.availability_zones))]
            for t, tier in enumerate(SUBNET_TIERS)
        }


def default_zones(region: str, count: int) -> list[str]:
    letters = REGION_ZONE_LETTERS.get(region, "abc")
    return [region + letter for letter in letters[:count]]


def load(
    project: str, stack: str, values: Mapping[str, str], secret_keys: Collection[str] = ()
) -> StackConfig:
    """Validate a stack's config values (as the engine passes them: strings, JSON for objects).

    Of several mistakes, the first in the stack file's order is reported (a missing key after
    the keys that are there). A value under a secret key is never quoted in an error.
    """
    stack_file = f"Pulumi.{stack}.yaml"
    ns = f"{project}:"
    raw: dict[str, Any] = {}
    for full_key, value in values.items():
        namespace, _, key = full_key.partition(":")
        if full_key == "aws:region":
            raw["region"] = value
        elif namespace == project and key != "region":
            raw[key] = _decode(value)
        elif namespace == project:
            raise ConfigError(stack_file, full_key, "unknown key; the region is aws:region")
        elif namespace == "aws":
            raise ConfigError(
                stack_file, full_key, "not used: resources take aws:region and the project's keys"
            )
        elif namespace != "pulumi":
            raise ConfigError(stack_file, full_key, _unknown_namespace(namespace, project))

    def fail(key: str, problem: str) -> ConfigError:
        return ConfigError(stack_file, key if key == "aws:region" else ns + key, problem)

    environment = raw.get("environment")
    if not isinstance(environment, str) or environment not in TIER_DEFAULTS:
        problem = "required key is missing" if environment is None else f"got {environment!r}"
        raise fail("environment", f"expected one of dev, stg, prd; {problem}")
    merged = _merge(TIER_DEFAULTS[environment], raw)
    merged.setdefault("project", project)
    merged.setdefault("region", DEFAULT_REGION)
    _default_job_retries(merged)
    if isinstance(merged["region"], str):
        zones = default_zones(merged["region"], TIER_ZONE_COUNT[environment])
        merged.setdefault("availabilityZones", zones)

    try:
        config = StackConfig.model_validate(merged)
    except ValidationError as exc:
        error = min(exc.errors(), key=lambda e: _position(raw, e["loc"]))
        loc = error["loc"]
        key = "aws:region" if loc[:1] == ("region",) else _key_path(loc)
        secret = ns + str(loc[0]) in secret_keys
        raise fail(key, _describe(error, loc, quote_input=not secret)) from None

    mistakes = [
        *_check_zones(config),
        *_check_network(config),
        *_check_references(config),
        *_check_compute(config),
        *_check_edge(config, f"{ns}edge" in secret_keys),
        *_check_pipeline(config),
    ]
    if config.app_settings and f"{ns}appSettings" not in secret_keys:
        mistakes.append(
            (
                "appSettings",
                "values must be secrets: "
                "pulumi config set --secret --path 'appSettings.<service>.<NAME>' <value>",
            )
        )
    if mistakes:
        key, problem = min(mistakes, key=lambda m: _position(raw, _loc_of(m[0])))
        raise fail(key, problem)
    return config


def _unknown_namespace(namespace: str, project: str) -> str:
    close = difflib.get_close_matches(namespace, [project, "aws", "pulumi"], n=1, cutoff=0.5)
    hint = f"did you mean '{close[0]}:'? " if close else ""
    return f"unknown namespace {namespace!r}; {hint}every key belongs to {project}, aws or pulumi"


def _position(raw: Mapping[str, Any], loc: tuple[int | str, ...]) -> tuple[float, ...]:
    """Where `loc` is in the stack file, for ordering mistakes: the index of each part among
    its siblings; a part the file does not have (a missing key, a tier default) sorts last, and
    a mistake inside an entry before one about the whole entry."""
    position: list[float] = []
    node: Any = raw
    for part in loc:
        part = "region" if node is raw and part == "aws:region" else part
        if isinstance(node, Mapping) and part in node:
            position.append(list(node).index(part))
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            position.append(part)
            node = node[part]
        else:
            break
    return (*position, float("inf"))


def _loc_of(key: str) -> tuple[int | str, ...]:
    """The location of a key path such as `edge.routes[0].service`."""
    if key == "aws:region":
        return ("region",)
    return tuple(
        int(part) if part.isdigit() else part for part in re.split(r"\.|\[|\]\.?", key) if part
    )


def _default_job_retries(merged: dict[str, Any]) -> None:
    """A job that names no `retries` gets the tier's (or the stack file's) `jobRetries`."""
    jobs, default = merged.get("jobs"), merged.get("jobRetries")
    if isinstance(jobs, Mapping) and isinstance(default, Mapping):
        merged["jobs"] = {
            name: {**job, "retries": _merge(default, job.get("retries") or {})}
            if isinstance(job, Mapping) and isinstance(job.get("retries", {}), Mapping)
            else job
            for name, job in jobs.items()
        }


Mistake = tuple[str, str]


def _check_zones(config: StackConfig) -> Iterator[Mistake]:
    zones = config.availability_zones
    letters = REGION_ZONE_LETTERS.get(config.region, "abcdefghijklmnopqrstuvwxyz")
    for i, zone in enumerate(zones):
        if zone[:-1] != config.region or zone[-1] not in letters:
            yield (
                f"availabilityZones[{i}]",
                f"{zone!r} is not a zone of {config.region} "
                f"(expected one of {', '.join(config.region + x for x in letters[:6])})",
            )
    if len(set(zones)) != len(zones):
        yield "availabilityZones", "lists a zone twice"
    if len(zones) < 2:
        # https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html
        yield (
            "availabilityZones",
            "the database needs 2 zones at least: an RDS DB subnet group covers two or more",
        )
    if config.environment == "prd" and config.database.instances < 2:
        yield "database.instances", "prd needs a writer and at least one reader"
    if config.environment == "prd" and config.cache.replicas < 1:
        yield "cache.replicas", "prd needs at least 1 replica for failover"


def _check_network(config: StackConfig) -> Iterator[Mistake]:
    network = config.network
    for i, name in enumerate(network.interface_endpoints):
        problem = check_endpoint_service(name, config.region)
        if problem:
            yield f"network.interfaceEndpoints[{i}]", problem
    if network.nat_gateways == "none" and (config.services or config.jobs):
        # With no NAT, a Fargate task in the app subnets starts only through endpoints: the
        # image from ECR (api, dkr; layers from the S3 gateway endpoint), awslogs, and the
        # secrets it is given (SSM parameters always, Secrets Manager when it has some).
        # https://docs.aws.amazon.com/AmazonECS/latest/developerguide/vpc-endpoints.html
        needed = ["ecr.api", "ecr.dkr", "logs", "ssm"]
        if _uses_secrets_manager(config):
            needed.append("secretsmanager")
        missing = [name for name in needed if name not in network.interface_endpoints]
        if missing:
            yield (
                "network.interfaceEndpoints",
                f"with natGateways none, tasks start only through endpoints: add "
                f"{', '.join(missing)}",
            )
    if subnet_layout(network, len(config.availability_zones)) is None:
        key = "network.subnetPrefixLength" if network.subnet_prefix_length else "network.cidr"
        yield (
            key,
            f"{len(SUBNET_TIERS)} tiers x {len(config.availability_zones)} zones of subnets "
            f"do not fit in {network.cidr}; use a larger VPC or a longer subnet prefix",
        )


def _uses_secrets_manager(config: StackConfig) -> bool:
    """Whether a task reads a Secrets Manager secret: the database password, the cache token,
    or a secret a service names."""
    named = any(
        source.startswith("arn:") for s in config.services.values() for source in s.secrets.values()
    )
    return named or config.database.access == "password" or config.cache.access == "token"


def _check_references(config: StackConfig) -> Iterator[Mistake]:
    """Names one part of the config uses must exist in another."""
    for name, service in config.services.items():
        for table in service.tables:
            if table not in config.tables:
                yield f"services.{name}.tables", f"no table {table!r} in tables"
        injected = {*SHARED_SECRET_NAMES, *service.secrets, *config.app_settings.get(name, {})}
        for variable in service.environment:
            if variable in injected:
                # ECS refuses a container definition that names a variable in both
                # `environment` and `secrets`.
                yield (
                    f"services.{name}.environment.{variable}",
                    f"{variable} is also injected as a secret (ECS refuses the task "
                    "definition); rename it or drop it",
                )
        for variable, source in service.secrets.items():
            parts = source.split(":")
            if source.startswith("arn:") and parts[3:5] != [config.region, config.account_id]:
                # The execution role reads only this stack's secrets, decrypted with its key.
                yield (
                    f"services.{name}.secrets.{variable}",
                    f"the secret is in {parts[3]} of account {parts[4]}; the task's execution "
                    f"role reads secrets of {config.region} in {config.account_id} only",
                )
        port = service.environment.get("PORT")
        if port is not None and port != str(service.port):
            yield (
                f"services.{name}.environment.PORT",
                f"PORT {port!r} is not the service's port ({service.port}): the load balancer "
                "and health checks reach the container on `port`",
            )
    for name, job in config.jobs.items():
        runs = config.services.get(job.service or "")
        if job.service is not None and runs is None:
            yield f"jobs.{name}.service", f"no service {job.service!r} in services"
        for key in ("architecture", "cpu", "memory"):
            if runs and key in job.model_fields_set and getattr(job, key) != getattr(runs, key):
                yield (
                    f"jobs.{name}.{key}",
                    f"the job runs service {job.service!r}'s task, whose {key} is "
                    f"{getattr(runs, key)}; drop {key} or give the job its own image",
                )
    mistake = check_job_graph(config.jobs)
    if mistake is not None:
        yield mistake
    for name, function in config.functions.items():
        if function.code is not None and not Path(function.code).is_dir():
            yield f"functions.{name}.code", f"no directory {function.code!r} in the project"
    for owner in config.app_settings:
        if owner in config.functions:
            # Only a task's execution role reads parameters into variables (valueFrom); a
            # function would get neither the values nor the right to read them.
            yield (
                f"appSettings.{owner}",
                f"{owner!r} is a function; app settings reach services only",
            )
        elif owner not in config.services:
            yield f"appSettings.{owner}", f"no service named {owner!r}"


def _check_compute(config: StackConfig) -> Iterator[Mistake]:
    """What AWS refuses, or what cannot work, once the prefix, region and routes are known."""
    for key, role in entry_role_names(
        config.name_prefix, config.services, config.functions, config.jobs
    ):
        if len(role) > IAM_NAME_MAX:
            yield (
                key,
                f"its IAM role {role} would be {len(role)} characters; IAM takes "
                f"{IAM_NAME_MAX}: shorten the name",
            )
    routed = config.routed_services
    for name, service in config.services.items():
        if service.autoscaling.requests_per_target and name not in routed:
            # ALBRequestCountPerTarget needs the target group's resource label; a service the
            # load balancer does not route to has none, and the policy would be left out.
            yield (
                f"services.{name}.autoscaling.requestsPerTarget",
                "ALBRequestCountPerTarget scales a service the load balancer routes to; add an "
                "edge route to it",
            )
    ecr = re.compile(rf"\d{{12}}\.dkr\.ecr\.{re.escape(config.region)}\.amazonaws\.com/.+")
    for name, function in config.functions.items():
        if function.image is not None and not ecr.fullmatch(function.image):
            # https://docs.aws.amazon.com/lambda/latest/dg/images-create.html
            yield (
                f"functions.{name}.image",
                f"Lambda runs images of private ECR repositories in {config.region} only "
                f"(<account>.dkr.ecr.{config.region}.amazonaws.com/...)",
            )
        if function.code is not None and Path(function.code).is_dir():
            files = package_files(function.code)
            size = sum(path.stat().st_size for path in files.values())
            if size > LAMBDA_UNZIPPED_BYTES:
                yield (
                    f"functions.{name}.code",
                    f"{function.code} holds {size / 2**20:.0f} MB; Lambda takes 250 MB unzipped",
                )
            elif (zipped := zipped_size(files)) > LAMBDA_UPLOAD_BYTES:
                yield (
                    f"functions.{name}.code",
                    f"{function.code} zips to {zipped / 2**20:.0f} MB; Lambda takes "
                    f"{LAMBDA_UPLOAD_BYTES / 2**20:.0f} MB zipped through its API",
                )


def _check_edge(config: StackConfig, secret: bool) -> Iterator[Mistake]:
    """The edge's routes name web services, its rules do not collide, its secret is one."""
    edge = config.edge
    if (edge.domain is None) != (edge.hosted_zone_id is None):
        missing = "hostedZoneId" if edge.hosted_zone_id is None else "domain"
        yield f"edge.{missing}", "set domain and hostedZoneId together, or neither"
    seen: dict[int, int] = {}
    for i, route in enumerate(edge.routes):
        if route.priority in seen:
            yield (
                f"edge.routes[{i}].priority",
                f"priority {route.priority} is taken by routes[{seen[route.priority]}]",
            )
        seen[route.priority] = i
        service = config.services.get(route.service)
        if service is None:
            yield f"edge.routes[{i}].service", f"no service {route.service!r} in services"
        elif service.port is None:
            yield (
                f"edge.routes[{i}].service",
                f"service {route.service!r} has no port; only web-facing services take routes",
            )
        # CloudFront forwards every viewer header but Host (AllViewerExceptHostHeader) and
        # sends the origin's name instead ("Request and response behavior for custom origins").
        origin = edge.origin_domain
        for host in route.hosts:
            if origin is None or not fnmatch.fnmatchcase(origin, host):
                sent = f"Host {origin}" if origin else "its own DNS name as Host"
                yield (
                    f"edge.routes[{i}].hosts",
                    f"{host} never matches: CloudFront sends the load balancer {sent}; "
                    "route by paths",
                )
    if edge.waf.ci_token is not None and not secret:
        yield (
            "edge.waf.ciToken",
            "must be a secret: pulumi config set --secret --path 'edge.waf.ciToken' <token>",
        )
    if edge.prefix_list_id(config.region) is None:
        yield (
            "aws:region",
            f"no CloudFront origin-facing prefix list id is known for {config.region}; set "
            "edge.originFacingPrefixListId (aws ec2 describe-managed-prefix-lists --filters "
            "Name=prefix-list-name,Values=com.amazonaws.global.cloudfront.origin-facing)",
        )


def _check_pipeline(config: StackConfig) -> Iterator[Mistake]:
    """A service asks for blue/green only where CodeDeploy can run it; test listeners take
    ports the load balancer does not serve on."""
    for name, port in config.test_listener_ports().items():
        if port in (80, 443) or port > 65535:
            yield (
                "pipeline.blueGreen.testListenerPort",
                f"service {name!r} would get test port {port}; the load balancer serves 80 "
                "and 443, and ports end at 65535",
            )
    for name, service in config.services.items():
        if service.deploy != "blueGreen":
            continue
        if config.pipeline.source is None:
            yield (
                f"services.{name}.deploy",
                "blue/green deploys through the pipeline; set pipeline.source",
            )
        elif name not in config.routed_services:
            yield (
                f"services.{name}.deploy",
                "blue/green needs a service the load balancer routes to (a port and a route)",
            )


def _decode(value: Any) -> Any:
    """Config values arrive as text, objects and lists as JSON; the model coerces the rest."""
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _merge(defaults: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(defaults)
    for key, value in overrides.items():
        base = merged.get(key)
        both_maps = isinstance(base, Mapping) and isinstance(value, Mapping)
        merged[key] = _merge(base, value) if both_maps else value  # type: ignore[arg-type]
    return merged


def _key_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _unwrap(annotation: Any) -> Any:
    """The type inside `Annotated[...]` and `X | None`."""
    while True:
        if typing.get_origin(annotation) is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif typing.get_origin(annotation) in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def _walk(
    loc: tuple[int | str, ...], root: type[BaseModel] = StackConfig
) -> tuple[Any, FieldInfo | None]:
    """The type at `loc` in the `root` model (through sections, named entries and lists), and
    the field that `loc` ends in (None if it ends in an entry or nowhere known)."""
    current: Any = root
    field: FieldInfo | None = None
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = next((f for f in current.model_fields.values() if f.alias == part), None)
            if field is None:
                return None, None
            current = field.annotation
        elif typing.get_origin(current) in (dict, list):
            current, field = typing.get_args(current)[-1], None
        else:
            return None, None
    return _unwrap(current), field


def _unknown_key(key: str, model: Any) -> str:
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return "unknown key"
    known = sorted(str(f.alias) for f in model.model_fields.values() if f.alias != "region")
    close = difflib.get_close_matches(key, known, n=1) or [
        k for k in known if len(key) > 2 and k.lower().startswith(key.lower())
    ]
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"unknown key; {hint}expected one of {', '.join(known)}"


# What a pattern stands for, by key path, for messages a person can act on.
PATTERN_HINTS: dict[tuple[int | str, ...], str] = {
    ("accountId",): "expected a 12-digit AWS account id",
    ("project",): "expected 2-20 lowercase letters, digits or hyphens, starting with a letter",
    ("cache", "nodeType"): "expected a node type such as cache.t4g.small",
    ("cache", "engineVersion"): "expected a version such as 8.0",
    ("opsHost", "instanceType"): "expected an instance type such as t4g.micro",
    ("edge", "hostedZoneId"): "expected a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ",
}

# The validation library's error kinds in words, its limits filled in from the error's context.
MESSAGES = {
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "int_type": "expected a whole number",
    "float_parsing": "expected a number",
    "float_type": "expected a number",
    "bool_parsing": "expected true or false",
    "bool_type": "expected true or false",
    "string_type": "expected text",
    "list_type": "expected a list",
    "dict_type": "expected a mapping of keys",
    "model_type": "expected a mapping of keys",
    "model_attributes_type": "expected a mapping of keys",
    "greater_than_equal": "must be {ge} or more",
    "less_than_equal": "must be {le} or less",
    "greater_than": "must be more than {gt}",
    "less_than": "must be less than {lt}",
    "multiple_of": "must be a multiple of {multiple_of}",
    "string_too_short": "must be {min_length} characters or more",
    "string_too_long": "must be {max_length} characters or fewer",
    "too_short": "needs {min_length} entries or more",
    "too_long": "takes {max_length} entries at most",
    "string_pattern_mismatch": "does not have the expected form ({pattern})",
}


def _describe(
    error: Any, loc: tuple[int | str, ...], quote_input: bool, root: type[BaseModel] = StackConfig
) -> str:
    """One line on a validation error at `loc` of the `root` model."""
    kind = error["type"]
    if kind == "missing":
        return "required key is missing"
    if kind == "extra_forbidden":
        return _unknown_key(str(loc[-1]), _walk(loc[:-1], root)[0])
    _, field = _walk(loc, root)
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "").replace("'", "")
        message = f"expected one of {expected.replace(' or ', ', ')}"
    elif kind == "string_pattern_mismatch" and loc in PATTERN_HINTS:
        message = PATTERN_HINTS[loc]
    elif kind in MESSAGES:
        context = error.get("ctx", {})
        message = MESSAGES[kind].format(
            **{k: f"{v:g}" if isinstance(v, float) else v for k, v in context.items()}
        )
    else:
        message = str(error["msg"]).removeprefix("Value error, ")
        message = message.replace("Input should be", "expected")
    unit = (
        field.json_schema_extra.get("unit")
        if field and isinstance(field.json_schema_extra, dict)
        else None
    )
    if unit and kind != "value_error":
        message += f" ({unit})"
    if quote_input and "input" in error and kind != "value_error":
        message += f", got {error['input']!r}"
    return message


def from_pulumi() -> StackConfig:
    """Load the running stack's config from the Pulumi runtime."""
    values: dict[str, str] = {
        **pulumi.runtime.config.get_config_env(),
        **pulumi.runtime.config.CONFIG.get(),
    }
    secret_keys = {
        *pulumi.runtime.config.get_config_secret_keys_env(),
        *pulumi.runtime.config._SECRET_KEYS.get(),
    }
    project, stack = pulumi.get_project(), pulumi.get_stack()
    config = load(project, stack, values, secret_keys)
    # The CLI runs the program in the project directory; stack files are there or in its
    # stackConfigDir.
    project_file = read_yaml(Path("Pulumi.yaml").read_text()) or {}
    stack_dir = Path(project_file.get("stackConfigDir", "."))
    for warning in overlapping_networks(stack_dir / f"Pulumi.{stack}.yaml", project):
        pulumi.log.warn(warning)
    for warning in unpatched_runtimes(config, f"Pulumi.{stack}.yaml", project):
        pulumi.log.warn(warning)
    return config


def unpatched_runtimes(config: StackConfig, stack_file: str, project: str) -> Iterator[str]:
    """A warning for each function on a runtime past its deprecation date that Lambda still
    creates functions on: it runs, unpatched, until the block date refuses it."""
    today = datetime.date.today()
    for name, function in config.functions.items():
        problem = function.runtime and unpatched_runtime(function.runtime, today)
        if problem:
            yield f"{stack_file}: {project}:functions.{name}.runtime: {problem}"
