"""Explicit AWS providers carrying the stack's default tags.

Every resource takes one of these providers, so tags cannot be forgotten and nothing falls
back to an ambient default provider (Pulumi.yaml disables those).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi_aws as aws

from components.config import StackConfig

# CloudFront certificates and web ACLs live here, whatever the stack's region.
GLOBAL_REGION = "us-east-1"


@dataclass(frozen=True)
class Providers:
    regional: aws.Provider
    """The stack's region."""
    global_: aws.Provider
    """us-east-1, for what CloudFront needs."""


def required_tags(config: StackConfig) -> dict[str, str]:
    """The tags every taggable resource carries."""
    return {
        "Project": config.project,
        "Environment": config.environment,
        "Owner": config.owner,
        "ManagedBy": "pulumi",
    }


def create_providers(config: StackConfig) -> Providers:
    def provider(name: str, region: str) -> aws.Provider:
        return aws.Provider(
            name,
            region=region,
            allowed_account_ids=[config.account_id],
            default_tags=aws.ProviderDefaultTagsArgs(tags=required_tags(config)),
        )

    return Providers(
        regional=provider("aws", config.region),
        global_=provider(f"aws-{GLOBAL_REGION}", GLOBAL_REGION),
    )
