"""What AWS accepts, in one place: read from the data botocore ships where it has it, written
here (with the date it was checked and its source) where it does not.

botocore's `endpoints.json` lists every partition's regions and, per service, the regions it has
an endpoint in; its service models carry the enums of many fields. Both ship with the library,
so no lookup leaves the machine, and a botocore upgrade brings new regions and services.
"""

import datetime
import difflib
import functools
import re
from typing import Any

import botocore.loaders


@functools.cache
def _endpoints() -> dict[str, Any]:
    return dict(botocore.loaders.create_loader().load_data("endpoints"))


@functools.cache
def regions() -> tuple[str, ...]:
    """Every region of every partition botocore knows (aws, aws-cn, aws-us-gov, ...)."""
    return tuple(sorted(r for p in _endpoints()["partitions"] for r in p["regions"]))


def check_region(region: str) -> str:
    """`region` if AWS has it, else ValueError with the closest names."""
    if region not in regions():
        close = difflib.get_close_matches(region, regions(), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ValueError(f"{region!r} is no AWS region; {hint}e.g. ap-northeast-1, us-east-1")
    return region


# Interface endpoint (PrivateLink) names whose service botocore lists under another endpoint
# prefix, or not at all: the name and the botocore service whose regions it follows ("AWS
# services that integrate with AWS PrivateLink",
# https://docs.aws.amazon.com/vpc/latest/privatelink/aws-services-privatelink-support.html;
# checked 2026-12-02). Every other name `a.b` is botocore's `b.a` or `a.b`.
PRIVATELINK_NAMES = {
    "ecr.dkr": "api.ecr",
    "ssmmessages": "ssm",
    "ec2messages": "ssm",
    "ecs-agent": "ecs",
    "ecs-telemetry": "ecs",
    "execute-api": "apigateway",
}


def _endpoint_service(name: str) -> str:
    if name in PRIVATELINK_NAMES:
        return PRIVATELINK_NAMES[name]
    return ".".join(reversed(name.split("."))) if "." in name else name


@functools.cache
def endpoint_services(region: str) -> tuple[str, ...]:
    """The interface endpoint names of the services that have an endpoint in `region`."""
    partition = next(
        (p for p in _endpoints()["partitions"] if region in p["regions"]),
        _endpoints()["partitions"][0],
    )
    available = {
        name for name, spec in partition["services"].items() if region in spec.get("endpoints", {})
    }
    names = {".".join(reversed(n.split("."))) for n in available} | {
        name for name, service in PRIVATELINK_NAMES.items() if service in available
    }
    return tuple(sorted(names))


def check_endpoint_service(name: str, region: str) -> str | None:
    """None if `name` is an AWS service with an endpoint in `region`, else what is wrong."""
    if _endpoint_service(name) in {_endpoint_service(n) for n in endpoint_services(region)}:
        return None
    close = difflib.get_close_matches(name, endpoint_services(region), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"{name!r} is no AWS service with an endpoint in {region}{hint}"


# Aurora Serverless v2 scales to 0 ACUs (automatic pause) from these engine versions on: per
# major version of Aurora PostgreSQL, and Aurora MySQL 3.08.0 ("Aurora Serverless v2 capacity",
# https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2.how-it-works.html#aurora-serverless-v2.how-it-works.capacity,
# https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ServerlessV2ScalingConfiguration.html;
# checked 2026-12-02). Later major versions than those listed support it from their first.
AUTO_PAUSE_FROM = {
    "aurora-postgresql": ("13.15", "14.12", "15.7", "16.3"),
    "aurora-mysql": ("3.08.0",),
}


def _version_tuple(version: str) -> tuple[int, ...]:
    """16.6 -> (16, 6); 8.0.mysql_aurora.3.08.0 -> (3, 8, 0), the Aurora MySQL version."""
    return tuple(int(part) for part in version.split("mysql_aurora.")[-1].split("."))


def supports_auto_pause(engine: str, version: str) -> bool:
    """Whether Aurora Serverless v2 of `engine` at `version` can scale to 0 ACUs."""
    return at_least(version, AUTO_PAUSE_FROM[engine])


def auto_pause_versions(engine: str) -> str:
    """The versions with automatic pause, in words."""
    name = "Aurora MySQL" if engine == "aurora-mysql" else "Aurora PostgreSQL"
    return f"{name} {', '.join(v + '+' for v in AUTO_PAUSE_FROM[engine])}"


# --- Data no library ships: each table with its source; all checked on CHECKED. -----------
CHECKED = datetime.date(2026, 12, 2)
"""When the hand-written tables below were last compared with their AWS pages; a test fails
when this is more than `MAX_AGE_DAYS` old, so someone refreshes them."""
MAX_AGE_DAYS = 180

# Lambda's managed runtimes: when each is deprecated (Lambda stops patching it) and when Lambda
# blocks creating functions on it ("Lambda runtimes", Supported and Deprecated runtimes,
# https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html; the two dates are a
# runtime's `DeprecationDate` and `FunctionCreateBlockDate`,
# https://docs.aws.amazon.com/lambda/latest/lambda-core/API_RuntimeReleaseLifecycle.html).
# Creating is refused from the block date; between the two dates Lambda still creates
# functions on a runtime it no longer patches. The identifiers are botocore's `lambda` Runtime
# enum (a test checks each is in it); the enum also lists every runtime long gone.
# Where each date was read (checked on CHECKED): the deprecation dates agree between the AWS
# table as endoflife.date/aws-lambda and tflint-ruleset-aws (which cites the AWS page) copy it;
# AWS moved the block dates of the runtimes deprecated in 2025-2026 to 2027-02-01 (create) and
# 2027-03-03 (update), as re:Post answers quoting the table say. The AWS page itself could not
# be read offline: where no block date is known, the deprecation date stands in for it (marked
# "deprecation"), so a runtime is never accepted past the day Lambda refuses it.
LAMBDA_RUNTIMES = {
    "nodejs24.x": (datetime.date(2028, 4, 30), datetime.date(2028, 4, 30)),  # deprecation
    "nodejs22.x": (datetime.date(2027, 4, 30), datetime.date(2027, 4, 30)),  # deprecation
    "nodejs20.x": (datetime.date(2026, 4, 30), datetime.date(2027, 2, 1)),
    "nodejs18.x": (datetime.date(2025, 9, 1), datetime.date(2027, 2, 1)),
    "python3.14": (datetime.date(2029, 6, 30), datetime.date(2029, 6, 30)),  # deprecation
    "python3.13": (datetime.date(2029, 6, 30), datetime.date(2029, 6, 30)),  # deprecation
    "python3.12": (datetime.date(2028, 10, 31), datetime.date(2028, 10, 31)),  # deprecation
    "python3.11": (datetime.date(2027, 6, 30), datetime.date(2027, 6, 30)),  # deprecation
    "python3.10": (datetime.date(2026, 10, 31), datetime.date(2027, 2, 1)),
    "python3.9": (datetime.date(2025, 12, 15), datetime.date(2027, 2, 1)),
    "java25": (datetime.date(2029, 6, 30), datetime.date(2029, 6, 30)),  # deprecation
    "java21": (datetime.date(2029, 6, 30), datetime.date(2029, 6, 30)),  # deprecation
    "java17": (datetime.date(2027, 6, 30), datetime.date(2027, 6, 30)),  # deprecation
    "java11": (datetime.date(2027, 6, 30), datetime.date(2027, 6, 30)),  # deprecation
    "java8.al2": (datetime.date(2027, 6, 30), datetime.date(2027, 6, 30)),  # deprecation
    "dotnet10": (datetime.date(2028, 11, 14), datetime.date(2028, 11, 14)),  # deprecation
    "dotnet8": (datetime.date(2026, 11, 10), datetime.date(2027, 2, 1)),
    "ruby3.4": (datetime.date(2028, 3, 31), datetime.date(2028, 3, 31)),  # deprecation
    "ruby3.3": (datetime.date(2027, 3, 31), datetime.date(2027, 3, 31)),  # deprecation
    "ruby3.2": (datetime.date(2026, 3, 31), datetime.date(2027, 2, 1)),
    "provided.al2023": (datetime.date(2029, 6, 30), datetime.date(2029, 6, 30)),  # deprecation
    "provided.al2": (datetime.date(2026, 7, 31), datetime.date(2027, 2, 1)),
}

# Variables the Lambda runtime sets; a function's configuration may not set them ("Defined
# runtime environment variables",
# https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars-runtime.html).
LAMBDA_RESERVED_VARIABLES = frozenset({
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "TZ",
})  # fmt: skip

# Aurora Serverless v2 (db.serverless) from these engine versions on ("Requirements and
# limitations for Aurora Serverless v2",
# https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.Aurora_Fea_Regions_DB-eng.Feature.ServerlessV2.html;
# Aurora MySQL 4 (MySQL 8.4) has it in every version).
SERVERLESS_V2_FROM = {
    "aurora-postgresql": ("13.6", "14.3", "15.2", "16.1"),
    "aurora-mysql": ("3.02.0", "4.0.0"),
}
# Major versions in RDS standard support: Aurora PostgreSQL 13-17, Aurora MySQL 3 and 4 (MySQL
# 8.0 and 8.4); older ones run only on paid RDS Extended Support ("Aurora PostgreSQL releases",
# "Aurora MySQL releases";
# https://docs.aws.amazon.com/AmazonRDS/latest/AuroraPostgreSQLReleaseNotes/aurorapostgresql-release-calendar.html,
# https://docs.aws.amazon.com/AmazonRDS/latest/AuroraMySQLReleaseNotes/AuroraMySQL.release-calendars.html).
AURORA_MAJOR_VERSIONS = {"aurora-postgresql": (13, 14, 15, 16, 17), "aurora-mysql": (3, 4)}
# Instance class families Aurora PostgreSQL and MySQL run on ("Supported DB engines for DB
# instance classes",
# https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.DBInstanceClass.SupportAurora.html);
# the burstable ones in medium and large only.
AURORA_INSTANCE_FAMILIES = (
    "r5", "r6g", "r6gd", "r6i", "r6id", "r7g", "r7i", "r8g", "r8gd", "x2g", "t3", "t4g",
)  # fmt: skip
BURSTABLE_SIZES = ("medium", "large")
# ElastiCache engine versions it creates replication groups of ("Supported engines and
# versions", https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/supported-engine-versions.html,
# https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/engine-versions.html).
# (Redis OSS 4.0 and 5.0 have three-part versions and no IAM authentication, so none here.)
CACHE_VERSIONS = {
    "valkey": ("7.2", "8.0", "8.1", "8.2", "9.0", "9.1"),
    "redis": ("6.0", "6.2", "7.0", "7.1"),
}
# Node type families of current generation ("Supported node types",
# https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheNodes.SupportedTypes.html),
# without r6gd: its replication groups need data tiering on (CreateReplicationGroup,
# DataTieringEnabled), which this program does not use.
CACHE_NODE_FAMILIES = ("t3", "t4g", "m5", "m6g", "m7g", "r5", "r6g", "r7g", "c7gn")
CACHE_BURSTABLE_SIZES = ("micro", "small", "medium")


def check_runtime(runtime: str, today: datetime.date) -> str | None:
    """None if Lambda creates functions on `runtime` on `today`, else what is wrong."""
    dates = LAMBDA_RUNTIMES.get(runtime)
    current = ", ".join(r for r, (_, blocked) in LAMBDA_RUNTIMES.items() if blocked > today)
    if dates is None:
        return f"runtime {runtime!r} is no Lambda runtime; one of {current}"
    deprecated, blocked = dates
    if blocked <= today:
        return (
            f"runtime {runtime} is deprecated since {deprecated} and Lambda creates no "
            f"functions on it since {blocked}; one of {current}"
        )
    return None


def unpatched_runtime(runtime: str, today: datetime.date) -> str | None:
    """What to say of a runtime Lambda still creates functions on but no longer patches."""
    deprecated, blocked = LAMBDA_RUNTIMES.get(runtime, (today, today))
    if not deprecated <= today < blocked:
        return None
    family = re.sub(r"[^a-z].*", "", runtime)  # python, nodejs, java, provided, ...
    newest = max(
        (r for r, (_, until) in LAMBDA_RUNTIMES.items() if r.startswith(family) and until > today),
        key=lambda r: LAMBDA_RUNTIMES[r][1],
    )
    return (
        f"runtime {runtime} is deprecated since {deprecated} (Lambda no longer patches it) and "
        f"Lambda creates no functions on it from {blocked}; move to {newest}"
    )


def at_least(version: str, floors: tuple[str, ...]) -> bool:
    """Whether `version` is at or past the floor of its major version (later majors: yes)."""
    found = _version_tuple(version)
    majors = {v[0]: v for v in map(_version_tuple, floors)}
    if found[0] < min(majors):
        return False
    return found[0] > max(majors) or found >= majors[found[0]]


def aurora_version_problem(engine: str, version: str, serverless: bool) -> str | None:
    """What RDS refuses about `version` of `engine` (and Serverless v2), or None."""
    major = _version_tuple(version)[0]
    if major not in AURORA_MAJOR_VERSIONS[engine]:
        majors = ", ".join(map(str, AURORA_MAJOR_VERSIONS[engine]))
        return (
            f"engineVersion {version}: {engine} {major} is past RDS standard support; "
            f"major versions {majors}"
        )
    if serverless and not at_least(version, SERVERLESS_V2_FROM[engine]):
        floors = ", ".join(v + "+" for v in SERVERLESS_V2_FROM[engine])
        return f"engineVersion {version} has no Serverless v2 (db.serverless): {floors}"
    return None


def instance_class_problem(name: str) -> str | None:
    """What is wrong with an Aurora instance class (db.<family>.<size>), or None."""
    _, family, size = name.split(".", 2)
    if family not in AURORA_INSTANCE_FAMILIES:
        return f"{name}: Aurora runs on db.{{{','.join(AURORA_INSTANCE_FAMILIES)}}} classes"
    if family.startswith("t") and size not in BURSTABLE_SIZES:
        return f"{name}: Aurora takes burstable classes in medium and large only"
    return None


def cache_node_problem(node_type: str) -> str | None:
    """What is wrong with an ElastiCache node type (cache.<family>.<size>), or None."""
    _, family, size = node_type.split(".", 2)
    if family == "r6gd":
        return f"{node_type}: r6gd nodes need data tiering, which the cache does not use"
    if family not in CACHE_NODE_FAMILIES:
        families = ",".join(CACHE_NODE_FAMILIES)
        return f"{node_type}: current node types are cache.{{{families}}}.<size>"
    if family.startswith("t") and size not in CACHE_BURSTABLE_SIZES:
        return f"{node_type}: burstable nodes come in micro, small and medium"
    return None
