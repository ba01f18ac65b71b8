"""The alerts topic: where alarms and failed jobs notify operators."""

from typing import Any, TypedDict

import pulumi
import pulumi_aws as aws


class AlertsArgs(TypedDict):
    name_prefix: str
    """`<project>-<environment>`: the topic is `<name_prefix>-alerts`."""
    account_id: str
    """Only this account's alarms and rules may publish."""
    region: str
    """The topic's region: alarms notify topics of their own region only."""
    kms_key_arn: pulumi.Input[str]
    """The data key; its policy lets CloudWatch and EventBridge use it."""


class Alerts(pulumi.ComponentResource):
    """An encrypted SNS topic that CloudWatch alarms, EventBridge rules and the pipelines'
    notification rules (CodeStar Notifications) of this account publish to. Its subscriptions
    (e-mail, HTTPS, chat) belong to the observability layer."""

    topic_arn: pulumi.Output[str]
    """The topic's ARN."""

    def __init__(
        self, name: str, args: AlertsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("webplatform:foundation:Alerts", name, None, opts)
        account = args["account_id"]
        # Only the condition keys each service documents sending: CloudWatch the alarm's
        # aws:SourceArn and aws:SourceAccount, EventBridge the rule's aws:SourceArn (a key the
        # request lacks would silently drop every alert).
        source = f"{args['region']}:{account}:"

        def publisher(sid: str, service: str, condition: dict[str, Any]) -> dict[str, Any]:
            return {
                "Sid": sid,
                "Effect": "Allow",
                "Principal": {"Service": f"{service}.amazonaws.com"},
                "Action": "sns:Publish",
                "Resource": topic.arn,
                "Condition": condition,
            }

        topic = aws.sns.Topic(
            name,
            name=f"{args['name_prefix']}-alerts",
            kms_master_key_id=args["kms_key_arn"],
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.sns.TopicPolicy(
            name,
            arn=topic.arn,
            policy=pulumi.Output.json_dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        publisher(
                            "AlarmsOfThisAccountPublish",
                            "cloudwatch",
                            {
                                "StringEquals": {"aws:SourceAccount": account},
                                "ArnLike": {"aws:SourceArn": f"arn:aws:cloudwatch:{source}alarm:*"},
                            },
                        ),
                        publisher(
                            "RulesOfThisAccountPublish",
                            "events",
                            {"ArnLike": {"aws:SourceArn": f"arn:aws:events:{source}rule/*"}},
                        ),
                        {
                            # The statement AWS documents for a notification rule's target
                            # topic. Notification rules target a topic of their own account.
                            "Sid": "CodeStarNotificationsPublish",
                            "Effect": "Allow",
                            "Principal": {"Service": "codestar-notifications.amazonaws.com"},
                            "Action": "sns:Publish",
                            "Resource": topic.arn,
                        },
                        {
                            "Sid": "TlsOnly",
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": "sns:Publish",
                            "Resource": topic.arn,
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                        },
                    ],
                }
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.topic_arn = topic.arn
        self.register_outputs({"topic_arn": self.topic_arn})
