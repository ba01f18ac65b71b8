"""The typed stack config: tier defaults, and one clear line for every kind of bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from components import config as stack_config
from components.config import tiers
from components.config.files import overlapping_networks, read_yaml
from plan import __main__ as plan_cli
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


WEB = {"image": "222222222222.dkr.ecr.ap-northeast-1.amazonaws.com/web:1.0.0", "port": 8080}
JOB = {"service": "web", "command": ["python", "-m", "job"]}

BAD_CONFIGS = [
    pytest.param(
        {"webplatfrom:logRetentionDays": "30"},
        "webplatfrom:logRetentionDays: unknown namespace 'webplatfrom'; did you mean "
        "'webplatform:'? every key belongs to webplatform, aws or pulumi",
        id="misspelled-namespace",
    ),
    pytest.param(
        {"otherproject:network": {"cidr": "10.0.0.0/16"}},
        "otherproject:network: unknown namespace 'otherproject'; every key belongs to",
        id="other-namespace",
    ),
    pytest.param(
        {"aws:region": "ap-northeast-9"},
        "aws:region: 'ap-northeast-9' is no AWS region; did you mean 'ap-northeast-3'?",
        id="region-not-in-botocore",
    ),
    pytest.param(
        {"services": {"web": WEB}, "jobs": {"nightly": {**JOB, "schedule": "cron(0 25 * * ? *)"}}},
        "webplatform:jobs.nightly.schedule: cron(0 25 * * ? *): '25' is wrong: hours (field 2) "
        "takes 0-23",
        id="cron-hour-out-of-range",
    ),
    pytest.param(
        {
            "services": {"web": WEB},
            "jobs": {"nightly": {**JOB, "schedule": "cron(0 3 ? JUNE * *)"}},
        },
        "webplatform:jobs.nightly.schedule: cron(0 3 ? JUNE * *): 'JUNE' is wrong: month",
        id="cron-month-name",
    ),
    pytest.param(
        {"services": {"web": WEB}, "jobs": {"nightly": {**JOB, "schedule": "rate(5 minute)"}}},
        "webplatform:jobs.nightly.schedule: rate(5 minute): write rate(5 minutes)",
        id="rate-plural",
    ),
    pytest.param(
        {"network": {"cidr": "10.20.0.0/16", "interfaceEndpoints": ["logs", "secretmanager"]}},
        "webplatform:network.interfaceEndpoints[1]: 'secretmanager' is no AWS service with an "
        "endpoint in ap-northeast-1; did you mean 'secretsmanager'?",
        id="endpoint-not-a-service",
    ),
    pytest.param(
        {"environment": "dev", "availabilityZones": ["ap-northeast-1a"]},
        "webplatform:availabilityZones: the database needs 2 zones at least",
        id="single-zone-with-a-database",
    ),
    pytest.param(
        {"services": {"web": {**WEB, "environment": {"LOG_LEVEL": "info", "DB_HOST": "x"}}}},
        "webplatform:services.web.environment.DB_HOST: DB_HOST is also injected as a secret",
        id="environment-shadows-a-secret",
    ),
    pytest.param(
        {
            "services": {
                "web": {**WEB, "secrets": {"TOKEN": "/x/token"}, "environment": {"TOKEN": "x"}}
            }
        },
        "webplatform:services.web.environment.TOKEN: TOKEN is also injected as a secret",
        id="environment-shadows-a-named-secret",
    ),
    pytest.param(
        {"protectStatefulResources": "yes"},
        "webplatform:protectStatefulResources: expected true or false, got 'yes'",
        id="boolean-as-yes",
    ),
    pytest.param(
        {"backup": {"enabled": 1}},
        "webplatform:backup.enabled: expected true or false, got 1",
        id="boolean-as-number",
    ),
    pytest.param(
        {"services": {"web": {**WEB, "imgae": "x"}}},
        "webplatform:services.web.imgae: unknown key; did you mean 'image'? expected one of "
        "architecture, autoscaling,",
        id="unknown-key-in-a-named-entry",
    ),
    pytest.param(
        {"tables": {"sessions": {"hashKey": "id", "attributes": {"id": "S"}, "ttl": "x"}}},
        "webplatform:tables.sessions.ttl: unknown key; did you mean 'ttlAttribute'?",
        id="unknown-key-in-a-table",
    ),
    pytest.param(
        {"services": {"web": {**WEB, "cpu": 0.5}}},
        "webplatform:services.web.cpu: expected a whole number (CPU units: 1024 = 1 vCPU, "
        "256 = 0.25 vCPU), got 0.5",
        id="fractional-cpu",
    ),
    pytest.param(
        {"services": {"web": {**WEB, "cpu": 300}}},
        "webplatform:services.web: cpu 300 is not a Fargate size; in CPU units (1024 = 1 vCPU): "
        "256 (0.25 vCPU), 512 (0.5 vCPU)",
        id="cpu-not-a-fargate-size",
    ),
    pytest.param(
        {"logRetentionDays": "1.5"},
        "webplatform:logRetentionDays: expected a whole number (days), got '1.5'",
        id="fractional-text",
    ),
    pytest.param(
        {"network": {"cidr": "10.20.0.1/16"}},
        "webplatform:network.cidr: 10.20.0.1/16 has host bits set; did you mean 10.20.0.0/16?",
        id="cidr-host-bits",
    ),
    pytest.param(
        {"logRetentionDays": "a month"},
        "webplatform:logRetentionDays: expected a whole number (days), got 'a month'",
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


DEV_HEAD = (
    "config:\n  webplatform:environment: dev\n  webplatform:owner: platform-team\n"
    '  webplatform:accountId: "111111111111"\n'
)


CONFIG_MISTAKES = [
    (
        DEV_HEAD + "  webplatform:network:\n    cidr: 10.0.0.0/16\n    natGateways: 1\n",
        "error: Pulumi.bad.yaml: webplatform:network.natGateways: "
        "expected one of none, single, perAz, got 1",
    ),
    ("config:\n  webplatform:owner: [unclosed\n", "error: Pulumi.bad.yaml: not valid YAML: "),
    (
        DEV_HEAD + "  webplatform:services:\n    web:\n      image: a/web:1\n"
        "    web:\n      image: a/web:2\n",
        "error: Pulumi.bad.yaml: not valid YAML: key 'web' appears twice in one mapping "
        "(first on line 6) at line 8",
    ),
    (
        "config:\n  - webplatform:owner: team\n",
        "error: Pulumi.bad.yaml: config: expected a mapping of keys such as "
        "webplatform:owner, got a list",
    ),
    (
        DEV_HEAD + "  webplatform:network: [10.0.0.0/16]\n",
        "error: Pulumi.bad.yaml: webplatform:network: expected a mapping of keys",
    ),
    (
        DEV_HEAD + "  webplatform:network:\n    cidr: 10.10.0.0/16\n"
        "  webplatform:backup:\n    enabled: yes\n",
        "error: Pulumi.bad.yaml: webplatform:backup.enabled: expected true or false, got 'yes'",
    ),
]
CONFIG_MISTAKE_IDS = [
    "bad-value",
    "bad-yaml",
    "duplicate-key",
    "config-a-list",
    "section-a-list",
    "yes",
]


def test_the_plan_exits_2_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    text, message = CONFIG_MISTAKES[0]
    (tmp_path / "Pulumi.bad.yaml").write_text(text)
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


@pytest.mark.parametrize(("text", "message"), CONFIG_MISTAKES, ids=CONFIG_MISTAKE_IDS)
def test_each_config_mistake_is_one_line_naming_the_file_and_key(
    tmp_path: Path, text: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "Pulumi.bad.yaml").write_text(text)
    assert plan_cli.main(["bad", "--stack-config-dir", str(tmp_path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(message), err
    assert err.count("\n") == 1


def test_the_first_mistake_in_file_order_is_reported() -> None:
    def first_mistake(*changes: dict, drop: str = "webplatform:network") -> str:
        values = {k: v for k, v in MINIMAL["prd"].items() if k not in (drop, "webplatform:network")}
        for change in changes:
            values.update({f"webplatform:{k}": json.dumps(v) for k, v in change.items()})
        with pytest.raises(stack_config.ConfigError) as raised:
            stack_config.load("webplatform", "prd", values)
        return str(raised.value).split(": ")[1]

    retention, network = {"logRetentionDays": 31}, {"network": {"cidr": "8.8.8.0/24"}}
    assert first_mistake(retention, network) == "webplatform:logRetentionDays"
    assert first_mistake(network, retention) == "webplatform:network.cidr"
    # A missing key (owner) comes after the mistakes in the keys the file has.
    assert first_mistake({"onwer": "team"}, network, drop="webplatform:owner") == (
        "webplatform:onwer"
    )
    # Checks across keys keep the order too.
    zones = {"availabilityZones": ["ap-northeast-1a", "ap-northeast-1a"]}
    bad_web = {"services": {"web": {**WEB, "environment": {"DB_HOST": "x"}}}}
    cidr = {"network": {"cidr": "10.20.0.0/16"}}
    assert first_mistake(cidr, zones, bad_web) == "webplatform:availabilityZones"
    assert first_mistake(cidr, bad_web, zones) == "webplatform:services.web.environment.DB_HOST"


@pytest.mark.parametrize(
    "schedule",
    [
        "cron(0 3 * * ? *)",
        "cron(0/15 8-18 ? * MON-FRI *)",
        "cron(0 3 L * ? *)",
        "cron(0 3 15W * ? 2027)",
        "cron(0 3 ? * 2#1 *)",
        "cron(0 3 ? JAN,JUL 6L *)",
        "rate(1 minute)",
        "rate(12 hours)",
    ],
)
def test_valid_eventbridge_schedules_pass(schedule: str) -> None:
    jobs = {"nightly": {**JOB, "schedule": schedule}}
    assert load("dev", services={"web": WEB}, jobs=jobs).jobs["nightly"].schedule == schedule


def test_aurora_serverless_v2_may_pause_on_versions_with_auto_pause() -> None:
    paused = {"minCapacity": 0, "access": "password"}
    assert load("dev", database=paused).database.min_capacity == 0
    mysql = {**paused, "engine": "aurora-mysql", "engineVersion": "8.0.mysql_aurora.3.08.0"}
    assert load("dev", database=mysql).database.min_capacity == 0
    assert load("dev", database={**paused, "engineVersion": "13.15"}).database.version
    assert load("dev", database={"minCapacity": 0.5}).database.access == "proxy"


def test_yes_and_on_stay_text_as_the_pulumi_cli_reads_them() -> None:
    assert read_yaml("a: yes\nb: on\nc: true\nd: False\n") == {
        "a": "yes", "b": "on", "c": True, "d": False,
    }  # fmt: skip


def test_overlapping_vpc_ranges_of_two_stack_files_are_a_warning(tmp_path: Path) -> None:
    write_stack(tmp_path, "dev", {**MINIMAL["dev"], "webplatform:network": {"cidr": "10.0.0.0/16"}})
    write_stack(tmp_path, "stg", {**MINIMAL["dev"], "webplatform:network": {"cidr": "10.1.0.0/16"}})
    write_stack(
        tmp_path, "prd", {**MINIMAL["prd"], "webplatform:network": {"cidr": "10.0.128.0/17"}}
    )
    assert list(overlapping_networks(tmp_path / "Pulumi.prd.yaml", "webplatform")) == [
        "Pulumi.prd.yaml: webplatform:network.cidr 10.0.128.0/17 overlaps 10.0.0.0/16 of "
        "Pulumi.dev.yaml; give each stack its own range so the networks can be peered"
    ]
    assert list(overlapping_networks(tmp_path / "Pulumi.stg.yaml", "webplatform")) == []
    assert list(overlapping_networks(PROJECT_DIR / "Pulumi.prd.yaml", "webplatform")) == []


def test_the_config_reference_is_the_models_own() -> None:
    from components.config import reference

    text = reference.reference()
    assert reference.DOC.read_text(encoding="utf-8") == text, (
        "docs/config.md is out of date: run python -m components.config.reference"
    )
    assert "| `services.<name>.cpu` | whole number | `512` | `512` | `512` |" in text
    assert "| `logRetentionDays` | whole number | `30` | `90` | `365` |" in text
    assert reference.main(["--check"]) == 0
