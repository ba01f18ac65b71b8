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


def required_tags(project: str, environment: str, owner: str) -> dict[str, str]:
    """The tags every taggable resource carries."""
    return {"Project": project, "Environment": environment, "Owner": owner, "ManagedBy": "pulumi"}


def tagged_provider(name: str, region: str, account_id: str, tags: dict[str, str]) -> aws.Provider:
    """An AWS provider for one region, pinned to one account, applying `tags` to every
    taggable resource."""
    return aws.Provider(
        name,
        region=region,
        allowed_account_ids=[account_id],
        default_tags=aws.ProviderDefaultTagsArgs(tags=tags),
    )


def create_providers(config: StackConfig) -> Providers:
    tags = required_tags(config.project, config.environment, config.owner)
    return Providers(
        regional=tagged_provider("aws", config.region, config.account_id, tags),
        global_=tagged_provider(f"aws-{GLOBAL_REGION}", GLOBAL_REGION, config.account_id, tags),
    )
