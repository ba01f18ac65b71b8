"""What AWS accepts, in one place: read from the data botocore ships where it has it, written
here (with the date it was checked and its source) where it does not.

botocore's `endpoints.json` lists every partition's regions and, per service, the regions it has
an endpoint in; its service models carry the enums of many fields. Both ship with the library,
so no lookup leaves the machine, and a botocore upgrade brings new regions and services.
"""

import difflib
import functools
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
    found = _version_tuple(version)
    floors = {v[0]: v for v in map(_version_tuple, AUTO_PAUSE_FROM[engine])}
    if found[0] < min(floors):
        return False
    return found[0] > max(floors) or found >= floors[found[0]]


def auto_pause_versions(engine: str) -> str:
    """The versions with automatic pause, in words."""
    name = "Aurora MySQL" if engine == "aurora-mysql" else "Aurora PostgreSQL"
    return f"{name} {', '.join(v + '+' for v in AUTO_PAUSE_FROM[engine])}"
