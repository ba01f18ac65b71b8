"""What the pipeline layer's IAM documents share: the ECR push actions and the trust of a
service role."""

from typing import Any

ECR_PUSH_ACTIONS = [
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
    "ecr:CompleteLayerUpload",
    "ecr:InitiateLayerUpload",
    "ecr:PutImage",
    "ecr:UploadLayerPart",
]
"""Pull and push of images (layers checked, uploaded, the manifest put)."""


def trust_policy(service: str, account_id: str, source_arn: str | None = None) -> dict[str, Any]:
    """Only `service`, acting for this account (and for `source_arn`, where the service says
    which resource it acts for), may assume the role."""
    condition: dict[str, Any] = {"StringEquals": {"aws:SourceAccount": account_id}}
    if source_arn is not None:
        condition["ArnLike"] = {"aws:SourceArn": source_arn}
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": "sts:AssumeRole",
                "Condition": condition,
            }
        ],
    }
