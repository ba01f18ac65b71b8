"""An ECR repository per service (and per job with its own image): immutable tags, scanned on
push, encrypted with the data key, pruned by a lifecycle policy, open to this account only.

Its name and URL follow from the stack's name prefix, account and region, so the compute layer
(built before the pipeline) can give a task definition an image named only by its tag.
"""

import json
from typing import Any, TypedDict

import pulumi
import pulumi_aws as aws

from components.pipeline.iam import ECR_PUSH_ACTIONS
from components.platform import Platform


def repository_name(name_prefix: str, owner: str) -> str:
    """`<prefix>/<service or job>`: the repository of one service's (or job's) images."""
    return f"{name_prefix}/{owner}"


def repository_url(platform: Platform, owner: str) -> str:
    """`<account>.dkr.ecr.<region>.amazonaws.com/<prefix>/<owner>`, known before it exists."""
    registry = f"{platform['account_id']}.dkr.ecr.{platform['region']}.amazonaws.com"
    return f"{registry}/{repository_name(platform['name_prefix'], owner)}"


def image_uri(platform: Platform, owner: str, image: str) -> str:
    """The image a task runs: a tag alone (no `/`, `:` or `@`) names an image of the owner's
    repository; anything else is a full image URI, used as it is."""
    if any(mark in image for mark in "/:@"):
        return image
    return f"{repository_url(platform, owner)}:{image}"


def lifecycle_policy(keep_images: int, untagged_expire_days: int) -> dict[str, Any]:
    """Untagged images (layers of failed or replaced pushes) go after some days; of the tagged
    images the newest `keep_images` stay."""
    return {
        "rules": [
            {
                "rulePriority": 1,
                "description": f"Expire untagged images after {untagged_expire_days} days",
                "selection": {
                    "tagStatus": "untagged",
                    "countType": "sinceImagePushed",
                    "countUnit": "days",
                    "countNumber": untagged_expire_days,
                },
                "action": {"type": "expire"},
            },
            {
                "rulePriority": 2,
                "description": f"Keep the last {keep_images} images",
                "selection": {
                    "tagStatus": "any",
                    "countType": "imageCountMoreThan",
                    "countNumber": keep_images,
                },
                "action": {"type": "expire"},
            },
        ]
    }


def repository_policy(account_id: str) -> dict[str, Any]:
    """Principals of this account only (as their IAM policies allow) pull and push."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ThisAccountOnly",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
                "Action": ECR_PUSH_ACTIONS,
            }
        ],
    }


class ImageRepositoryArgs(TypedDict):
    platform: Platform
    """Name prefix, account, region, data key and protection."""
    owner: str
    """The service or job whose images the repository holds."""
    keep_images: int
    """Tagged images kept; older ones expire."""
    untagged_expire_days: int
    """Days an untagged image stays."""


class ImageRepository(pulumi.ComponentResource):
    """One ECR repository with its lifecycle and repository policies."""

    arn: pulumi.Output[str]
    """The repository's ARN."""
    url: pulumi.Output[str]
    """`<registry>/<name>`, what images are pushed to."""
    name: pulumi.Output[str]
    """The repository's name."""

    def __init__(
        self, name: str, args: ImageRepositoryArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("webplatform:pipeline:ImageRepository", name, None, opts)
        platform = args["platform"]
        repository = aws.ecr.Repository(
            name,
            name=repository_name(platform["name_prefix"], args["owner"]),
            image_tag_mutability="IMMUTABLE",
            image_scanning_configuration={"scan_on_push": True},
            encryption_configurations=[
                {"encryption_type": "KMS", "kms_key": platform["data_key_arn"]}
            ],
            # Deleting the stack must not delete the images a running service pulls.
            force_delete=False,
            opts=pulumi.ResourceOptions(parent=self, protect=platform["protect"]),
        )
        aws.ecr.LifecyclePolicy(
            name,
            repository=repository.name,
            policy=json.dumps(lifecycle_policy(args["keep_images"], args["untagged_expire_days"])),
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.ecr.RepositoryPolicy(
            name,
            repository=repository.name,
            policy=json.dumps(repository_policy(platform["account_id"])),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.arn = repository.arn
        # The URL the compute layer already used, known once the repository exists.
        self.url = repository.name.apply(lambda _: repository_url(platform, args["owner"]))
        self.name = repository.name
        self.register_outputs({"arn": self.arn, "url": self.url, "name": self.name})
