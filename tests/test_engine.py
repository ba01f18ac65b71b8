"""The offline engine records what the real engine would see at preview."""

from __future__ import annotations

import json

import pytest

from plan import engine
from tests.conftest import FIXTURES, PROJECT_DIR


@pytest.fixture(scope="module")
def sample() -> engine.Plan:
    return engine.run(FIXTURES / "programs" / "sample", "dev")


def find(plan: engine.Plan, name: str) -> engine.Registration:
    (found,) = [r for r in plan.resources if r.name == name]
    return found


def test_urns_carry_the_parent_type_chain_without_the_root_stack(sample) -> None:
    assert find(sample, "outer").urn == "urn:pulumi:dev::fixture::fixture:test:Outer::outer"
    parameter = find(sample, "outer-inner-token")
    assert parameter.urn == (
        "urn:pulumi:dev::fixture::fixture:test:Outer$fixture:test:Inner"
        "$aws:ssm/parameter:Parameter::outer-inner-token"
    )
    assert parameter.parent == find(sample, "outer-inner").urn
    assert find(sample, "role").parent == sample.stack_urn


def test_options_are_recorded(sample) -> None:
    parameter = find(sample, "outer-inner-token")
    assert parameter.protect is True
    assert parameter.ignore_changes == ["value"]
    assert find(sample, "role").retain_on_delete is True
    assert find(sample, "outer").custom is False
    provider = find(sample, "aws")
    assert parameter.provider == f"{provider.urn}::{provider.id}"


def test_default_tags_merge_into_tags_all_with_the_resources_own_tags_winning(sample) -> None:
    parameter = find(sample, "outer-inner-token")
    assert parameter.inputs["tags"] == {"Name": "token"}
    assert parameter.inputs["tagsAll"] == {"Team": "core", "Name": "token"}
    assert find(sample, "role").inputs["tagsAll"] == {"Team": "core", "Name": "default"}
    assert find(sample, "aws").inputs["defaultTags"] == {
        "tags": {"Team": "core", "Name": "default"}
    }


def test_secrets_are_placeholders_everywhere(sample) -> None:
    assert find(sample, "outer-inner-token").inputs["value"] == "[secret]"
    assert sample.outputs["token"] == "[secret]"
    assert sample.config["fixture:token"] == "[secret]"
    assert sample.outputs["plain"] == "hello"


def test_project_config_defaults_and_unqualified_keys_are_read_as_the_cli_does(sample) -> None:
    assert sample.outputs["fromProject"] == "project-default"
    assert sample.config["fixture:plain"] == "hello"


def test_mock_outputs_are_plausible_for_the_resources_region_and_account(sample) -> None:
    role = find(sample, "role")
    assert role.outputs["arn"] == f"arn:aws:iam::333333333333:role/{role.outputs['name']}"
    assert role.outputs["name"].startswith("role-")
    parameter = find(sample, "outer-inner-token")
    assert parameter.outputs["arn"].startswith("arn:aws:ssm:eu-west-1:333333333333:")
    assert sample.outputs["roleArn"] == role.outputs["arn"]


def test_runs_are_repeatable(sample) -> None:
    again = engine.run(FIXTURES / "programs" / "sample", "dev")
    assert [r.to_json() for r in again.resources] == [r.to_json() for r in sample.resources]


def test_a_resource_on_a_disabled_default_provider_is_an_error() -> None:
    with pytest.raises(engine.ProgramError, match="no explicit provider, and default aws"):
        engine.run(FIXTURES / "programs" / "default_provider", "dev")


def test_an_invoke_that_needs_credentials_is_an_error() -> None:
    with pytest.raises(engine.ProgramError, match="calls aws:index/getCallerIdentity"):
        engine.run(FIXTURES / "programs" / "invoke", "dev")


def test_a_missing_stack_file_is_named() -> None:
    with pytest.raises(engine.StackFileError, match=r"Pulumi\.qa\.yaml not found"):
        engine.run(PROJECT_DIR, "qa")


def test_the_secret_ciphertext_never_reaches_the_plan_output() -> None:
    ciphertext = "AAABAMZmFrZWNpcGhlcnRleHQ"
    program = FIXTURES / "programs" / "sample"
    plan = engine.run(program, "dev")
    assert ciphertext not in json.dumps([r.to_json() for r in plan.resources])
    assert ciphertext not in json.dumps(plan.outputs)
    assert ciphertext not in json.dumps(plan.config)
