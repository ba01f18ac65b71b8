"""Run the unmodified Pulumi program under the SDK's mock engine and record what it declares.

The recording is what the real engine would see at `pulumi preview`: each registration's
type, URN, parent, provider, options and camelCase inputs, with the AWS provider's default
tags merged into `tagsAll` as its Check does. The mock answers with plausible outputs
(`plan.mock_outputs`) so that ids, ARNs and endpoints flowing into later inputs look real.
"""

from __future__ import annotations

import asyncio
import contextvars
import gc
import json
import logging
import os
import runpy
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime import mocks
from pulumi.runtime.settings import SETTINGS, configure
from pulumi.runtime.stack import run_in_stack

from components.config.files import read_yaml
from plan import mock_outputs

SECRET_SIG = "4dabf18193072939515e22adb298388d"
SECRET_VALUE_SIG = "1b47061264138c4ac30d75fd1eb44270"
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17"
ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
SECRET_PLACEHOLDER = "[secret]"
COMPUTED_PLACEHOLDER = "[computed]"
ROOT_STACK_TYPE = "pulumi:pulumi:Stack"
AWS_PROVIDER_TYPE = "pulumi:providers:aws"


class _Warnings(logging.Handler):
    """The program's `pulumi.log.warn` lines on stderr, as the CLI shows them."""

    def emit(self, record: logging.LogRecord) -> None:
        print(f"warning: {record.getMessage()}", file=sys.stderr)


PROGRAM_LOG = logging.getLogger("plan.program")
PROGRAM_LOG.addHandler(_Warnings(logging.WARNING))
PROGRAM_LOG.propagate = False


class ProgramError(Exception):
    """The program failed, or did something the real engine would refuse."""


class StackFileError(Exception):
    """A project or stack file is missing or is not valid YAML."""


@dataclass
class Registration:
    """One resource as the engine records it at preview."""

    urn: str
    id: str
    type: str
    name: str
    custom: bool
    parent: str
    provider: str
    protect: bool
    retain_on_delete: bool
    ignore_changes: list[str]
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    inputs: dict[str, Any]
    outputs: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The resource as the plan's JSON prints it."""
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "custom": self.custom,
            "parent": self.parent,
            "provider": self.provider,
            "protect": self.protect,
            "retainOnDelete": self.retain_on_delete,
            "ignoreChanges": self.ignore_changes,
            "dependencies": self.dependencies,
            "inputs": self.inputs,
        }

    def to_policy_record(self) -> dict[str, Any]:
        """The resource as the policy driver takes it: with outputs and property dependencies."""
        return {
            **self.to_json(),
            "outputs": self.outputs,
            "propertyDependencies": self.property_dependencies,
        }


@dataclass
class Plan:
    project: str
    stack: str
    config: dict[str, str]
    resources: list[Registration]
    outputs: dict[str, Any]

    @property
    def stack_urn(self) -> str:
        """The root stack's URN, the parent of every top-level resource."""
        name = f"{self.project}-{self.stack}"
        return f"urn:pulumi:{self.stack}::{self.project}::{ROOT_STACK_TYPE}::{name}"


class _Mocks(mocks.Mocks):
    """Plausible outputs for every resource; no invoke is answered."""

    def __init__(self, monitor: RecordingMonitor) -> None:
        self.monitor = monitor

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str, dict]:
        return mock_outputs.for_resource(
            args.typ, args.name, args.inputs, **self.monitor.placement(args.provider, args.inputs)
        )

    def call(self, args: mocks.MockCallArgs) -> tuple[dict, list[tuple[str, str]] | None]:
        raise ProgramError(
            f"the program calls {args.token}, which needs AWS credentials at preview; "
            "take the value from the stack config instead"
        )


class RecordingMonitor(mocks.MockMonitor):
    """The SDK's mock monitor, recording registrations as the real engine would see them."""

    def __init__(self, region: str, account_id: str, default_provider_packages: Sequence[str]):
        super().__init__(_Mocks(self))
        self.region = region
        self.account_id = account_id
        self.denied_default_providers = set(default_provider_packages)
        self.registrations: list[Registration] = []
        self.errors: list[str] = []
        self._qualified_types: dict[str, str] = {}
        self._provider_state: dict[str, dict[str, Any]] = {}
        self._thread_loops: set[asyncio.AbstractEventLoop] = set()

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        # As the engine does: the parent's whole type chain, the root stack left out.
        qualified = type_
        if parent and parent.split("::")[2] != ROOT_STACK_TYPE:
            qualified = f"{parent.split('::')[2]}${type_}"
        return f"urn:pulumi:{pulumi.get_stack()}::{pulumi.get_project()}::{qualified}::{name}"

    def placement(self, provider_ref: str | None, inputs: Mapping[str, Any]) -> dict[str, str]:
        """The region and account a resource lands in: its own region input, else its
        provider's region."""
        provider = self._provider_state.get(provider_ref or "", {})
        region = inputs.get("region") or provider.get("region") or self.region
        return {"region": region, "account_id": self.account_id}

    def RegisterResource(self, request: Any) -> Any:
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == ROOT_STACK_TYPE:
            self.registrations.append(_root_stack(urn, request.name))
            return super().RegisterResource(request)
        inputs = _plain(json_format.MessageToDict(request.object))
        package = request.type.split(":")[0]
        if request.custom and not request.provider and package in self.denied_default_providers:
            self.errors.append(
                f"{urn} has no explicit provider, and default {package} providers are disabled"
            )
        if request.type == AWS_PROVIDER_TYPE:
            inputs = {k: _json_or_text(v) for k, v in inputs.items()}
        elif request.custom and package == "aws":
            tags = self._default_tags(request.provider)
            if tags and mock_outputs.taggable(request.type):
                inputs["tagsAll"] = {**tags, **(inputs.get("tags") or {})}
        response = super().RegisterResource(request)
        self._thread_loops.add(asyncio.get_event_loop())  # made by the SDK for this thread
        # The engine keeps a provider's additionalSecretOutputs secret, whatever the mock says.
        for key in request.additionalSecretOutputs:
            if key in response.object.fields:
                _mark_secret(response.object, key)
        outputs = {**_plain(json_format.MessageToDict(response.object)), **inputs}
        if request.type.startswith("pulumi:providers:"):
            self._provider_state[f"{urn}::{response.id}"] = inputs
        self.registrations.append(
            Registration(
                urn=urn,
                id=response.id,
                type=request.type,
                name=request.name,
                custom=request.custom,
                parent=request.parent,
                provider=request.provider,
                protect=request.protect,
                retain_on_delete=request.retainOnDelete,
                ignore_changes=list(request.ignoreChanges),
                dependencies=list(request.dependencies),
                property_dependencies={
                    k: list(v.urns) for k, v in request.propertyDependencies.items()
                },
                inputs=inputs,
                outputs=outputs,
            )
        )
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:
        if request.urn.split("::")[2] == ROOT_STACK_TYPE:
            (stack,) = [r for r in self.registrations if r.urn == request.urn]
            stack.outputs = _plain(json_format.MessageToDict(request.outputs))
        return super().RegisterResourceOutputs(request)

    def close_thread_loops(self) -> None:
        """Close the event loops the SDK made in executor threads for (de)serialising."""
        for loop in self._thread_loops:
            if not loop.is_running():
                loop.close()

    def _default_tags(self, provider_ref: str) -> dict[str, str]:
        default_tags = self._provider_state.get(provider_ref, {}).get("defaultTags") or {}
        return dict(default_tags.get("tags") or {})


def _mark_secret(struct: struct_pb2.Struct, key: str) -> None:
    value = json_format.MessageToDict(struct.fields[key])
    struct.fields[key].struct_value.Clear()
    struct.fields[key].struct_value.update({SECRET_SIG: SECRET_VALUE_SIG, "value": value})


def _root_stack(urn: str, name: str) -> Registration:
    return Registration(
        urn=urn, id="", type=ROOT_STACK_TYPE, name=name, custom=False, parent="", provider="",
        protect=False, retain_on_delete=False, ignore_changes=[], dependencies=[],
        property_dependencies={}, inputs={},
    )  # fmt: skip


def _plain(value: Any) -> Any:
    """A protobuf-decoded value with secrets, resource references and unknowns replaced by
    printable placeholders (a secret's value never leaves this function)."""
    if isinstance(value, dict):
        if SECRET_SIG in value:
            sig = value[SECRET_SIG]
            if sig == RESOURCE_SIG:
                return value.get("urn", "")
            if sig == ASSET_SIG:
                return f"[asset {value.get('path') or value.get('uri') or 'text'}]"
            if sig == ARCHIVE_SIG:
                files = len(value.get("assets") or {})
                contents = f"of {files} file{'' if files == 1 else 's'}"
                return f"[archive {value.get('path') or value.get('uri') or contents}]"
            return SECRET_PLACEHOLDER
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if value == UNKNOWN:
        return COMPUTED_PLACEHOLDER
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _json_or_text(value: Any) -> Any:
    """Provider inputs arrive JSON-encoded."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def read_stack_config(
    project_dir: Path, stack: str, stack_config_dir: Path | None = None
) -> tuple[str, dict[str, str], list[str]]:
    """The project name, and the config the CLI would hand the program: Pulumi.yaml's project
    config under the stack file's, as strings (JSON for objects); secure values as placeholders.

    The stack file is looked up where the CLI looks: `stack_config_dir`, else Pulumi.yaml's
    `stackConfigDir`, else beside Pulumi.yaml.
    """
    project_file = _read_yaml(project_dir / "Pulumi.yaml")
    project = project_file["name"]
    config_dir = stack_config_dir or project_dir / project_file.get("stackConfigDir", ".")
    stack_path = config_dir / f"Pulumi.{stack}.yaml"
    if not stack_path.exists():
        raise StackFileError(f"{stack_path.name} not found: there is no stack named {stack!r}")
    stack_file = _read_yaml(stack_path)
    if not isinstance(stack_file.get("config") or {}, Mapping):
        raise StackFileError(
            f"{stack_path.name}: config: expected a mapping of keys such as "
            f"{project}:owner, got a {type(stack_file['config']).__name__}"
        )

    values: dict[str, Any] = {}
    for key, spec in (project_file.get("config") or {}).items():
        full_key = key if ":" in key else f"{project}:{key}"
        if isinstance(spec, Mapping) and ("value" in spec or "default" in spec):
            values[full_key] = spec.get("value", spec.get("default"))
        elif not isinstance(spec, Mapping):
            values[full_key] = spec
    for key, value in (stack_file.get("config") or {}).items():
        values[key if ":" in key else f"{project}:{key}"] = value

    secret_keys = sorted(k for k, v in values.items() if _has_secure(v))
    config = {k: _config_text(_without_secure(v)) for k, v in values.items()}
    return project, config, secret_keys


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        document = read_yaml(path.read_text()) or {}
    except yaml.MarkedYAMLError as exc:
        line = f" at line {exc.problem_mark.line + 1}" if exc.problem_mark else ""
        raise StackFileError(f"{path.name}: not valid YAML: {exc.problem}{line}") from None
    if not isinstance(document, dict):
        raise StackFileError(f"{path.name}: expected a mapping at the top")
    return document


def _has_secure(value: Any) -> bool:
    if isinstance(value, Mapping):
        return "secure" in value or any(_has_secure(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_secure(v) for v in value)
    return False


def _without_secure(value: Any) -> Any:
    if isinstance(value, Mapping):
        if set(value) == {"secure"}:
            return SECRET_PLACEHOLDER
        return {k: _without_secure(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_secure(v) for v in value]
    return value


def _config_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value)


def run(project_dir: Path, stack: str, stack_config_dir: Path | None = None) -> Plan:
    """Run `<project_dir>/__main__.py` for `stack` under the mock engine, as a preview.

    The run has a context of its own, so the SDK's global state does not outlive it. The cycle
    collector waits until the run ends: a plan makes hundreds of thousands of objects that
    reference counting frees, and the collector's passes over them were half a plan's CPU.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        return contextvars.copy_context().run(_run, project_dir, stack, stack_config_dir)
    finally:
        if collecting:
            gc.enable()


def _run(project_dir: Path, stack: str, stack_config_dir: Path | None) -> Plan:
    project_dir = project_dir.resolve()
    project, config, secret_keys = read_stack_config(project_dir, stack, stack_config_dir)
    disabled = json.loads(config.get("pulumi:disable-default-providers", "[]"))
    monitor = RecordingMonitor(
        region=config.get("aws:region", "ap-northeast-1"),
        account_id=_account_id(config, project),
        default_provider_packages=disabled,
    )
    features = monitor.GetDeploymentInfo(empty_pb2.Empty()).supportedFeatures
    configure(
        mocks.MockSettings(
            monitor=monitor,
            monitor_features=set(features),
            engine=mocks.MockEngine(PROGRAM_LOG),
            project=project,
            stack=stack,
            dry_run=True,
            organization="organization",
            callbacks=None,
        )
    )
    pulumi.runtime.set_all_config(config, secret_keys)

    program = str(project_dir / "__main__.py")
    sys.path.insert(0, str(project_dir))
    cwd = os.getcwd()
    os.chdir(project_dir)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(run_in_stack(lambda: _run_main(program)))
    except Exception as exc:
        declared = [r for r in monitor.registrations if r.type != ROOT_STACK_TYPE]
        exc.add_note(f"resources declared before the failure: {len(declared)}")
        raise
    finally:
        os.chdir(cwd)
        sys.path.remove(str(project_dir))
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()
        monitor.close_thread_loops()
    if monitor.errors:
        raise ProgramError(monitor.errors[0])
    resources = sorted(monitor.registrations, key=lambda r: r.urn)
    (root,) = [r for r in resources if r.type == ROOT_STACK_TYPE]
    return Plan(project, stack, config, resources, root.outputs)


async def _run_main(path: str) -> None:
    """Run the program file as the language host does: as `__main__`; then wait for its
    outputs to settle.

    The SDK's own wait (`wait_for_rpcs`) takes the outstanding outputs one completion at a
    time, watching all of them on each turn: quadratic in their number, half the plan's time.
    Waiting here for all of them at once leaves it the same end state at once: every output
    resolved, a failed one still tracked, so the SDK raises its error as before.
    """
    runpy.run_path(path, run_name="__main__")
    while True:
        with SETTINGS.lock:
            pending = [task for task in SETTINGS.outputs if not task.done()]
        if not pending:
            return
        await asyncio.wait(pending)


def _account_id(config: Mapping[str, str], project: str) -> str:
    """The account ARNs are minted in: the stack's own, or AWS's documentation example."""
    return config.get(f"{project}:accountId", "123456789012")
