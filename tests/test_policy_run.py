"""The offline policy driver against a small fixture pack, over the real analyzer protocol."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from plan import policy_run
from plan.policy_run import (
    PolicyConfigEntry,
    PolicyConfigError,
    PolicyException,
    PolicyPackError,
    PolicyPackProcess,
    Violation,
    _analyze_request,
    load_policy_pack_config,
    policy_config_path,
    reconcile_policy_config,
    run_policy_packs,
)

SAMPLE = Path(__file__).parent / "fixtures" / "packs" / "sample"
PREFIX = "urn:pulumi:dev::webplatform::"
STACK_URN = f"{PREFIX}pulumi:pulumi:Stack::webplatform-dev"
MAIN = f"{PREFIX}pulumi:providers:aws::main"
FAR = f"{PREFIX}pulumi:providers:aws::far"
STORAGE = f"{PREFIX}webplatform:data:Storage::storage"
CHILD = f"{PREFIX}webplatform:data:Storage$"


def record(urn: str, type_: str, inputs: dict[str, Any], **extra: Any) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "urn": urn,
        "type": type_,
        "name": urn.rsplit("::", 1)[-1],
        "custom": True,
        "parent": "",
        "provider": "",
        "protect": False,
        "retainOnDelete": False,
        "ignoreChanges": [],
        "dependencies": [],
        "propertyDependencies": {},
        "inputs": inputs,
        "outputs": {**inputs, "id": urn.rsplit("::", 1)[-1] + "-id"},
    }
    rec.update(extra)
    return rec


def bucket(name: str, tags: dict[str, str], **extra: Any) -> dict[str, Any]:
    rec = record(
        f"{CHILD}aws:s3/bucket:Bucket::{name}",
        "aws:s3/bucket:Bucket",
        {"bucket": name, "tagsAll": tags, "tags": tags},
        parent=STORAGE,
        provider=f"{MAIN}::11111111-main",
        **extra,
    )
    rec["outputs"].update({"arn": f"arn:aws:s3:::{name}", "__meta": "internal"})
    return rec


ASSETS = bucket("assets", {"Owner": "web", "Environment": "dev"}, protect=True)
LOGS = bucket("logs", {"Owner": "web"})
LEGACY = bucket("legacy-bucket", {})
POLICY = record(
    f"{CHILD}aws:s3/bucketPolicy:BucketPolicy::assets-policy",
    "aws:s3/bucketPolicy:BucketPolicy",
    {"bucket": "assets", "policy": "[secret]"},
    parent=STORAGE,
    provider=f"{MAIN}::11111111-main",
    dependencies=[ASSETS["urn"]],
    propertyDependencies={"bucket": [ASSETS["urn"]], "policy": []},
)
QUEUE = record(
    f"{PREFIX}aws:sqs/queue:Queue::jobs",
    "aws:sqs/queue:Queue",
    {"name": "jobs"},
    provider=f"{FAR}::22222222-far",
)
RECORDS = [
    record(MAIN, "pulumi:providers:aws", {"region": "eu-west-1", "__internal": {"x": 1}}),
    record(FAR, "pulumi:providers:aws", {"region": "ap-south-1"}),
    record(STORAGE, "webplatform:data:Storage", {}, custom=False),
    ASSETS,
    LOGS,
    LEGACY,
    POLICY,
    QUEUE,
]
BY_URN = {r["urn"]: r for r in RECORDS}


class RecordingPopen(subprocess.Popen):  # type: ignore[type-arg]
    started: ClassVar[list[subprocess.Popen[bytes]]] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        RecordingPopen.started.append(self)


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[subprocess.Popen[bytes]]:
    started: ClassVar[list[subprocess.Popen[bytes]]] = []
    monkeypatch.setattr(RecordingPopen, "started", started)
    monkeypatch.setattr(policy_run.subprocess, "Popen", RecordingPopen)
    return started


@pytest.fixture(scope="module")
def pack() -> Iterator[PolicyPackProcess]:
    with PolicyPackProcess(SAMPLE) as process:
        process.wait_ready()
        yield process


@pytest.fixture(scope="module")
def info(pack: PolicyPackProcess) -> Any:
    return pack.analyzer_info()


@pytest.fixture(scope="module")
def dev_run() -> Iterator[tuple[list[Violation], list[PolicyException], list[Any]]]:
    started: ClassVar[list[subprocess.Popen[bytes]]] = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(RecordingPopen, "started", started)
        mp.setattr(policy_run.subprocess, "Popen", RecordingPopen)
        violations, exceptions = run_policy_packs(
            [SAMPLE],
            RECORDS,
            project="webplatform",
            stack="dev",
            environment="dev",
            config={"webplatform:environment": "dev"},
        )
    yield violations, exceptions, started


def configure(pack: PolicyPackProcess, info: Any, name: str | None) -> None:
    config = load_policy_pack_config(SAMPLE / name) if name else None
    pack.configure(info, reconcile_policy_config(info, config))


def analyze(pack: PolicyPackProcess, rec: dict[str, Any]) -> list[tuple[str, str, str]]:
    response = pack.analyze(_analyze_request(rec, BY_URN))
    return [
        (d.policyName, policy_run._level_name(d.enforcementLevel), d.message.split("\n")[-1])
        for d in response.diagnostics
    ]


# --------------------------------------------------------------------------- the process


def test_pack_boots_and_answers_analyzer_info(pack: PolicyPackProcess, info: Any) -> None:
    assert pack.port and pack.start_seconds is not None
    assert pack.handshake() is None  # the Python SDK does not serve Handshake
    assert info.name == "sample-pack" and info.supportsConfig
    levels = {p.name: policy_run._level_name(p.enforcementLevel) for p in info.policies}
    assert levels == {
        "required-tags": "mandatory",
        "allowed-regions": "advisory",
        "bucket-has-policy": "advisory",
        "stack-inventory": "disabled",
    }


# --------------------------------------------------------------------------- config


def test_config_file_is_the_environment_then_prd(tmp_path: Path) -> None:
    assert policy_config_path(SAMPLE, "dev") == SAMPLE / "dev.json"
    assert policy_config_path(SAMPLE, "stg") == SAMPLE / "prd.json"
    assert policy_config_path(tmp_path, "dev") is None


def test_config_file_is_parsed_like_the_cli(tmp_path: Path) -> None:
    path = tmp_path / "dev.json"
    path.write_text(
        json.dumps(
            {
                "all": "mandatory",
                "p": "advisory",
                "q": {"enforcementLevel": "disabled", "limit": 3},
                "r": {"limit": 4},
                "empty": {},
            }
        )
    )
    assert load_policy_pack_config(path) == {
        "all": PolicyConfigEntry("mandatory", {}),
        "p": PolicyConfigEntry("advisory", {}),
        "q": PolicyConfigEntry("disabled", {"limit": 3}),
        "r": PolicyConfigEntry("", {"limit": 4}),
    }
    for bad in ({"p": "strict"}, {"p": {"enforcementLevel": 1}}, {"p": 3}):
        path.write_text(json.dumps(bad))
        with pytest.raises(PolicyConfigError, match=r": p: "):
            load_policy_pack_config(path)


def test_reconcile_applies_defaults_all_then_policy_keys(info: Any) -> None:
    prd = reconcile_policy_config(info, load_policy_pack_config(SAMPLE / "prd.json"))
    assert {k: v.enforcement_level for k, v in prd.items()} == {
        "required-tags": "mandatory",
        "allowed-regions": "mandatory",
        "bucket-has-policy": "mandatory",
        "stack-inventory": "disabled",  # a policy key wins over "all"
        "all": "mandatory",  # the CLI passes the "all" entry on as well
    }
    assert prd["required-tags"].properties == {"requiredTags": ["Owner", "Environment", "Project"]}
    # The CLI fills in "default" values from the policy's config schema.
    assert prd["stack-inventory"].properties == {"label": "inventory"}
    no_file = reconcile_policy_config(info, None)
    assert no_file["required-tags"] == PolicyConfigEntry("mandatory", {})


def test_reconcile_rejects_params_that_break_the_schema(info: Any) -> None:
    bad = {"required-tags": PolicyConfigEntry("", {"requiredTags": "Owner"})}
    with pytest.raises(
        PolicyConfigError, match="required-tags: requiredTags: 'Owner' is not of type 'array'"
    ):
        reconcile_policy_config(info, bad)


def test_configure_rejects_params_for_an_unknown_policy(pack: PolicyPackProcess, info: Any) -> None:
    config = reconcile_policy_config(info, {"no-such-policy": PolicyConfigEntry("", {"x": 1})})
    with pytest.raises(PolicyConfigError, match="no-such-policy: invalid enforcement level"):
        pack.configure(info, config)


# --------------------------------------------------------------------------- Analyze


def test_configure_changes_levels_and_params(pack: PolicyPackProcess, info: Any) -> None:
    configure(pack, info, None)  # pack defaults: requiredTags = [Owner], mandatory
    assert analyze(pack, LOGS) == []
    configure(pack, info, "dev.json")
    assert analyze(pack, LOGS) == [("required-tags", "advisory", "missing tags: Environment")]
    configure(pack, info, "prd.json")
    assert analyze(pack, LOGS) == [
        ("required-tags", "mandatory", "missing tags: Environment, Project")
    ]


def test_analyze_reports_violations_only_for_violating_records(
    pack: PolicyPackProcess, info: Any
) -> None:
    configure(pack, info, "dev.json")
    assert analyze(pack, ASSETS) == []
    assert analyze(pack, LOGS) == [("required-tags", "advisory", "missing tags: Environment")]
    assert analyze(pack, LEGACY) == []  # excepted in dev.json
    assert analyze(pack, QUEUE) == [
        ("allowed-regions", "advisory", "provider far uses region ap-south-1")
    ]


def test_analyze_request_carries_options_and_provider() -> None:
    request = _analyze_request(POLICY, BY_URN)
    assert request.name == "assets-policy" and request.options.parent == STORAGE
    assert request.provider.name == "main" and request.provider.type == "pulumi:providers:aws"
    assert dict(request.provider.properties) == {"region": "eu-west-1"}  # "__" keys dropped
    assert request.properties["policy"] == "[secret]"
    assert _analyze_request(ASSETS, BY_URN).options.protect is True


# --------------------------------------------------------------------------- a whole run


def test_run_reports_violations_with_levels(dev_run: Any) -> None:
    violations, _, _ = dev_run
    found = {(v.policy, v.enforcement_level, v.urn) for v in violations}
    assert ("required-tags", "advisory", LOGS["urn"]) in found
    assert ("allowed-regions", "advisory", QUEUE["urn"]) in found
    assert ("bucket-has-policy", "advisory", LOGS["urn"]) in found
    assert ("bucket-has-policy", "advisory", LEGACY["urn"]) in found
    assert not any(v.urn == ASSETS["urn"] for v in violations)
    assert all(v.pack == "sample-pack" for v in violations)
    assert set(violations[0].to_json()) == {"pack", "policy", "enforcementLevel", "urn", "message"}


def test_run_reports_exceptions_and_they_suppress(dev_run: Any) -> None:
    violations, exceptions, _ = dev_run
    assert exceptions == [
        PolicyException(
            "sample-pack",
            "required-tags",
            "legacy-bucket",
            "Imported bucket, tagged by the data team.",
        )
    ]
    assert not [v for v in violations if v.policy == "required-tags" and v.urn == LEGACY["urn"]]


def test_stack_policy_sees_every_resource_with_its_graph(dev_run: Any) -> None:
    violations, _, _ = dev_run
    (inventory,) = [v for v in violations if v.policy == "stack-inventory"]
    assert inventory.urn == STACK_URN  # no URN given: reported against the stack
    seen = json.loads(inventory.message.split("\n", 1)[1])
    by_name = {r["name"]: r for r in seen["resources"]}
    # The engine sends every registered resource: providers and components included.
    assert list(by_name) == [r["name"] for r in RECORDS]
    assert by_name["assets"]["parent"] == "storage" and by_name["assets"]["provider"] == "main"
    assert by_name["assets"]["protect"] is True
    assert by_name["assets-policy"]["dependencies"] == ["assets"]
    assert by_name["assets-policy"]["propertyDependencies"] == {"bucket": ["assets"]}
    assert by_name["assets"]["props"]["arn"] == "arn:aws:s3:::assets"  # outputs
    assert "__meta" not in by_name["assets"]["props"]
    assert seen["config"] == {"label": "inventory"}


def test_children_are_gone_after_a_run(dev_run: Any) -> None:
    _, _, started = dev_run
    assert len(started) == 1
    assert all(p.poll() is not None for p in started)


def test_missing_environment_file_falls_back_to_prd(recorded: list[Any]) -> None:
    violations, exceptions = run_policy_packs(
        [SAMPLE],
        [LOGS, QUEUE, *RECORDS[:3]],
        project="webplatform",
        stack="stg",
        environment="stg",
    )
    levels = {(v.policy, v.urn): v.enforcement_level for v in violations}
    assert levels[("required-tags", LOGS["urn"])] == "mandatory"
    assert levels[("allowed-regions", QUEUE["urn"])] == "mandatory"  # from "all"
    assert not any(v.policy == "stack-inventory" for v in violations)
    assert exceptions == []


def test_remediation_runs_before_analysis(tmp_path: Path, recorded: list[Any]) -> None:
    remediating = tmp_path / "remediating"
    shutil.copytree(SAMPLE, remediating)
    (remediating / "dev.json").write_text(
        json.dumps(
            {
                "required-tags": {
                    "enforcementLevel": "remediate",
                    "requiredTags": ["Owner", "Team"],
                },
                "allowed-regions": {"enforcementLevel": "remediate"},  # validates only
            }
        )
    )
    violations, _ = run_policy_packs(
        [remediating],
        [LOGS, QUEUE, *RECORDS[:3]],
        project="webplatform",
        stack="dev",
        environment="dev",
    )
    # required-tags fixed the tags before Analyze; allowed-regions cannot remediate and is
    # reported as mandatory, as the engine reports "remediate" diagnostics.
    assert [(v.policy, v.enforcement_level, v.urn) for v in violations if v.urn != STACK_URN] == [
        ("allowed-regions", "mandatory", QUEUE["urn"]),
        ("bucket-has-policy", "advisory", LOGS["urn"]),
    ]


# --------------------------------------------------------------------------- failures


def broken_pack(tmp_path: Path, name: str, main: str) -> Path:
    target = tmp_path / name
    shutil.copytree(SAMPLE, target)
    (target / "__main__.py").write_text(main)
    return target


def test_crashing_pack_raises_with_its_stderr(tmp_path: Path, recorded: list[Any]) -> None:
    crash = broken_pack(tmp_path, "crash", "raise RuntimeError('boom from the fixture')\n")
    with pytest.raises(PolicyPackError) as raised:
        run_policy_packs(
            [SAMPLE, crash], RECORDS, project="webplatform", stack="dev", environment="dev"
        )
    assert raised.value.pack == "crash"
    assert "boom from the fixture" in raised.value.stderr
    assert "before printing its port" in str(raised.value)
    assert len(recorded) == 2 and all(p.poll() is not None for p in recorded)


def test_pack_that_prints_no_port_times_out(tmp_path: Path, recorded: list[Any]) -> None:
    silent = broken_pack(tmp_path, "silent", "import time\ntime.sleep(60)\n")
    with pytest.raises(PolicyPackError, match="printed no port"):
        run_policy_packs(
            [silent],
            RECORDS,
            project="webplatform",
            stack="dev",
            environment="dev",
            start_timeout=0.5,
        )
    assert all(p.poll() is not None for p in recorded)
