"""Who hears from the alerts topics: e-mail, an HTTPS endpoint, a Slack channel through AWS
Chatbot. The topics themselves belong to the foundation (the regional one) and to this layer
(the us-east-1 one for CloudFront's metrics)."""

import json
from collections.abc import Sequence
from typing import Any, TypedDict

import pulumi
import pulumi_aws as aws

# The most a channel member may do through Chatbot, whatever the role allows: read CloudWatch.
CHATBOT_GUARDRAIL = "arn:aws:iam::aws:policy/CloudWatchReadOnlyAccess"


class SlackSettings(TypedDict):
    """An AWS Chatbot Slack channel."""

    workspace_id: str
    """The Slack workspace (team) id, authorised once in the AWS Chatbot console."""
    channel_id: str
    """The channel's id."""


def subscribe(
    parent: pulumi.Resource,
    key: str,
    topic_arn: pulumi.Input[str],
    emails: Sequence[str],
    https_endpoint: str | None,
    provider: aws.Provider | None = None,
) -> None:
    """E-mail subscriptions (each address confirms once) and the HTTPS endpoint, if any."""
    opts = pulumi.ResourceOptions(parent=parent, provider=provider)
    for i, email in enumerate(emails):
        aws.sns.TopicSubscription(
            f"{key}-email-{i}", topic=topic_arn, protocol="email", endpoint=email, opts=opts
        )
    if https_endpoint is not None:
        aws.sns.TopicSubscription(
            f"{key}-https",
            topic=topic_arn,
            protocol="https",
            endpoint=https_endpoint,
            endpoint_auto_confirms=False,
            opts=opts,
        )


def slack_channel(
    parent: pulumi.Resource,
    name_prefix: str,
    account_id: str,
    slack: SlackSettings,
    topic_arns: Sequence[pulumi.Input[str]],
) -> aws.chatbot.SlackChannelConfiguration:
    """A Chatbot channel configuration on the topics (AWS Chatbot administrator guide,
    "Configuring access permissions"), with a role that may only read CloudWatch."""
    opts = pulumi.ResourceOptions(parent=parent)
    trust: dict[str, Any] = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "chatbot.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            }
        ],
    }
    role = aws.iam.Role(
        "chatbot", name=f"{name_prefix}-chatbot", assume_role_policy=json.dumps(trust), opts=opts
    )
    # Chatbot's "notifications only" permissions: read the alarm's graph, nothing else.
    aws.iam.RolePolicy(
        "chatbot",
        role=role.id,
        policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "ReadAlarmGraphs",
                        "Effect": "Allow",
                        "Action": ["cloudwatch:Describe*", "cloudwatch:Get*", "cloudwatch:List*"],
                        "Resource": "*",
                    }
                ],
            }
        ),
        opts=opts,
    )
    return aws.chatbot.SlackChannelConfiguration(
        "chatbot",
        configuration_name=f"{name_prefix}-alerts",
        iam_role_arn=role.arn,
        slack_team_id=slack["workspace_id"],
        slack_channel_id=slack["channel_id"],
        sns_topic_arns=list(topic_arns),
        guardrail_policy_arns=[CHATBOT_GUARDRAIL],
        logging_level="ERROR",
        opts=opts,
    )
