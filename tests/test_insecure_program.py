"""End to end: a deliberately insecure program, planned offline and checked by the real packs.

The fixture (tests/fixtures/programs/insecure) declares resources that each break one or a few
policies, plus a few that break none. The packs must report exactly the violations listed
here, at the prd levels, and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from plan import engine
from plan.__main__ import POLICY_PACKS
from plan.policy_run import Violation, run_policy_packs
from tests.conftest import FIXTURES

PROGRAM = FIXTURES / "programs" / "insecure"
M = "mandatory"

# (policy, resource logical name, enforcement level): what correct policies report on prd.
CORRECT = {
    # tagging
    ("tagging-aws-required-tags", "scratch-volume", M),
    ("tagging-aws-name-tag", "scratch-volume", M),
    ("tagging-aws-environment-tag", "app-images", M),
    # encryption at rest
    ("encryption-s3-bucket-sse", "uploads", M),
    ("encryption-rds-storage-cmk", "orders-db", M),
    ("encryption-rds-performance-insights-cmk", "orders-db-1", M),
    ("encryption-dynamodb-table-cmk", "sessions", M),
    ("encryption-ec2-instance-volumes", "bastion", M),
    ("encryption-sns-topic-kms", "alerts", M),
    ("encryption-sqs-queue-sse", "jobs", M),
    ("encryption-cloudwatch-log-group-kms", "app-logs", M),
    ("encryption-secretsmanager-secret-cmk", "api-token", M),
    ("encryption-ssm-parameter-securestring", "app-config", M),
    # encryption in transit
    ("encryption-alb-listener-tls-policy", "https-listener", M),
    ("encryption-alb-listener-http-redirect", "http-listener", M),
    ("encryption-cloudfront-viewer-tls", "cdn", M),
    ("encryption-cloudfront-origin-tls", "cdn", M),
    ("encryption-s3-bucket-secure-transport", "uploads", M),
    # guardrails: network
    ("guardrails-ec2-security-group-public-ingress", "app-sg", M),
    ("guardrails-ec2-security-group-public-ingress", "app-rdp-ingress", M),
    ("guardrails-ec2-security-group-public-ingress", "alb-admin-ingress", M),
    ("guardrails-rds-no-public-access", "orders-db-1", M),
    ("guardrails-ec2-instance-no-public-ip", "bastion", M),
    ("guardrails-ecs-service-no-public-ip", "app-service", M),
    ("guardrails-s3-bucket-public-access-block", "uploads", M),
    # guardrails: data protection (mandatory in prd.json)
    ("guardrails-rds-deletion-protection", "orders-db", M),
    ("guardrails-rds-final-snapshot", "orders-db", M),
    ("guardrails-rds-backup-retention", "orders-db", M),
    ("guardrails-dynamodb-point-in-time-recovery", "sessions", M),
    ("guardrails-s3-bucket-versioning", "uploads", M),
    ("guardrails-aws-stateful-protect", "uploads", M),
    ("guardrails-aws-stateful-protect", "orders-db", M),
    ("guardrails-aws-stateful-protect", "sessions", M),
    # guardrails: observability
    ("guardrails-alb-access-logs", "web-alb", M),
    ("guardrails-cloudfront-logging", "cdn", M),
    ("guardrails-wafv2-web-acl-logging", "web-acl", M),
    ("guardrails-ec2-vpc-flow-logs", "main-vpc", M),
    ("guardrails-cloudwatch-log-group-retention", "app-logs", M),
    ("guardrails-ecs-task-definition-logging", "app-task", M),
    ("guardrails-ecs-cluster-container-insights", "app-cluster", M),
    # guardrails: IAM and KMS
    ("guardrails-iam-no-admin-policy", "admin-policy", M),
    ("guardrails-iam-no-admin-policy", "task-admin-attachment", M),
    ("guardrails-iam-no-passrole-wildcard", "admin-policy", M),
    ("guardrails-iam-no-passrole-wildcard", "task-pass-role", M),
    ("guardrails-kms-key-rotation", "data-key", M),
    # guardrails: edge
    ("guardrails-alb-drop-invalid-headers", "web-alb", M),
    ("guardrails-alb-deletion-protection", "web-alb", M),
    ("guardrails-cloudfront-waf", "cdn", M),
    ("guardrails-cloudfront-hsts", "cdn", M),
    # FSBP controls beyond the first set
    ("guardrails-dynamodb-deletion-protection", "sessions", M),
    ("guardrails-ec2-imdsv2", "bastion", M),
    ("guardrails-ecr-repository-immutable-tags", "app-images", M),
    ("guardrails-ecr-repository-scan-on-push", "app-images", M),
    ("guardrails-rds-log-exports", "orders-db", M),
    ("guardrails-secretsmanager-secret-rotation", "api-token", M),
}

# Every policy the fixture sets out to break (all but those for services it does not use:
# ElastiCache, Kinesis, Firehose, ECR encryption, CodeBuild, CodePipeline, EBS volumes, Lambda,
# Scheduler; default security groups, subnets, flow-log traffic, container privileges and
# environment, resource policies and SecureString keys are covered by tests/policies).
BROKEN_POLICIES = {
    "tagging-aws-required-tags",
    "tagging-aws-environment-tag",
    "tagging-aws-name-tag",
    "encryption-s3-bucket-sse",
    "encryption-rds-storage-cmk",
    "encryption-rds-performance-insights-cmk",
    "encryption-dynamodb-table-cmk",
    "encryption-ec2-instance-volumes",
    "encryption-sns-topic-kms",
    "encryption-sqs-queue-sse",
    "encryption-cloudwatch-log-group-kms",
    "encryption-secretsmanager-secret-cmk",
    "encryption-ssm-parameter-securestring",
    "encryption-alb-listener-tls-policy",
    "encryption-alb-listener-http-redirect",
    "encryption-cloudfront-viewer-tls",
    "encryption-cloudfront-origin-tls",
    "encryption-s3-bucket-secure-transport",
    "guardrails-ec2-security-group-public-ingress",
    "guardrails-rds-no-public-access",
    "guardrails-ec2-instance-no-public-ip",
    "guardrails-ecs-service-no-public-ip",
    "guardrails-s3-bucket-public-access-block",
    "guardrails-rds-deletion-protection",
    "guardrails-rds-final-snapshot",
    "guardrails-rds-backup-retention",
    "guardrails-dynamodb-point-in-time-recovery",
    "guardrails-s3-bucket-versioning",
    "guardrails-aws-stateful-protect",
    "guardrails-alb-access-logs",
    "guardrails-cloudfront-logging",
    "guardrails-wafv2-web-acl-logging",
    "guardrails-ec2-vpc-flow-logs",
    "guardrails-cloudwatch-log-group-retention",
    "guardrails-ecs-task-definition-logging",
    "guardrails-ecs-cluster-container-insights",
    "guardrails-iam-no-admin-policy",
    "guardrails-iam-no-passrole-wildcard",
    "guardrails-kms-key-rotation",
    "guardrails-alb-drop-invalid-headers",
    "guardrails-alb-deletion-protection",
    "guardrails-cloudfront-waf",
    "guardrails-cloudfront-hsts",
    "guardrails-dynamodb-deletion-protection",
    "guardrails-ec2-imdsv2",
    "guardrails-ecr-repository-immutable-tags",
    "guardrails-ecr-repository-scan-on-push",
    "guardrails-rds-log-exports",
    "guardrails-secretsmanager-secret-rotation",
}

# Resources that break nothing: they guard against false positives.
CLEAN = {
    "web-alb-sg",
    "alb-https-ipv6-ingress",
    "alb-http-ingress",
    "assets",
    "assets-sse",
    "assets-public-access-block",
    "assets-versioning",
    "assets-policy",
    "task-role",
    "web-tg",
    "public-a",
    "public-c",
}


@dataclass(frozen=True)
class Result:
    plan: engine.Plan
    violations: list[Violation]

    def triples(self) -> set[tuple[str, str, str]]:
        return {(v.policy, resource_name(v.urn), v.enforcement_level) for v in self.violations}

    def messages(self, policy: str, resource: str) -> list[str]:
        return [
            v.message
            for v in self.violations
            if v.policy == policy and resource_name(v.urn) == resource
        ]


def resource_name(urn: str) -> str:
    """The logical name at the end of a URN (the stack's own name for the stack's URN)."""
    return urn.split("::")[-1]


@pytest.fixture(scope="module")
def result() -> Result:
    plan = engine.run(PROGRAM, "prd")
    violations, exceptions = run_policy_packs(
        POLICY_PACKS,
        [r.to_policy_record() for r in plan.resources],
        project="webplatform",
        stack="prd",
        environment="prd",
        config=plan.config,
    )
    assert exceptions == []
    return Result(plan, violations)


def test_the_packs_report_exactly_the_expected_violations(result) -> None:
    actual = result.triples()
    assert sorted(actual - CORRECT) == [], "unexpected violations"
    assert sorted(CORRECT - actual) == [], "missing violations"


def test_every_policy_the_fixture_breaks_is_reported(result) -> None:
    assert {policy for policy, _, _ in CORRECT} == BROKEN_POLICIES
    reported = {v.policy for v in result.violations}
    assert sorted(BROKEN_POLICIES - reported) == []


def test_the_fixture_declares_every_resource_named_here(result) -> None:
    names = {r.name for r in result.plan.resources}
    assert sorted({name for _, name, _ in CORRECT} - names) == []
    assert sorted(CLEAN - names) == []
    reported = {resource_name(v.urn) for v in result.violations}
    assert sorted(CLEAN & reported) == []


def test_every_violation_carries_its_resource_urn(result) -> None:
    urns = {r.urn for r in result.plan.resources}
    assert all(v.urn in urns for v in result.violations)


def test_every_message_names_the_problem(result) -> None:
    for v in result.violations:
        assert v.message.strip(), v
        assert resource_name(v.urn) in v.message, v


@pytest.mark.parametrize(
    ("policy", "resource", "fragments"),
    [
        ("tagging-aws-required-tags", "scratch-volume", ["Project", "Owner", "ManagedBy"]),
        ("tagging-aws-environment-tag", "app-images", ["Environment='dev'", "'prd'"]),
        ("encryption-sqs-queue-sse", "jobs", ["sqsManagedSseEnabled=false"]),
        ("encryption-alb-listener-tls-policy", "https-listener", ["ELBSecurityPolicy-2016-08"]),
        (
            "encryption-cloudfront-viewer-tls",
            "cdn",
            ["allow-all", "minimumProtocolVersion is TLSv1"],
        ),
        ("encryption-cloudfront-origin-tls", "cdn", ["not https-only", "'TLSv1'"]),
        ("encryption-s3-bucket-sse", "uploads", ["no BucketServerSideEncryptionConfiguration"]),
        ("guardrails-ec2-security-group-public-ingress", "app-sg", ["tcp 22-22 from 0.0.0.0/0"]),
        (
            "guardrails-ec2-security-group-public-ingress",
            "app-rdp-ingress",
            ["tcp 3389-3389 from ::/0", "group app-sg"],
        ),
        (
            "guardrails-ec2-security-group-public-ingress",
            "alb-admin-ingress",
            ["tcp 8080-8080 from 0.0.0.0/0", "group web-alb-sg", "only ports 80, 443 on"],
        ),
        (
            "guardrails-iam-no-admin-policy",
            "task-admin-attachment",
            ["attaches arn:aws:iam::aws:policy/AdministratorAccess"],
        ),
        ("guardrails-rds-backup-retention", "orders-db", ["1 day;", "at least 7"]),
        ("guardrails-rds-final-snapshot", "orders-db", ["skipFinalSnapshot=true"]),
        ("guardrails-iam-no-passrole-wildcard", "task-pass-role", ["iam:PassRole"]),
        ("guardrails-ecs-task-definition-logging", "app-task", ["container web"]),
        ("guardrails-kms-key-rotation", "data-key", ["enableKeyRotation"]),
    ],
)
def test_messages_say_what_is_wrong(result, policy, resource, fragments) -> None:
    text = "\n".join(result.messages(policy, resource))
    for fragment in fragments:
        assert fragment in text
