"""Plumbing shared by the policies of every pack.

There is one copy, ``policies/policy_support.py``; each pack directory holds a relative symbolic
link to it (``policies/<pack>/policy_support.py``), so a pack imports it from its own directory.
``pulumi policy publish`` archives the file the link points at, so a published pack carries its
own copy and needs nothing outside its directory.

``resource_policy`` and ``stack_policy`` build pulumi_policy policies from a small check
function. They give every policy the same behaviour:

- controls: each policy names the AWS Security Hub controls (FSBP ids such as ``S3.8``, CIS AWS
  Foundations ids as ``CIS 3.7``) it implements, for the coverage table in the README;
- parameters: each policy declares its parameters as JSON schemas with a ``default``; the
  engine applies no schema defaults, so the pack merges the configured values over them;
- exceptions: every policy accepts ``exceptions``: ``{"<resource logical name>": "<reason>"}``;
  a resource named there with a non-empty written reason is not reported by that policy;
- unknown values: a resource check that reads a value unknown during preview raises
  ``UnknownValueError``, which the SDK reports as an advisory "can't run"; a stack check still
  reports the resources it could decide before re-raising the first unknown.

The helpers read props as the engine passes them: mappings and sequences are read-only
proxies, numbers arrive as floats, and IAM or container documents are JSON strings. They never
raise on a value of another shape than expected (a map where a string belongs, a list for a
map, a number, null): ``text``, ``number``, ``flag``, ``items``, ``strings`` and ``get`` read it
as absent. A policy that raised would fail the pack's whole Analyze or AnalyzeStack call, and
with it every other policy's result.
"""

from __future__ import annotations

import copy
import fnmatch
import json
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, overload

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

EXCEPTIONS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Resources this policy does not report: logical name -> written reason.",
    "additionalProperties": {"type": "string", "minLength": 1},
    "default": {},
}

ResourceCheck = Callable[[Mapping[str, Any], ResourceValidationArgs, dict[str, Any]], Iterable[str]]
StackCheck = Callable[[PolicyResource, "Stack", dict[str, Any]], Iterable[str]]


def schema(params: Mapping[str, dict[str, Any]] | None) -> PolicyConfigSchema:
    """The policy's config schema: its parameters plus ``exceptions``."""
    return PolicyConfigSchema(properties={**(params or {}), "exceptions": EXCEPTIONS_SCHEMA})


def settings(params: Mapping[str, dict[str, Any]] | None, configured: Mapping[str, Any]) -> dict:
    """The schema defaults overlaid with the configured values."""
    merged = {k: copy.deepcopy(v["default"]) for k, v in (params or {}).items() if "default" in v}
    merged["exceptions"] = {}
    merged.update({k: v for k, v in (configured or {}).items() if k != "enforcementLevel"})
    return merged


def excepted(cfg: Mapping[str, Any], name: str) -> bool:
    """Whether ``exceptions`` names this resource with a written reason."""
    exceptions = cfg.get("exceptions")
    reason = exceptions.get(name) if isinstance(exceptions, Mapping) else None
    return isinstance(reason, str) and bool(reason.strip())


class ResourcePolicy(ResourceValidationPolicy):
    """A resource policy that also says which resource types it checks (None: every type)."""

    def __init__(
        self, *, types: tuple[str, ...] | None, controls: tuple[str, ...], **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.types = types
        self.controls = controls


class StackPolicy(StackValidationPolicy):
    """A stack policy that also says which resource types it reports on (``types``) and which
    others it reads (``reads``)."""

    def __init__(
        self,
        *,
        types: tuple[str, ...],
        reads: tuple[str, ...],
        controls: tuple[str, ...],
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.types = types
        self.reads = reads
        self.controls = controls


def resource_policy(
    name: str,
    description: str,
    *,
    types: Iterable[str] | None,
    check: ResourceCheck,
    severity: Severity,
    remediation: str,
    params: Mapping[str, dict[str, Any]] | None = None,
    level: EnforcementLevel = EnforcementLevel.MANDATORY,
    controls: Iterable[str] = (),
) -> ResourceValidationPolicy:
    """A policy run on each resource of ``types`` (every resource when None)."""
    wanted = frozenset(types) if types is not None else None

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        if wanted is not None and args.resource_type not in wanted:
            return
        cfg = settings(params, args.get_config())
        if excepted(cfg, args.name):
            return
        for message in check(args.props, args, cfg):
            report(message, None)

    return ResourcePolicy(
        types=tuple(sorted(wanted)) if wanted is not None else None,
        controls=tuple(controls),
        name=name,
        description=description,
        validate=validate,
        enforcement_level=level,
        config_schema=schema(params),
        severity=severity,
        remediation_steps=remediation,
    )


def stack_policy(
    name: str,
    description: str,
    *,
    subjects: Iterable[str],
    reads: Iterable[str],
    check: StackCheck,
    severity: Severity,
    remediation: str,
    params: Mapping[str, dict[str, Any]] | None = None,
    level: EnforcementLevel = EnforcementLevel.MANDATORY,
    controls: Iterable[str] = (),
) -> StackValidationPolicy:
    """A policy run once per stack on each resource of ``subjects``, with the stack's resources
    of ``subjects`` and ``reads`` (the only ones its check sees)."""
    wanted = tuple(subjects)
    visible = frozenset(wanted) | frozenset(reads)

    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        cfg = settings(params, args.get_config())
        stack = Stack([r for r in args.resources if r.resource_type in visible])
        unknown: UnknownValueError | None = None
        for subject in stack.of_type(*wanted):
            if excepted(cfg, subject.name):
                continue
            try:
                for message in check(subject, stack, cfg):
                    report(f"{subject.name}: {message}", subject.urn)
            except UnknownValueError as error:
                unknown = unknown or error
        if unknown is not None:
            raise unknown

    return StackPolicy(
        types=wanted,
        reads=tuple(sorted(visible - frozenset(wanted))),
        controls=tuple(controls),
        name=name,
        description=description,
        validate=validate,
        enforcement_level=level,
        config_schema=schema(params),
        severity=severity,
        remediation_steps=remediation,
    )


class Stack:
    """The stack's resources, with look-ups from one resource to the resources that refer to it."""

    def __init__(self, resources: Sequence[PolicyResource]) -> None:
        self.resources = list(resources)

    def of_type(self, *types: str) -> list[PolicyResource]:
        return [r for r in self.resources if r.resource_type in types]

    def referring(
        self, target: PolicyResource, types: Iterable[str], prop: str, keys: Iterable[str]
    ) -> list[PolicyResource]:
        """Resources of ``types`` whose ``prop`` points at ``target``.

        A reference is found through the engine's property dependencies (known even when the
        value is not, during preview) or by the value being one of ``target``'s ``keys`` outputs.
        """
        values = {v for key in keys if isinstance(v := peek(target.props, key), str) and v}
        found = []
        for resource in self.of_type(*types):
            deps = resource.property_dependencies.get(prop) or []
            value = peek(resource.props, prop)
            if any(dep.urn == target.urn for dep in deps) or (
                isinstance(value, str) and value in values
            ):
                found.append(resource)
        return found

    def referred(
        self, source: PolicyResource, prop: str, types: Iterable[str], keys: Iterable[str]
    ) -> list[PolicyResource]:
        """Resources of ``types`` that ``source``'s ``prop`` points at (the inverse look-up)."""
        types = tuple(types)
        deps = [d for d in source.property_dependencies.get(prop) or [] if d.resource_type in types]
        if deps:
            return deps
        value = peek(source.props, prop)
        if not isinstance(value, str) or not value:
            return []
        return [r for r in self.of_type(*types) if any(peek(r.props, k) == value for k in keys)]


def peek(props: Mapping[str, Any], key: str) -> Any:
    """A top-level value, or None when it is absent or unknown."""
    try:
        return props.get(key)
    except UnknownValueError:
        return None


def get(value: Any, *path: str | int, default: Any = None) -> Any:
    """The value at ``path`` (keys and indexes); ``default`` when absent or null."""
    for step in path:
        if isinstance(step, int):
            if not is_list(value) or not -len(value) <= step < len(value):
                return default
        elif not isinstance(value, Mapping) or step not in value:
            return default
        value = value[step]
    return default if value is None else value


def is_list(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


def items(value: Any) -> list[Any]:
    """The elements of a list value; [] when absent."""
    return list(value) if is_list(value) else []


@overload
def text(value: Any) -> str | None: ...
@overload
def text(value: Any, default: str) -> str: ...
def text(value: Any, default: str | None = None) -> str | None:
    """A string input; ``default`` when absent or of another shape."""
    return value if isinstance(value, str) else default


def strings(value: Any) -> list[str]:
    """A string or a list of strings (as IAM documents allow) as a list."""
    if isinstance(value, str):
        return [value]
    return [v for v in items(value) if isinstance(v, str)]


def number(value: Any, default: float | None = None) -> float | None:
    """A finite number (the engine passes floats); ``default`` when absent or not numeric."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return default
    try:
        result = float(value)
    except ValueError:
        return default
    return result if math.isfinite(result) else default


def flag(value: Any, default: bool = False) -> bool:
    """A boolean input (some arrive as the strings "true"/"false"); ``default`` when absent."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return default


def document(value: Any) -> Mapping[str, Any] | list[Any] | None:
    """A JSON document given as a string (or already decoded); None when it is not JSON."""
    if isinstance(value, Mapping) or is_list(value):
        return value
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        decoded = json.loads(value)
    except ValueError:
        return None
    return decoded if isinstance(decoded, dict | list) else None


def statements(value: Any) -> Iterator[Mapping[str, Any]]:
    """The statements of an IAM-style policy document."""
    doc = document(value)
    body = get(doc, "Statement") if isinstance(doc, Mapping) else None
    for statement in [body] if isinstance(body, Mapping) else items(body):
        if isinstance(statement, Mapping):
            yield statement


def matches(name: str, patterns: Iterable[str]) -> bool:
    """Whether a logical name matches one of the shell-style patterns (``*-alb-sg``)."""
    return any(fnmatch.fnmatchcase(name, p) for p in patterns if isinstance(p, str))
