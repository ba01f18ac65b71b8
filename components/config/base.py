"""What every part of the stack config model shares."""

import ipaddress
import types
import typing
import zoneinfo
from typing import Annotated, Any

import pulumi
from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationInfo, field_validator
from pydantic.alias_generators import to_camel
from pydantic.config import JsonDict
from pydantic_core import PydanticCustomError

# The longest name of a service, function or job (each becomes part of AWS names).
NAME_MAX = 30


class ConfigError(pulumi.RunError):
    """A stack file says something the program cannot use. The message is one line."""

    def __init__(self, stack_file: str, key: str, problem: str) -> None:
        super().__init__(_printable(f"{stack_file}: {key}: {problem}"))


def _printable(text: str) -> str:
    """``text`` with control characters (a newline in a key, say) written as escapes."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _takes_bool(annotation: Any) -> bool:
    if annotation is bool:
        return True
    union = typing.get_origin(annotation) in (typing.Union, types.UnionType)
    return union and bool in typing.get_args(annotation)


class Model(BaseModel):
    """A section of the stack file: camelCase keys, no unknown keys, immutable.

    Booleans are strict: `true` or `false` (Pulumi passes a top-level one as the text "true"
    or "false"); "yes", "on", 1 or "0" are refused rather than guessed at, as
    `pulumi config get` would read them as text.
    """

    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _strict_bool(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        if field is None or not _takes_bool(field.annotation) or value is None:
            return value
        if isinstance(value, bool):
            return value
        if value in ("true", "false"):
            return value == "true"
        raise PydanticCustomError("strict_bool", "expected true or false")


def aws(source: str, unit: str | None = None) -> JsonDict:
    """A field's `json_schema_extra`: the AWS page its rule comes from (and its unit), shown
    in the config reference."""
    extra: JsonDict = {"source": source}
    if unit:
        extra["unit"] = unit
    return extra


def platform(reason: str, unit: str | None = None) -> JsonDict:
    """A field's `json_schema_extra` for a key no AWS value stands behind (a tier choice, a
    name in this program), with the reason, shown in the config reference."""
    extra: JsonDict = {"platform": reason}
    if unit:
        extra["unit"] = unit
    return extra


def cidr_blocks(cidrs: list[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """Distinct CIDR blocks narrower than /0, each with its prefix length: WAF IP sets and
    security group rules take CIDR notation only ("for the IP address 192.0.2.44, specify
    192.0.2.44/32", API_IPSet; API_AuthorizeSecurityGroupIngress, CidrIpv4)."""
    networks = []
    for cidr in cidrs:
        try:
            network = ipaddress.ip_network(cidr) if "/" in cidr else None
        except ValueError:
            network = None
        if network is None:
            raise ValueError(
                f"expected CIDR blocks such as 203.0.113.0/24 (one address: /32), got {cidr!r}"
            )
        if network.prefixlen == 0:
            raise ValueError(f"expected a CIDR block narrower than /0, got {cidr!r}")
        networks.append(network)
    if len(set(cidrs)) != len(cidrs):
        raise ValueError("lists a CIDR twice")
    return networks


def _check_time_zone(name: str) -> str:
    if name not in zoneinfo.available_timezones():
        raise ValueError(f"expected an IANA time zone such as Asia/Tokyo, got {name!r}")
    return name


TimeZone = Annotated[str, AfterValidator(_check_time_zone)]
