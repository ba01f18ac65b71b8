"""The components as a Pulumi package: the analyzer infers a schema for every one, and the
component provider host serves it over the provider gRPC protocol, as `pulumi package add`
reads it."""

import json
import subprocess
import sys

import grpc
import pytest
from pulumi.provider.experimental.analyzer import Analyzer
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from components.catalog import COMPONENTS, LAYERS
from tests.conftest import PROJECT_DIR


def test_the_analyzer_infers_every_component_with_every_property_described() -> None:
    result = Analyzer("webplatform").analyze(COMPONENTS)
    components = result["component_definitions"]
    assert sorted(components) == sorted(c.__name__ for c in COMPONENTS)
    undescribed = [
        f"{owner}.{name}"
        for owner, properties in [
            *((c.name, {**c.inputs, **c.outputs}) for c in components.values()),
            *((t.name, t.properties) for t in result["type_definitions"].values()),
        ]
        for name, prop in properties.items()
        if not prop.description
    ]
    assert undescribed == []
    assert all(c.description for c in components.values())
    # The layers take the shared platform value as one typed input.
    for layer in ("Network", "Data", "Compute"):
        assert components[layer].inputs["platform"].ref == "#/types/webplatform:index:Platform"


@pytest.fixture(scope="module")
def provider() -> provider_pb2_grpc.ResourceProviderStub:
    """The plugin started the way Pulumi starts a Python component plugin: its directory's
    `__main__.py` with the engine's address; it prints the port it serves on."""
    process = subprocess.Popen(
        [sys.executable, "-u", "__main__.py", "127.0.0.1:0"],
        cwd=PROJECT_DIR / "components",
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        port = process.stdout.readline().strip()
        assert port.isdigit(), process.stderr.read() if process.stderr else port
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield provider_pb2_grpc.ResourceProviderStub(channel)
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_provider_host_answers_get_schema_with_the_layers(
    provider: provider_pb2_grpc.ResourceProviderStub,
) -> None:
    response = provider.GetSchema(provider_pb2.GetSchemaRequest(), timeout=60)
    schema = json.loads(response.schema)
    assert schema["name"] == "webplatform"
    resources = schema["resources"]
    for layer in LAYERS:
        token = f"webplatform:index:{layer.__name__}"
        assert resources[token]["isComponent"] is True
        assert resources[token]["inputProperties"][
            "platform" if layer.__name__ != "Foundation" else "namePrefix"
        ]
    assert "vpcId" in resources["webplatform:index:Network"]["properties"]
    assert "databaseEndpoint" in resources["webplatform:index:Data"]["properties"]
