"""The data layer's buckets as declared for each tier."""

from __future__ import annotations

import json

import pytest

from components.data.bucket import (
    BucketArgs,
    _check_lifecycle,
    _encryption_rule,
    validate_bucket_name,
)
from components.data.storage import bucket_names
from tests.conftest import by_name, of_type, plan_output

BUCKET = "aws:s3/bucket:Bucket"
BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
POLICY = "aws:s3/bucketPolicy:BucketPolicy"
KEY = "aws:kms/key:Key"
BUCKETS = ("storage-assets", "storage-access-logs", "storage-log-archive")
RESULTS = "log-search-results"
TIERS = ("dev", "prd")


def settings(plan, type_token: str, bucket_name: str):
    """The settings resources of `type_token` that point at the bucket through `bucket`."""
    bucket = by_name(plan, BUCKET, bucket_name)
    return [
        r
        for r in of_type(plan, type_token)
        if r.property_dependencies.get("bucket") == [bucket.urn]
    ]


def setting(plan, type_token: str, bucket_name: str):
    (found,) = settings(plan, type_token, bucket_name)
    return found


def policy_document(plan, bucket_name: str) -> dict:
    return json.loads(setting(plan, POLICY, bucket_name).inputs["policy"])


def statement(document: dict, sid: str) -> dict:
    (found,) = [s for s in document["Statement"] if s.get("Sid") == sid]
    return found


def rule(plan, bucket_name: str) -> dict:
    (only,) = setting(plan, LIFECYCLE, bucket_name).inputs["rules"]
    return only


@pytest.mark.parametrize("tier", TIERS)
def test_every_bucket_blocks_public_access_and_disables_acls(plan_stack, tier) -> None:
    plan = plan_stack(tier)
    # The data layer's buckets, and the observability layer's query results.
    assert sorted(b.name for b in of_type(plan, BUCKET)) == sorted([*BUCKETS, RESULTS])
    for name in (*BUCKETS, RESULTS):
        block = setting(plan, BLOCK, name)
        for flag in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls"):
            assert block.inputs[flag] is True, (name, flag)
        assert block.inputs["restrictPublicBuckets"] is True
        ownership = setting(plan, OWNERSHIP, name)
        assert ownership.inputs["rule"] == {"objectOwnership": "BucketOwnerEnforced"}


@pytest.mark.parametrize("tier", TIERS)
def test_buckets_are_encrypted_with_the_data_key_except_access_logs(plan_stack, tier) -> None:
    plan = plan_stack(tier)
    data_key = by_name(plan, KEY, "keys-data").outputs["arn"]
    for name in ("storage-assets", "storage-log-archive"):
        (only,) = setting(plan, SSE, name).inputs["rules"]
        assert only["applyServerSideEncryptionByDefault"] == {
            "sseAlgorithm": "aws:kms",
            "kmsMasterKeyId": data_key,
        }
        assert only["bucketKeyEnabled"] is True
    (logs,) = setting(plan, SSE, "storage-access-logs").inputs["rules"]
    assert logs["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "AES256"}


@pytest.mark.parametrize("tier", TIERS)
def test_every_bucket_policy_denies_requests_without_tls(plan_stack, tier) -> None:
    plan = plan_stack(tier)
    for name in BUCKETS:
        bucket = by_name(plan, BUCKET, name)
        arn = bucket.outputs["arn"]
        deny = statement(policy_document(plan, name), "DenyInsecureTransport")
        assert deny["Effect"] == "Deny"
        assert deny["Principal"] == "*"
        assert deny["Action"] == "s3:*"
        assert sorted(deny["Resource"]) == [arn, f"{arn}/*"]
        assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_policy_waits_for_the_public_access_block_and_ownership(plan_stack) -> None:
    plan = plan_stack("prd")
    for name in BUCKETS:
        policy = setting(plan, POLICY, name)
        assert setting(plan, BLOCK, name).urn in policy.dependencies
        assert setting(plan, OWNERSHIP, name).urn in policy.dependencies
        ownership = setting(plan, OWNERSHIP, name)
        assert setting(plan, BLOCK, name).urn in ownership.dependencies


@pytest.mark.parametrize("tier", TIERS)
def test_data_buckets_are_versioned_and_the_access_logs_are_not(plan_stack, tier) -> None:
    plan = plan_stack(tier)
    for name in ("storage-assets", "storage-log-archive"):
        versioning = setting(plan, VERSIONING, name)
        assert versioning.inputs["versioningConfiguration"] == {"status": "Enabled"}
        lifecycle = setting(plan, LIFECYCLE, name)
        assert versioning.urn in lifecycle.dependencies
        assert rule(plan, name)["noncurrentVersionExpiration"] == {"noncurrentDays": 30}
    assert settings(plan, VERSIONING, "storage-access-logs") == []
    assert "noncurrentVersionExpiration" not in rule(plan, "storage-access-logs")


@pytest.mark.parametrize(
    ("tier", "logs_days", "archive_days"), [("dev", 30, 365), ("prd", 90, 2557)]
)
def test_lifecycle_days_follow_the_tier(plan_stack, tier, logs_days, archive_days) -> None:
    plan = plan_stack(tier)
    logs = rule(plan, "storage-access-logs")
    assert logs["expiration"] == {"days": logs_days}
    assert "transitions" not in logs
    archive = rule(plan, "storage-log-archive")
    assert archive["transitions"] == [{"days": 30, "storageClass": "GLACIER"}]
    assert archive["expiration"] == {"days": archive_days}
    assets = rule(plan, "storage-assets")
    assert "expiration" not in assets and "transitions" not in assets
    for name in BUCKETS:
        only = rule(plan, name)
        assert only["status"] == "Enabled"
        assert only["filter"] == {}
        assert only["abortIncompleteMultipartUpload"] == {"daysAfterInitiation": 7}


def test_lifecycle_days_come_from_the_stack_config(plan_stack) -> None:
    buckets = {"accessLogsExpireDays": 14, "archiveToGlacierDays": 60, "archiveExpireDays": 400}
    plan = plan_stack("dev", buckets=buckets)
    assert rule(plan, "storage-access-logs")["expiration"] == {"days": 14}
    archive = rule(plan, "storage-log-archive")
    assert archive["transitions"] == [{"days": 60, "storageClass": "GLACIER"}]
    assert archive["expiration"] == {"days": 400}


def names(plan) -> dict[str, str]:
    return {name: by_name(plan, BUCKET, name).inputs["bucket"] for name in BUCKETS}


def test_names_are_valid_stable_and_start_with_the_prefix(plan_stack) -> None:
    first = names(plan_stack("prd"))
    assert names(plan_stack("prd")) == first
    assert first["storage-access-logs"].startswith("webplatform-prd-access-logs-")
    assert len(set(first.values())) == 3
    suffixes = {n.rsplit("-", 1)[1] for n in first.values()}
    assert len(suffixes) == 1 and len(suffixes.pop()) == 8
    for name in first.values():
        assert validate_bucket_name(name) == name
        assert name.startswith("webplatform-prd-")


def test_names_differ_per_account_and_region(plan_stack) -> None:
    base = names(plan_stack("dev"))
    other_account = names(plan_stack("dev", accountId="333333333333"))
    other_region = names(plan_stack("dev", **{"aws:region": "us-west-2"}))
    for name in BUCKETS:
        assert len({base[name], other_account[name], other_region[name]}) == 3
    assert base != names(plan_stack("prd"))  # and per environment, through the prefix


def test_access_logs_admit_the_tokyo_load_balancer_and_log_delivery(plan_stack) -> None:
    plan = plan_stack("prd")
    arn = by_name(plan, BUCKET, "storage-access-logs").outputs["arn"]
    document = policy_document(plan, "storage-access-logs")
    elb = statement(document, "LoadBalancerAccessLogs")
    assert elb["Effect"] == "Allow"
    assert elb["Principal"] == {"AWS": "arn:aws:iam::582318560864:root"}
    assert elb["Action"] == "s3:PutObject"
    assert f"{arn}/AWSLogs/222222222222/*" in elb["Resource"]
    write = statement(document, "LogDeliveryWrite")
    assert write["Principal"] == {"Service": "delivery.logs.amazonaws.com"}
    assert write["Resource"] == f"{arn}/AWSLogs/222222222222/*"
    assert write["Condition"]["StringEquals"]["aws:SourceAccount"] == "222222222222"
    acl = statement(document, "LogDeliveryAclCheck")
    assert acl["Action"] == "s3:GetBucketAcl"
    assert acl["Resource"] == arn
    assert acl["Condition"]["StringEquals"] == {"aws:SourceAccount": "222222222222"}
    # S3 server access logs of the assets and archive buckets, from this account only.
    s3_logs = statement(document, "S3ServerAccessLogs")
    assert s3_logs["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert s3_logs["Resource"] == f"{arn}/s3/*"
    assert s3_logs["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "222222222222"},
        "ArnLike": {
            "aws:SourceArn": [
                f"arn:aws:s3:::{by_name(plan, BUCKET, f'storage-{b}').inputs['bucket']}"
                for b in ("assets", "log-archive")
            ]
        },
    }
    # Nothing else lets anyone in, and the other buckets admit no one.
    assert {s["Sid"] for s in document["Statement"]} == {
        "DenyInsecureTransport",
        "LoadBalancerAccessLogs",
        "LogDeliveryWrite",
        "LogDeliveryAclCheck",
        "S3ServerAccessLogs",
    }
    effects = {s["Effect"] for s in policy_document(plan, "storage-log-archive")["Statement"]}
    assert effects == {"Deny"}
    # The assets bucket admits CloudFront for the edge's distribution only (tests/test_edge.py).
    allowed = [
        s for s in policy_document(plan, "storage-assets")["Statement"] if s["Effect"] == "Allow"
    ]
    assert [s["Principal"] for s in allowed] == [{"Service": "cloudfront.amazonaws.com"}]


def test_regions_without_an_elb_account_use_the_service_principal(plan_stack) -> None:
    plan = plan_stack(
        "dev",
        **{"aws:region": "ap-southeast-4"},
        edge={"originFacingPrefixListId": "pl-0123456789abcdef0"},  # no table entry there
    )
    elb = statement(policy_document(plan, "storage-access-logs"), "LoadBalancerAccessLogs")
    assert elb["Principal"] == {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}


@pytest.mark.parametrize(("tier", "protected"), [("dev", False), ("prd", True)])
def test_buckets_are_protected_in_prd_only(plan_stack, tier, protected) -> None:
    plan = plan_stack(tier)
    assert [b.protect for b in of_type(plan, BUCKET)] == [protected] * 4


@pytest.mark.parametrize("stack", TIERS)
def test_the_packs_find_nothing_wrong_with_the_buckets(stack) -> None:
    """Every S3 check, advisory ones included, matches each bucket to its settings and passes."""
    status, out = plan_output(stack, "--json")
    assert status == 0
    violations = json.loads(out)["policyViolations"]
    s3 = [v for v in violations if "-s3-" in v["policy"]]
    assert s3 == []
    unprotected = {
        v["urn"].rsplit("::", 1)[1] for v in violations if "webplatform:data:Storage" in v["urn"]
    }
    assert unprotected == (set(BUCKETS) if stack == "dev" else set())


@pytest.mark.parametrize(
    "name",
    [
        "a" * 64,  # too long
        "Webplatform-prd-assets",  # uppercase
        "ab",  # too short
        "webplatform.prd.assets",  # dots break virtual-hosted TLS
        "-webplatform-assets",
        "webplatform-assets-",
        "xn--webplatform-assets",
        "webplatform-assets-s3alias",
    ],
)
def test_invalid_bucket_names_are_refused(name) -> None:
    with pytest.raises(ValueError, match="bucket name"):
        validate_bucket_name(name)


def test_longest_valid_name_is_accepted() -> None:
    name = "a" * 63
    assert validate_bucket_name(name) == name


def test_a_prefix_too_long_for_the_names_is_refused() -> None:
    with pytest.raises(ValueError, match="63"):
        bucket_names("a-very-long-project-name-for-the-platform-prd", "111111111111", "us-east-1")


def test_kms_encryption_needs_a_key() -> None:
    with pytest.raises(ValueError, match="kms_key_arn"):
        _encryption_rule({"bucket_name": "webplatform-dev-x-12345678"})


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        ({"expire_days": 30, "transition_to_glacier_days": 30}, "must come after"),
        ({"expire_days": 0}, "at least 1"),
        ({"noncurrent_expire_days": 30, "versioning": False}, "needs versioning"),
    ],
)
def test_inconsistent_lifecycle_is_refused(args, problem) -> None:
    full: BucketArgs = {"bucket_name": "webplatform-dev-x-12345678", **args}  # type: ignore[typeddict-item]
    with pytest.raises(ValueError, match=problem):
        _check_lifecycle(full, full.get("versioning", True))


def test_assets_and_archive_log_their_access_and_the_logs_bucket_not_its_own(plan_stack) -> None:
    plan = plan_stack("prd")
    logs_bucket = by_name(plan, BUCKET, "storage-access-logs").outputs["bucket"]
    logging = {r.name: r.inputs for r in of_type(plan, "aws:s3/bucketLogging:BucketLogging")}
    assert set(logging) == {"storage-assets-logging", "storage-log-archive-logging"}
    for purpose in ("assets", "log-archive"):
        inputs = logging[f"storage-{purpose}-logging"]
        name = by_name(plan, BUCKET, f"storage-{purpose}").inputs["bucket"]
        assert (inputs["bucket"], inputs["targetBucket"]) == (name, logs_bucket)
        assert inputs["targetPrefix"] == f"s3/{name}/"
