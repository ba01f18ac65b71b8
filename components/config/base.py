"""What every part of the stack config model shares."""

import zoneinfo
from typing import Annotated

import pulumi
from pydantic import AfterValidator, BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class ConfigError(pulumi.RunError):
    """A stack file says something the program cannot use. The message is one line."""

    def __init__(self, stack_file: str, key: str, problem: str) -> None:
        super().__init__(f"{stack_file}: {key}: {problem}")


class Model(BaseModel):
    """A section of the stack file: camelCase keys, no unknown keys, immutable."""

    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, frozen=True)


def _check_time_zone(name: str) -> str:
    if name not in zoneinfo.available_timezones():
        raise ValueError(f"expected an IANA time zone such as Asia/Tokyo, got {name!r}")
    return name


TimeZone = Annotated[str, AfterValidator(_check_time_zone)]
