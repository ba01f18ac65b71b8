"""The three packs as the CLI runs them: __main__.py assembles the pack, the per-environment
config files name real policies, and the analyzer service applies the configured levels."""

from __future__ import annotations

import importlib.util
import json
import re
import runpy
import tomllib
from pathlib import Path
from typing import ClassVar

import pulumi_policy
import pytest
import yaml
from google.protobuf import json_format
from packaging.requirements import Requirement
from policy_harness import PACKS, POLICIES_DIR, struct, urn
from pulumi.runtime import proto
from pulumi_policy import EnforcementLevel
from pulumi_policy.policy import _PolicyAnalyzerServicer

LEVELS = {level.value for level in EnforcementLevel}
DATA_PROTECTION = {
    "guardrails-rds-deletion-protection",
    "guardrails-rds-final-snapshot",
    "guardrails-rds-backup-retention",
    "guardrails-dynamodb-point-in-time-recovery",
    "guardrails-s3-bucket-versioning",
    "guardrails-aws-stateful-protect",
    "guardrails-dynamodb-deletion-protection",
}


class _Recorder:
    """Stands in for PolicyPack, which would start a gRPC server and block."""

    calls: ClassVar[list[dict]] = []

    def __init__(self, **kwargs):
        _Recorder.calls.append(kwargs)


def assemble(pack: str, monkeypatch) -> dict:
    _Recorder.calls = []
    monkeypatch.setattr(pulumi_policy, "PolicyPack", _Recorder)
    runpy.run_path(str(POLICIES_DIR / pack), run_name="__main__")
    (kwargs,) = _Recorder.calls
    return kwargs


def servicer(kwargs: dict) -> _PolicyAnalyzerServicer:
    return _PolicyAnalyzerServicer(
        kwargs["name"],
        "0.1.0",
        kwargs["policies"],
        kwargs["enforcement_level"],
        description=kwargs.get("description"),
    )


def load(pack: str, env: str) -> dict:
    return json.loads((POLICIES_DIR / pack / f"{env}.json").read_text())


def configure(service: _PolicyAnalyzerServicer, policies, config: dict) -> None:
    """What the CLI sends for a --policy-pack-config file: "all", then per-policy entries."""
    request = proto.ConfigureAnalyzerRequest()
    for policy in policies:
        entry = config.get(policy.name, config.get("all", "mandatory"))
        if isinstance(entry, str):
            entry = {"enforcementLevel": entry}
        level = entry.get("enforcementLevel", config.get("all", "mandatory"))
        message = request.policyConfig[policy.name]
        message.enforcementLevel = getattr(proto, level.upper())
        message.properties.update({k: v for k, v in entry.items() if k != "enforcementLevel"})
    service.Configure(request, None)


def analyze(service, resource_type: str, name: str, props: dict, protect=False):
    request = proto.AnalyzeRequest(
        type=resource_type,
        urn=urn(resource_type, name),
        name=name,
        properties=struct(props),
        options=proto.AnalyzerResourceOptions(protect=protect),
    )
    return list(service.Analyze(request, None).diagnostics)


def analyze_stack(service, resources: list[tuple[str, str, dict]]):
    request = proto.AnalyzeStackRequest()
    for resource_type, name, props in resources:
        request.resources.append(
            proto.AnalyzerResource(
                type=resource_type,
                urn=urn(resource_type, name),
                name=name,
                properties=struct(props),
            )
        )
    return list(service.AnalyzeStack(request, None).diagnostics)


@pytest.mark.parametrize("pack", PACKS)
def test_main_assembles_the_pack(pack, monkeypatch):
    kwargs = assemble(pack, monkeypatch)
    assert kwargs["name"] == f"webplatform-{pack}"
    assert kwargs["enforcement_level"] is EnforcementLevel.MANDATORY
    info = servicer(kwargs).GetAnalyzerInfo(None, None)
    names = [p.name for p in info.policies]
    assert len(names) == len(set(names)) >= 3
    for policy in info.policies:
        assert re.fullmatch(rf"{pack}-[a-z0-9]+-[a-z0-9-]+", policy.name), policy.name
        assert policy.description and policy.remediation_steps
        assert policy.severity != proto.POLICY_SEVERITY_UNSPECIFIED
        assert "exceptions" in json_format.MessageToDict(policy.configSchema)["properties"]


@pytest.mark.parametrize("pack", PACKS)
def test_schema_defaults_are_declared(pack, monkeypatch):
    for policy in assemble(pack, monkeypatch)["policies"]:
        for name, schema in policy.config_schema.properties.items():
            assert "default" in schema or name == "environment", (policy.name, name)


@pytest.mark.parametrize("pack", PACKS)
@pytest.mark.parametrize("env", ["dev", "prd"])
def test_config_files_name_existing_policies_and_levels(pack, env, monkeypatch):
    policies = {p.name: p for p in assemble(pack, monkeypatch)["policies"]}
    config = load(pack, env)
    assert config.get("all", "mandatory") in LEVELS
    for name, entry in config.items():
        if name == "all":
            continue
        assert name in policies, name
        level = entry if isinstance(entry, str) else entry["enforcementLevel"]
        assert level in LEVELS
        params = {} if isinstance(entry, str) else entry
        schema = policies[name].config_schema.properties
        assert set(params) - {"enforcementLevel"} <= set(schema), name
    assert set(policies) <= set(config), "every policy is listed explicitly"


# What a dev stack without a domain does (CloudFront's default certificate, HTTP to the load
# balancer) and deletion protection of the load balancer: reported in dev, stopped in prd.
DOMAINLESS_DEV = {
    ("encryption", "encryption-alb-listener-http-redirect"),
    ("encryption", "encryption-cloudfront-viewer-tls"),
    ("encryption", "encryption-cloudfront-origin-tls"),
    ("guardrails", "guardrails-alb-deletion-protection"),
    # Every application log group archived: reported in dev, required in prd (issue 13).
    ("guardrails", "guardrails-cloudwatch-log-group-archived"),
}


@pytest.mark.parametrize("pack", PACKS)
@pytest.mark.parametrize("env", ["dev", "prd"])
def test_levels_per_environment(pack, env):
    for name, entry in load(pack, env).items():
        if name == "all":
            continue
        advisory = env == "dev" and (
            (pack == "guardrails" and name in DATA_PROTECTION) or (pack, name) in DOMAINLESS_DEV
        )
        assert entry["enforcementLevel"] == ("advisory" if advisory else "mandatory"), name


@pytest.mark.parametrize("pack", PACKS)
def test_pack_requirements_and_runtime(pack):
    pyproject = tomllib.loads((POLICIES_DIR / pack / "pyproject.toml").read_text())
    names = [Requirement(r).name for r in pyproject["project"]["dependencies"]]
    assert names == ["pulumi-policy", "pulumi"]
    project = yaml.safe_load((POLICIES_DIR / pack / "PulumiPolicy.yaml").read_text())
    assert project["runtime"] == {
        "name": "python",
        "options": {"toolchain": "uv", "virtualenv": "venv"},
    }
    assert project["version"] and project["description"]
    main = (POLICIES_DIR / pack / "__main__.py").read_text()
    assert "pulumi_aws" not in main


@pytest.mark.parametrize(("env", "level"), [("dev", proto.ADVISORY), ("prd", proto.MANDATORY)])
def test_data_protection_level_follows_the_environment(env, level, monkeypatch):
    kwargs = assemble("guardrails", monkeypatch)
    service = servicer(kwargs)
    configure(service, kwargs["policies"], load("guardrails", env))
    props = {
        "engine": "aurora-postgresql",
        "finalSnapshotIdentifier": "f",
        "backupRetentionPeriod": 7,
        "enabledCloudwatchLogsExports": ["postgresql"],
    }
    diagnostics = analyze(service, "aws:rds/cluster:Cluster", "web-db", props, protect=True)
    by_name = {d.policyName: d for d in diagnostics}
    assert set(by_name) == {"guardrails-rds-deletion-protection"}
    assert by_name["guardrails-rds-deletion-protection"].enforcementLevel == level


def test_environment_from_config_reaches_the_tagging_policy(monkeypatch):
    kwargs = assemble("tagging", monkeypatch)
    service = servicer(kwargs)
    configure(service, kwargs["policies"], load("tagging", "dev"))
    tags = {"Project": "webplatform", "Owner": "platform", "ManagedBy": "pulumi", "Name": "v"}
    ok = analyze(service, "aws:ec2/vpc:Vpc", "web-vpc", {"tagsAll": {**tags, "Environment": "dev"}})
    bad = analyze(
        service, "aws:ec2/vpc:Vpc", "web-vpc", {"tagsAll": {**tags, "Environment": "prd"}}
    )
    assert ok == []
    assert [d.policyName for d in bad] == ["tagging-aws-environment-tag"]
    assert bad[0].enforcementLevel == proto.MANDATORY


def test_stack_policies_run_through_the_service(monkeypatch):
    kwargs = assemble("encryption", monkeypatch)
    service = servicer(kwargs)
    configure(service, kwargs["policies"], load("encryption", "prd"))
    bucket = ("aws:s3/bucket:Bucket", "web-assets", {"bucket": "b", "id": "b"})
    sse = (
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "web-assets-sse",
        {
            "bucket": "b",
            "rules": [
                {
                    "applyServerSideEncryptionByDefault": {
                        "sseAlgorithm": "aws:kms",
                        "kmsMasterKeyId": "arn:key",
                    }
                }
            ],
        },
    )
    diagnostics = analyze_stack(service, [bucket, sse])
    assert [d.policyName for d in diagnostics] == ["encryption-s3-bucket-secure-transport"]
    assert diagnostics[0].urn == urn(*bucket[:2])
    names = {d.policyName for d in analyze_stack(service, [bucket])}
    assert names == {"encryption-s3-bucket-sse", "encryption-s3-bucket-secure-transport"}


def test_pack_directory_is_self_contained():
    for pack in PACKS:
        files = {p.name for p in (POLICIES_DIR / pack).iterdir()}
        assert {
            "PulumiPolicy.yaml",
            "pyproject.toml",
            "uv.lock",
            "__main__.py",
            "dev.json",
            "prd.json",
            f"{pack}_policies",
        } <= files
        sources = (POLICIES_DIR / pack / f"{pack}_policies").glob("*.py")
        for source in sources:
            text = Path(source).read_text()
            assert "import pulumi_aws" not in text, source
            for other in set(PACKS) - {pack}:
                assert f"{other}_policies" not in text, source


def _coverage():
    spec = importlib.util.spec_from_file_location("coverage_table", POLICIES_DIR / "coverage.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_readme_coverage_table_is_the_packs_own():
    coverage = _coverage()
    text = (POLICIES_DIR / "README.md").read_text()
    generated = coverage.readme_with(text, coverage.table(coverage.policies()))
    assert generated == text, "run: python policies/coverage.py"


@pytest.mark.parametrize("pack", PACKS)
def test_controls_are_security_hub_ids(pack, monkeypatch):
    for policy in assemble(pack, monkeypatch)["policies"]:
        for control in policy.controls:
            assert re.fullmatch(r"[A-Z][A-Za-z0-9]+\.\d+|CIS \d+(\.\d+)*", control), control
