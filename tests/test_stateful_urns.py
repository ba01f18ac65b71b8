"""The URNs of stateful resources are a contract: a change replaces the resource at
`pulumi up` (a database, a key, a bucket and what it holds). A refactor that moves one must
add `aliases` for its old URN; then this list changes on purpose, in the same commit."""

import json
from pathlib import Path

import pytest

from plan import engine
from tests.conftest import stack_plan

STATEFUL_TYPES = {
    "aws:kms/key:Key",
    "aws:rds/cluster:Cluster",
    "aws:rds/clusterInstance:ClusterInstance",
    "aws:elasticache/replicationGroup:ReplicationGroup",
    "aws:dynamodb/table:Table",
    "aws:s3/bucket:Bucket",
    "aws:secretsmanager/secret:Secret",
    "aws:ssm/parameter:Parameter",
    "aws:backup/vault:Vault",
    "aws:ecr/repository:Repository",
}
PINNED = Path(__file__).resolve().parent / "fixtures" / "stateful_urns.json"


def stateful_urns(plan: engine.Plan) -> list[str]:
    return sorted(r.urn for r in plan.resources if r.type in STATEFUL_TYPES)


@pytest.mark.parametrize("stack", ["dev", "prd"])
def test_stateful_resources_keep_their_urns(stack: str) -> None:
    assert stateful_urns(stack_plan(stack)) == json.loads(PINNED.read_text())[stack]
