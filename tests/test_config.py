"""The typed stack config: tier defaults, and one clear line for every kind of bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from components import config as stack_config
from components.config import tiers
from plan import engine
from tests.conftest import MINIMAL, PROJECT_DIR, write_stack


def load(tier: str = "prd", **changes: object) -> stack_config.StackConfig:
    values = {k: v if isinstance(v, str) else json.dumps(v) for k, v in MINIMAL[tier].items()}
    for key, value in changes.items():
        full_key = key if ":" in key else f"webplatform:{key}"
        if value is None:
            values.pop(full_key)
        else:
            values[full_key] = value if isinstance(value, str) else json.dumps(value)
    return stack_config.load("webplatform", "prd", values)


def test_tier_defaults_keep_stack_files_short() -> None:
    dev, prd = load("dev"), load("prd")
    assert dev.availability_zones == ["ap-northeast-1a", "ap-northeast-1c"]
    assert prd.availability_zones == ["ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"]
    assert (dev.network.nat_gateways, prd.network.nat_gateways) == ("single", "perAz")
    assert dev.network.interface_endpoints == []
    assert "ecr.dkr" in prd.network.interface_endpoints
    assert (dev.log_retention_days, prd.log_retention_days) == (30, 365)
    assert prd.region == "ap-northeast-1"
    assert prd.name_prefix == "webplatform-prd"


def test_the_stack_file_overrides_tier_defaults_key_by_key() -> None:
    cfg = load("prd", network={"cidr": "10.0.0.0/20", "natGateways": "single"})
    assert cfg.network.nat_gateways == "single"
    assert cfg.network.interface_endpoints == tiers.ALL_INTERFACE_ENDPOINTS


def test_subnets_are_carved_per_tier_with_room_for_another_zone() -> None:
    cidrs = load("prd").subnet_cidrs()
    assert cidrs["public"] == ["10.20.0.0/24", "10.20.1.0/24", "10.20.2.0/24"]
    assert cidrs["app"] == ["10.20.4.0/24", "10.20.5.0/24", "10.20.6.0/24"]
    assert cidrs["data"] == ["10.20.8.0/24", "10.20.9.0/24", "10.20.10.0/24"]
    small = load("dev", network={"cidr": "192.168.10.0/23"}).subnet_cidrs()
    assert small["data"] == ["192.168.11.0/27", "192.168.11.32/27"]


def test_other_regions_get_their_own_zones() -> None:
    cfg = load("dev", **{"aws:region": "eu-west-1"})
    assert cfg.availability_zones == ["eu-west-1a", "eu-west-1b"]


BAD_CONFIGS = [
    pytest.param(
        {"logRetentionDays": "a month"},
        "webplatform:logRetentionDays: expected a whole number, got 'a month'",
        id="wrong-type",
    ),
    pytest.param(
        {"network": {"cidr": "10.0.0.0/16", "natGateway": "single"}},
        "webplatform:network.natGateway: unknown key; did you mean 'natGateways'?",
        id="unknown-nested-key",
    ),
    pytest.param(
        {"onwer": "team"},
        "webplatform:onwer: unknown key; did you mean 'owner'?",
        id="unknown-top-key",
    ),
    pytest.param(
        {"network": {"cidr": "10.0.0.300/16"}},
        "webplatform:network.cidr: expected an IPv4 CIDR such as 10.0.0.0/16, got '10.0.0.300/16'",
        id="invalid-cidr",
    ),
    pytest.param(
        {"network": {"cidr": "100.64.0.0/16"}},
        "webplatform:network.cidr: 100.64.0.0/16 is not in RFC1918 space",
        id="not-rfc1918",
    ),
    pytest.param(
        {"network": {"cidr": "10.0.0.0/8"}},
        "webplatform:network.cidr: a VPC must be /16 to /28, got /8",
        id="too-large",
    ),
    pytest.param(
        {"network": {"cidr": "10.0.0.0/29"}},
        "webplatform:network.cidr: a VPC must be /16 to /28, got /29",
        id="too-small",
    ),
    pytest.param(
        {"network": {"cidr": "10.0.0.0/26"}},
        "webplatform:network.cidr: 3 tiers x 3 zones of subnets do not fit in 10.0.0.0/26",
        id="subnets-do-not-fit",
    ),
    pytest.param(
        {"network": {"cidr": "10.0.0.0/16", "subnetPrefixLength": 19}},
        "webplatform:network.subnetPrefixLength: 3 tiers x 3 zones of subnets do not fit",
        id="subnet-prefix-does-not-fit",
    ),
    pytest.param(
        {"availabilityZones": ["ap-northeast-1a", "us-east-1b"]},
        "webplatform:availabilityZones[1]: 'us-east-1b' is not a zone of ap-northeast-1",
        id="zone-not-in-region",
    ),
    pytest.param(
        {"availabilityZones": ["ap-northeast-1a", "ap-northeast-1b"]},
        "webplatform:availabilityZones[1]: 'ap-northeast-1b' is not a zone of ap-northeast-1",
        id="zone-letter-not-in-region",
    ),
    pytest.param(
        {"availabilityZones": ["ap-northeast-1a", "ap-northeast-1a"]},
        "webplatform:availabilityZones: lists a zone twice",
        id="duplicate-zones",
    ),
    pytest.param(
        {"network": {"cidr": "10.0.0.0/16", "natGateways": "perAZ"}},
        "webplatform:network.natGateways: expected one of none, single, perAz, got 'perAZ'",
        id="nat-strategy",
    ),
    pytest.param(
        {"owner": None},
        "webplatform:owner: required key is missing",
        id="missing-required-key",
    ),
    pytest.param(
        {"network": {"natGateways": "single"}},
        "webplatform:network.cidr: required key is missing",
        id="missing-nested-key",
    ),
    pytest.param(
        {"availabilityZones": ["ap-northeast-1a"]},
        "webplatform:availabilityZones: the database needs 2 zones at least: an RDS DB subnet "
        "group covers two or more",
        id="prd-single-zone",
    ),
    pytest.param(
        {"environment": "production"},
        "webplatform:environment: expected one of dev, stg, prd; got 'production'",
        id="unknown-tier",
    ),
    pytest.param(
        {"accountId": "1234"},
        "webplatform:accountId: expected a 12-digit AWS account id, got '1234'",
        id="account-id",
    ),
    pytest.param(
        {"aws:region": "tokyo"},
        "aws:region: 'tokyo' is no AWS region",
        id="region",
    ),
    pytest.param(
        {"aws:profile": "admin"},
        "aws:profile: not used",
        id="aws-key-the-providers-ignore",
    ),
    pytest.param(
        {"region": "ap-northeast-1"},
        "webplatform:region: unknown key; the region is aws:region",
        id="region-in-project-namespace",
    ),
    pytest.param(
        {"logRetentionDays": 31},
        "webplatform:logRetentionDays: CloudWatch Logs accepts 1, 3, 5, 7, 14, 30,",
        id="log-retention",
    ),
    pytest.param(
        {"network": {"cidr": "10.0.0.0/16", "interfaceEndpoints": ["logs", "logs"]}},
        "webplatform:network.interfaceEndpoints: lists a service twice",
        id="duplicate-endpoints",
    ),
]


@pytest.mark.parametrize(("changes", "message"), BAD_CONFIGS)
def test_bad_config_is_one_line_naming_the_file_and_key(changes: dict, message: str) -> None:
    with pytest.raises(stack_config.ConfigError) as raised:
        load("prd", **changes)
    text = str(raised.value)
    assert text.startswith(f"Pulumi.prd.yaml: {message}"), text
    assert "\n" not in text


def test_a_secret_value_is_not_quoted_in_an_error() -> None:
    values = {**{k: json.dumps(v) if isinstance(v, dict) else v for k, v in MINIMAL["prd"].items()}}
    values["webplatform:owner"] = "s3cr3t-owner"
    values["webplatform:logRetentionDays"] = "s3cr3t"
    with pytest.raises(stack_config.ConfigError) as raised:
        stack_config.load("webplatform", "prd", values, ["webplatform:logRetentionDays"])
    assert "s3cr3t" not in str(raised.value)
    assert "webplatform:logRetentionDays: expected a whole number" in str(raised.value)


def test_bad_config_stops_the_program_before_anything_is_declared(tmp_path: Path) -> None:
    write_stack(tmp_path, "bad", {**MINIMAL["prd"], "webplatform:network": {"cidr": "8.8.8.0/24"}})
    with pytest.raises(stack_config.ConfigError) as raised:
        engine.run(PROJECT_DIR, "bad", tmp_path)
    assert raised.value.__notes__ == ["resources declared before the failure: 0"]


@pytest.mark.parametrize(
    ("stack_file", "message"),
    [
        (
            {**MINIMAL["dev"], "webplatform:network": {"cidr": "10.0.0.0/16", "natGateways": 1}},
            "error: Pulumi.bad.yaml: webplatform:network.natGateways: "
            "expected one of none, single, perAz, got 1",
        ),
        (None, "error: Pulumi.bad.yaml: not valid YAML: "),
    ],
    ids=["bad-value", "bad-yaml"],
)
def test_the_plan_exits_2_with_one_line_and_no_traceback(
    tmp_path: Path, stack_file: dict | None, message: str
) -> None:
    if stack_file is None:
        (tmp_path / "Pulumi.bad.yaml").write_text("config:\n  webplatform:owner: [unclosed\n")
    else:
        write_stack(tmp_path, "bad", stack_file)
    result = subprocess.run(
        [sys.executable, "-m", "plan", "bad", "--stack-config-dir", str(tmp_path)],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith(message), result.stderr
    assert result.stderr.count("\n") == 1
