"""Run CrossGuard policy packs offline, the way ``pulumi preview --policy-pack`` runs them.

No Pulumi CLI is involved, but every step mirrors what the CLI does:

* A Python pack is started like the CLI's ``pulumi-analyzer-policy-python`` shim starts it:
  ``python -u -m pulumi.policy <engine address> .`` with the pack directory as working directory
  and ``PULUMI_CONFIG``/``PULUMI_PROJECT``/``PULUMI_STACK``/``PULUMI_ORGANIZATION``/
  ``PULUMI_DRY_RUN`` in the environment.  The pack prints its port on stdout.
* The pack is driven over the analyzer gRPC protocol in the engine's order: Handshake (tolerated
  when unimplemented), ConfigureStack, GetAnalyzerInfo, Configure, then Remediate/Analyze for
  every registered resource and AnalyzeStack once.
* The per-environment config file (``<pack>/<environment>.json``, falling back to ``prd.json``)
  is parsed and reconciled with the pack's policy metadata exactly as the CLI does for
  ``--policy-pack-config`` (shorthand ``"policy": "mandatory"``, the ``all`` key, schema
  defaults, schema validation).

Records are the offline plan engine's resource records (see ``plan/engine.py``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

__all__ = [
    "PolicyConfigEntry",
    "PolicyConfigError",
    "PolicyException",
    "PolicyPackError",
    "PolicyPackProcess",
    "PolicyRun",
    "Violation",
    "load_policy_pack_config",
    "policy_config_path",
    "reconcile_policy_config",
    "run_policy_packs",
]

# The CLI passes its own engine address; there is no engine here, and the Python policy host
# only parses the argument.  A closed loopback port makes any accidental use fail fast.
ENGINE_ADDRESS = "127.0.0.1:0"
START_TIMEOUT = 60.0
RPC_TIMEOUT = 120.0
_MAX_MESSAGE = 400 * 1024 * 1024  # what the CLI and the policy SDK allow
_CHANNEL_OPTIONS = [
    ("grpc.max_receive_message_length", _MAX_MESSAGE),
    ("grpc.max_send_message_length", _MAX_MESSAGE),
]

LEVELS: dict[str, analyzer_pb2.EnforcementLevel.ValueType] = {
    "advisory": analyzer_pb2.ADVISORY,
    "mandatory": analyzer_pb2.MANDATORY,
    "remediate": analyzer_pb2.REMEDIATE,
    "disabled": analyzer_pb2.DISABLED,
}


class PolicyPackError(Exception):
    """A policy pack failed to start or to answer; carries the pack and its stderr."""

    def __init__(self, pack: str, message: str, stderr: str = "") -> None:
        self.pack = pack
        self.stderr = stderr
        text = f"policy pack {pack!r}: {message}"
        if stderr.strip():
            text += f"\n--- stderr ---\n{stderr.rstrip()}"
        super().__init__(text)


class PolicyConfigError(PolicyPackError):
    """The policy config file is invalid (the CLI refuses to run with it)."""


@dataclass(frozen=True)
class Violation:
    pack: str
    policy: str
    enforcement_level: str  # advisory | mandatory | remediate | disabled
    urn: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {
            "pack": self.pack,
            "policy": self.policy,
            "enforcementLevel": self.enforcement_level,
            "urn": self.urn,
            "message": self.message,
        }


@dataclass(frozen=True)
class PolicyException:
    pack: str
    policy: str
    resource: str  # logical name
    reason: str

    def to_json(self) -> dict[str, str]:
        return {
            "pack": self.pack,
            "policy": self.policy,
            "resource": self.resource,
            "reason": self.reason,
        }


@dataclass
class PolicyConfigEntry:
    """One policy's config, as the CLI's ``plugin.AnalyzerPolicyConfig``."""

    enforcement_level: str = ""  # "" when not set
    properties: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- config


def policy_config_path(pack_dir: Path, environment: str) -> Path | None:
    """``<pack>/<environment>.json``; else the stricter ``prd.json``; else no config."""
    for name in (f"{environment}.json", "prd.json"):
        path = Path(pack_dir) / name
        if path.is_file():
            return path
    return None


def load_policy_pack_config(path: Path) -> dict[str, PolicyConfigEntry]:
    """Parse a ``--policy-pack-config`` file like the CLI's ``parsePolicyPackConfig``."""
    text = Path(path).read_text(encoding="utf-8")
    pack = Path(path).parent.name
    if not text.strip():
        return {}
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as err:
        raise PolicyConfigError(pack, f"{path}: invalid JSON: {err}") from err
    if not isinstance(raw, dict):
        raise PolicyConfigError(pack, f"{path}: expected a JSON object")
    result: dict[str, PolicyConfigEntry] = {}
    for key, value in raw.items():
        if isinstance(value, str):
            _check_level(pack, path, key, value)
            entry = PolicyConfigEntry(value, {})
        elif isinstance(value, dict):
            props = dict(value)
            level = props.pop("enforcementLevel", "")
            if level != "":
                if not isinstance(level, str):
                    raise PolicyConfigError(
                        pack, f"{path}: {key}: {level!r} is not a valid enforcement level"
                    )
                _check_level(pack, path, key, level)
            entry = PolicyConfigEntry(level, props)
        else:
            raise PolicyConfigError(
                pack, f"{path}: {key}: {value!r} is not a valid value; must be a string or object"
            )
        if entry.enforcement_level or entry.properties:  # the CLI drops empty configs
            result[key] = entry
    return result


def _check_level(pack: str, path: Path, key: str, level: str) -> None:
    if level not in LEVELS:
        raise PolicyConfigError(
            pack, f"{path}: {key}: {level!r} is not a valid enforcement level ({', '.join(LEVELS)})"
        )


def reconcile_policy_config(
    info: analyzer_pb2.AnalyzerInfo, config: Mapping[str, PolicyConfigEntry] | None
) -> dict[str, PolicyConfigEntry]:
    """The CLI's ``ReconcilePolicyPackConfig``: defaults, then initial config, then the file.

    Defaults are each policy's level and the ``default`` of each schema property; ``all`` sets
    every policy's level; keys are merged into (and may add to) the result; the result is
    validated against each policy's config schema.
    """
    result: dict[str, PolicyConfigEntry] = {}
    for policy in info.policies:
        schema = _schema(policy)
        defaults = {
            k: v["default"]
            for k, v in schema.get("properties", {}).items()
            if isinstance(v, dict) and "default" in v
        }
        result[policy.name] = PolicyConfigEntry(_level_name(policy.enforcementLevel), defaults)
    initial = {
        k: PolicyConfigEntry(
            _level_name(v.enforcementLevel), json_format.MessageToDict(v.properties)
        )
        for k, v in info.initialConfig.items()
    }
    for layer in (initial, dict(config or {})):
        _apply_config(result, layer)
    errors: list[str] = []
    for policy in info.policies:
        if not info.supportsConfig:
            continue
        schema = {"type": "object", **_schema(policy)}
        props = result.get(policy.name, PolicyConfigEntry()).properties
        for error in _validator(schema).iter_errors(props):
            where = ".".join(str(part) for part in error.absolute_path) or "(root)"
            errors.append(f"{policy.name}: {where}: {error.message}")
    if errors:
        raise PolicyConfigError(info.name, "invalid policy config:\n  " + "\n  ".join(errors))
    return result


def _validator(schema: Mapping[str, Any]) -> Any:
    """A JSON Schema validator, as the CLI validates policy config (imported only when needed)."""
    import jsonschema

    return jsonschema.Draft7Validator(schema)


def _apply_config(
    result: dict[str, PolicyConfigEntry], layer: Mapping[str, PolicyConfigEntry]
) -> None:
    all_ = layer.get("all")
    if all_ is not None and all_.enforcement_level in LEVELS:
        for entry in result.values():
            entry.enforcement_level = all_.enforcement_level
    for name, given in layer.items():
        entry = result.setdefault(name, PolicyConfigEntry())
        if given.enforcement_level in LEVELS:
            entry.enforcement_level = given.enforcement_level
        entry.properties = {**entry.properties, **given.properties}


def _schema(policy: analyzer_pb2.PolicyInfo) -> dict[str, Any]:
    schema: dict[str, Any] = {}
    if policy.HasField("configSchema"):
        schema["properties"] = json_format.MessageToDict(policy.configSchema.properties)
        if policy.configSchema.required:
            schema["required"] = list(policy.configSchema.required)
    return schema


def _level_name(level: int) -> str:
    return analyzer_pb2.EnforcementLevel.Name(level).lower()


def _configure_request(
    pack: str, config: Mapping[str, PolicyConfigEntry]
) -> analyzer_pb2.ConfigureAnalyzerRequest:
    request = analyzer_pb2.ConfigureAnalyzerRequest()
    for name, entry in config.items():
        if entry.enforcement_level not in LEVELS:  # as the CLI's analyzer.Configure
            raise PolicyConfigError(
                pack, f"{name}: invalid enforcement level {entry.enforcement_level!r}"
            )
        item = request.policyConfig[name]
        item.enforcementLevel = LEVELS[entry.enforcement_level]
        item.properties.update(entry.properties)
    return request


# --------------------------------------------------------------------------- records -> RPC


def _struct(props: Mapping[str, Any] | None) -> struct_pb2.Struct:
    result = struct_pb2.Struct()
    result.update(_without_internal_keys(dict(props or {})))
    return result


def _without_internal_keys(value: Any) -> Any:
    # The engine marshals with SkipInternalKeys: keys starting with "__" never reach a pack.
    if isinstance(value, dict):
        return {
            k: _without_internal_keys(v) for k, v in value.items() if not str(k).startswith("__")
        }
    if isinstance(value, list):
        return [_without_internal_keys(v) for v in value]
    return value


def _name(record: Mapping[str, Any]) -> str:
    return str(record.get("name") or str(record["urn"]).rsplit("::", 1)[-1])


def _options(record: Mapping[str, Any]) -> analyzer_pb2.AnalyzerResourceOptions:
    options = analyzer_pb2.AnalyzerResourceOptions(
        protect=bool(record.get("protect", False)),
        ignoreChanges=list(record.get("ignoreChanges") or []),
        parent=str(record.get("parent") or ""),
    )
    options.customTimeouts.SetInParent()  # the engine always sends (zero) custom timeouts
    return options


def _provider(
    record: Mapping[str, Any], by_urn: Mapping[str, Mapping[str, Any]]
) -> analyzer_pb2.AnalyzerProviderResource | None:
    reference = str(record.get("provider") or "")
    if not reference:
        return None
    provider = by_urn.get(reference.rsplit("::", 1)[0])  # "<urn>::<id>"
    if provider is None:
        return None
    return analyzer_pb2.AnalyzerProviderResource(
        type=str(provider["type"]),
        properties=_struct(provider.get("inputs")),  # the engine sends the provider's inputs
        urn=str(provider["urn"]),
        name=_name(provider),
    )


def _analyze_request(
    record: Mapping[str, Any],
    by_urn: Mapping[str, Mapping[str, Any]],
    properties: struct_pb2.Struct | None = None,
) -> analyzer_pb2.AnalyzeRequest:
    request = analyzer_pb2.AnalyzeRequest(
        type=str(record["type"]),
        properties=properties if properties is not None else _struct(record.get("inputs")),
        urn=str(record["urn"]),
        name=_name(record),
        options=_options(record),
    )
    provider = _provider(record, by_urn)
    if provider is not None:
        request.provider.CopyFrom(provider)
    return request


def _stack_resource(
    record: Mapping[str, Any], by_urn: Mapping[str, Mapping[str, Any]]
) -> analyzer_pb2.AnalyzerResource:
    resource = analyzer_pb2.AnalyzerResource(
        type=str(record["type"]),
        properties=_struct(record.get("outputs")),  # stack policies see outputs
        urn=str(record["urn"]),
        name=_name(record),
        options=_options(record),
        parent=str(record.get("parent") or ""),
        dependencies=[str(d) for d in record.get("dependencies") or []],
    )
    provider = _provider(record, by_urn)
    if provider is not None:
        resource.provider.CopyFrom(provider)
    for prop, urns in (record.get("propertyDependencies") or {}).items():
        if urns:  # the engine skips properties without dependencies
            resource.propertyDependencies[prop].urns.extend(str(u) for u in urns)
    return resource


# --------------------------------------------------------------------------- the process


class PolicyPackProcess:
    """One policy pack child process and a gRPC client for it (a context manager)."""

    def __init__(self, pack_dir: Path, env: Mapping[str, str] | None = None) -> None:
        self.pack_dir = Path(pack_dir).resolve()
        self.label = self.pack_dir.name
        self._env = dict(os.environ if env is None else env)
        self._process: subprocess.Popen[bytes] | None = None
        self._stdout: IO[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self._channel: grpc.Channel | None = None
        self._stub: analyzer_pb2_grpc.AnalyzerStub | None = None
        self.port: int | None = None
        self.start_seconds: float | None = None

    # lifecycle ---------------------------------------------------------------

    def start(self) -> None:
        if not (self.pack_dir / "__main__.py").is_file():
            raise PolicyPackError(self.label, f"no __main__.py in {self.pack_dir}")
        # Files, not pipes: a chatty pack can never block on a full pipe.  They live as long as
        # the child and are closed by close().
        self._stdout = tempfile.TemporaryFile()  # noqa: SIM115
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115
        self._started_at = time.monotonic()
        self._process = subprocess.Popen(
            [sys.executable, "-u", "-m", "pulumi.policy", ENGINE_ADDRESS, "."],
            cwd=self.pack_dir,
            env=self._env,
            stdin=subprocess.DEVNULL,
            stdout=self._stdout,
            stderr=self._stderr,
        )

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        """Wait for the port line, then for the channel to connect."""
        assert self._process is not None and self._stdout is not None, "start() first"
        deadline = self._started_at + timeout
        line = b""
        while True:
            self._stdout.seek(0)
            line = self._stdout.readline()
            if line.endswith(b"\n"):
                break
            if self._process.poll() is not None:
                raise PolicyPackError(
                    self.label,
                    f"exited with status {self._process.returncode} before printing its port",
                    self.stderr_text(),
                )
            if time.monotonic() > deadline:
                raise PolicyPackError(
                    self.label, f"printed no port within {timeout:.0f}s", self.stderr_text()
                )
            time.sleep(0.01)
        try:
            self.port = int(line.strip())
        except ValueError:
            raise PolicyPackError(
                self.label, f"expected a port on stdout, got {line[:200]!r}", self.stderr_text()
            ) from None
        self._channel = grpc.insecure_channel(f"127.0.0.1:{self.port}", options=_CHANNEL_OPTIONS)
        try:
            grpc.channel_ready_future(self._channel).result(
                timeout=max(0.1, deadline - time.monotonic())
            )
        except grpc.FutureTimeoutError:
            raise PolicyPackError(
                self.label, f"port {self.port} did not accept a connection", self.stderr_text()
            ) from None
        self._stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)
        self.start_seconds = time.monotonic() - self._started_at

    def close(self) -> None:
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        for stream in (self._stdout, self._stderr):
            if stream is not None:
                stream.close()
        self._stdout = self._stderr = None

    def __enter__(self) -> PolicyPackProcess:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def stderr_text(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace")

    # RPCs --------------------------------------------------------------------

    def _call(self, method: str, request: Any, *, optional: bool = False) -> Any:
        """Call ``method``; ``optional`` calls (ones the engine tolerates being unimplemented,
        such as Handshake and ConfigureStack) return None when the pack does not serve them."""
        assert self._stub is not None, "wait_ready() first"
        try:
            return getattr(self._stub, method)(request, timeout=RPC_TIMEOUT)
        except grpc.RpcError as err:
            if optional and err.code() == grpc.StatusCode.UNIMPLEMENTED:
                return None
            raise PolicyPackError(
                self.label,
                f"{method} failed: {err.code().name}: {err.details()}",
                self.stderr_text(),
            ) from err

    def handshake(self) -> analyzer_pb2.AnalyzerHandshakeResponse | None:
        directory = str(self.pack_dir)
        return self._call(
            "Handshake",
            analyzer_pb2.AnalyzerHandshakeRequest(
                engine_address=ENGINE_ADDRESS,
                root_directory=directory,
                program_directory=directory,
            ),
            optional=True,
        )

    def configure_stack(
        self,
        *,
        project: str,
        stack: str,
        organization: str,
        config: Mapping[str, str],
        tags: Mapping[str, str],
        dry_run: bool = True,
    ) -> None:
        self._call(
            "ConfigureStack",
            analyzer_pb2.AnalyzerStackConfigureRequest(
                stack=stack,
                project=project,
                organization=organization,
                dry_run=dry_run,
                config=dict(config),
                tags=dict(tags),
            ),
            optional=True,
        )

    def analyzer_info(self) -> analyzer_pb2.AnalyzerInfo:
        return self._call("GetAnalyzerInfo", empty_pb2.Empty())

    def configure(
        self, info: analyzer_pb2.AnalyzerInfo, config: Mapping[str, PolicyConfigEntry]
    ) -> None:
        if info.supportsConfig and config:  # the CLI skips both cases
            self._call("Configure", _configure_request(info.name, config))

    def remediate(self, request: analyzer_pb2.AnalyzeRequest) -> analyzer_pb2.RemediateResponse:
        return self._call("Remediate", request, optional=True) or analyzer_pb2.RemediateResponse()

    def analyze(self, request: analyzer_pb2.AnalyzeRequest) -> analyzer_pb2.AnalyzeResponse:
        return self._call("Analyze", request)

    def analyze_all(
        self, requests: Sequence[analyzer_pb2.AnalyzeRequest]
    ) -> list[analyzer_pb2.AnalyzeResponse]:
        """Analyze each request, all of them in flight at once; responses in request order."""
        assert self._stub is not None, "wait_ready() first"
        futures = [self._stub.Analyze.future(r, timeout=RPC_TIMEOUT) for r in requests]
        try:
            return [future.result() for future in futures]
        except grpc.RpcError as err:
            raise PolicyPackError(
                self.label,
                f"Analyze failed: {err.code().name}: {err.details()}",
                self.stderr_text(),
            ) from err

    def analyze_stack(
        self, resources: Iterable[analyzer_pb2.AnalyzerResource]
    ) -> analyzer_pb2.AnalyzeResponse:
        request = analyzer_pb2.AnalyzeStackRequest(resources=list(resources))
        return self._call("AnalyzeStack", request, optional=True) or analyzer_pb2.AnalyzeResponse()


# --------------------------------------------------------------------------- the run


class PolicyRun:
    """Policy packs started for one stack, ready to analyze its resources (a context manager).

    Enter it before running the program, so the packs boot while the program runs; every
    child is terminated on exit.
    """

    def __init__(
        self,
        pack_dirs: Sequence[Path],
        *,
        project: str,
        stack: str,
        config: Mapping[str, str] | None = None,
        organization: str = "organization",
        stack_tags: Mapping[str, str] | None = None,
        start_timeout: float = START_TIMEOUT,
    ) -> None:
        self.pack_dirs = [Path(p) for p in pack_dirs]
        self.project, self.stack, self.organization = project, stack, organization
        self.config = dict(config or {})
        self.stack_tags = dict(stack_tags or {})
        self.start_timeout = start_timeout
        self.packs: list[PolicyPackProcess] = []
        self._cleanup = ExitStack()

    def __enter__(self) -> PolicyRun:
        env = dict(os.environ)
        if self.config:
            env["PULUMI_CONFIG"] = json.dumps(self.config)
        env.update(
            PULUMI_ORGANIZATION=self.organization,
            PULUMI_PROJECT=self.project,
            PULUMI_STACK=self.stack,
            PULUMI_DRY_RUN="true",
        )
        with ExitStack() as cleanup:
            for pack_dir in self.pack_dirs:
                pack = PolicyPackProcess(pack_dir, env)
                cleanup.callback(pack.close)
                pack.start()
                self.packs.append(pack)
            self._cleanup = cleanup.pop_all()
        return self

    def __exit__(self, *exc: object) -> None:
        self._cleanup.close()

    def analyze(
        self, resources: Sequence[Mapping[str, Any]], environment: str
    ) -> tuple[list[Violation], list[PolicyException]]:
        """Drive every pack over ``resources``, concurrently; violations and exceptions taken.

        ``environment`` picks each pack's config file (see ``policy_config_path``).
        """
        for pack in self.packs:
            pack.wait_ready(self.start_timeout)
        job = _Job(
            list(resources),
            self.project,
            self.stack,
            environment,
            self.organization,
            self.config,
            self.stack_tags,
        )
        with ThreadPoolExecutor(max_workers=max(1, len(self.packs))) as pool:
            results = list(pool.map(job.drive, self.packs))
        violations = [v for found, _ in results for v in found]
        exceptions = [e for _, found in results for e in found]
        return violations, exceptions


def run_policy_packs(
    pack_dirs: Sequence[Path],
    resources: Sequence[Mapping[str, Any]],
    *,
    project: str,
    stack: str,
    environment: str,
    config: Mapping[str, str] | None = None,
    organization: str = "organization",
    stack_tags: Mapping[str, str] | None = None,
    start_timeout: float = START_TIMEOUT,
) -> tuple[list[Violation], list[PolicyException]]:
    """Run each pack over ``resources`` as a preview would; return violations and exceptions.

    ``config`` is the stack config as the CLI passes it to packs (``{"<ns>:<key>": value}``);
    ``organization`` defaults to what a self-managed backend reports.
    """
    with PolicyRun(
        pack_dirs,
        project=project,
        stack=stack,
        config=config,
        organization=organization,
        stack_tags=stack_tags,
        start_timeout=start_timeout,
    ) as run:
        return run.analyze(resources, environment)


@dataclass
class _Job:
    records: list[Mapping[str, Any]]
    project: str
    stack: str
    environment: str
    organization: str
    config: dict[str, str]
    tags: dict[str, str]

    def drive(self, pack: PolicyPackProcess) -> tuple[list[Violation], list[PolicyException]]:
        by_urn = {str(r["urn"]): r for r in self.records}
        pack.handshake()
        pack.configure_stack(
            project=self.project,
            stack=self.stack,
            organization=self.organization,
            config=self.config,
            tags=self.tags,
        )
        info = pack.analyzer_info()
        path = policy_config_path(pack.pack_dir, self.environment)
        policy_config = reconcile_policy_config(
            info, load_policy_pack_config(path) if path else None
        )
        pack.configure(info, policy_config)

        def violation(d: analyzer_pb2.AnalyzeDiagnostic, urn: str) -> Violation:
            # The engine reports a diagnostic at level "remediate" as mandatory.
            level = d.enforcementLevel
            return Violation(
                pack=d.policyPackName or info.name,
                policy=d.policyName,
                enforcement_level=_level_name(
                    analyzer_pb2.MANDATORY if level == analyzer_pb2.REMEDIATE else level
                ),
                urn=urn,
                message=d.message,
            )

        violations: list[Violation] = []
        # The Python SDK only remediates with policies at level "remediate"; skip the RPC
        # when none is, since it could not change anything.
        remediating = any(e.enforcement_level == "remediate" for e in policy_config.values())
        requests = [_analyze_request(record, by_urn) for record in self.records]
        for request in requests if remediating else []:
            for remediation in pack.remediate(request).remediations:
                if remediation.diagnostic:
                    violations.append(
                        Violation(
                            remediation.policyPackName or info.name,
                            remediation.policyName,
                            "advisory",
                            request.urn,
                            remediation.diagnostic,
                        )
                    )
                elif remediation.HasField("properties"):
                    request.properties.CopyFrom(remediation.properties)
        # Each resource is analyzed on its own, as the engine does; the requests are in flight
        # together so the pack's server threads, not round trips, set the pace. The engine
        # reports resource diagnostics against the analyzed resource's URN.
        for request, response in zip(requests, pack.analyze_all(requests), strict=True):
            violations += [violation(d, request.urn) for d in response.diagnostics]

        stack_urn = (
            f"urn:pulumi:{self.stack}::{self.project}::pulumi:pulumi:Stack::"
            f"{self.project}-{self.stack}"
        )
        response = pack.analyze_stack(_stack_resource(r, by_urn) for r in self.records)
        for d in response.diagnostics:
            # An empty or unknown URN is reported against the root stack, as the engine does.
            violations.append(violation(d, d.urn if d.urn in by_urn else stack_urn))
        return violations, self._exceptions(info, policy_config)

    def _exceptions(
        self, info: analyzer_pb2.AnalyzerInfo, policy_config: Mapping[str, PolicyConfigEntry]
    ) -> list[PolicyException]:
        names = {_name(r) for r in self.records}
        found: dict[tuple[str, str], PolicyException] = {}
        for policy in info.policies:
            entry = policy_config.get(policy.name)
            exceptions = entry.properties.get("exceptions") if entry else None
            if not isinstance(exceptions, dict):
                continue
            for resource, reason in exceptions.items():
                if resource in names:
                    found[(policy.name, resource)] = PolicyException(
                        info.name, policy.name, resource, str(reason)
                    )
        return list(found.values())
