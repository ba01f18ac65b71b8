"""The account program: lay out one AWS account for the platform's stacks (state backend, CI
roles, security baseline) and export what `pulumi login`, `--secrets-provider` and the GitHub
workflows' variables need."""

import sys
from pathlib import Path

# The components are in the repository root, one directory up.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pulumi

from components.account import CiRoles, SecurityBaseline, StateBackend
from components.account.state import account_bucket_names
from components.config.account import account_from_pulumi
from components.providers import required_tags, tagged_provider

config = account_from_pulumi()
provider = tagged_provider(
    "aws",
    config.region,
    config.account_id,
    required_tags(config.project, config.environment, config.owner),
)
opts = pulumi.ResourceOptions(providers=[provider])
buckets = account_bucket_names(config.project, config.account_id, config.region)
baseline_settings = config.baseline

state = StateBackend(
    "state",
    {
        "name_prefix": config.name_prefix,
        "account_id": config.account_id,
        "region": config.region,
        "state_bucket_name": buckets["pulumi-state"],
        "access_logs_bucket_name": buckets["access-logs"],
        "logged_bucket_names": [buckets["pulumi-state"]]
        + ([buckets["cloudtrail"]] if baseline_settings.cloud_trail else []),
        "noncurrent_version_days": config.state.noncurrent_version_days,
        "access_log_days": config.state.access_log_days,
        "protect": config.protect,
    },
    opts=opts,
)
ci = CiRoles(
    "ci",
    {
        "name_prefix": config.name_prefix,
        "account_id": config.account_id,
        "repository": config.github.repository,
        "deploy_environments": config.github.deploy_environments,
        "deploy_policy_arns": config.github.deploy_policy_arns,
        "state_bucket_name": buckets["pulumi-state"],
        "state_key_arn": state.key_arn,
    },
    opts=opts,
)
baseline = SecurityBaseline(
    "baseline",
    {
        "name_prefix": config.name_prefix,
        "account_id": config.account_id,
        "region": config.region,
        "cloud_trail": baseline_settings.cloud_trail,
        "trail_bucket_name": buckets["cloudtrail"],
        "trail_expire_days": baseline_settings.trail_expire_days,
        "access_logs_bucket": state.access_logs_bucket,
        "guard_duty": baseline_settings.guard_duty,
        "security_hub": baseline_settings.security_hub,
        "access_analyzer": baseline_settings.access_analyzer,
        "protect": config.protect,
    },
    opts=opts,
)

pulumi.export("stateBucket", state.bucket)
pulumi.export("backendUrl", state.bucket.apply(lambda b: f"s3://{b}?region={config.region}"))
pulumi.export(
    "secretsProvider", state.key_alias.apply(lambda a: f"awskms://{a}?region={config.region}")
)
pulumi.export("previewRoleArn", ci.preview_role_arn)
pulumi.export("deployRoleArn", ci.deploy_role_arn)
pulumi.export("trailArn", baseline.trail_arn)
pulumi.export("guardDutyDetectorId", baseline.guardduty_detector_id)
pulumi.export("securityHubStandardArn", baseline.security_hub_standard_arn)
pulumi.export("accessAnalyzerArn", baseline.access_analyzer_arn)
