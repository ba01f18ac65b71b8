"""The observability layer's part of the stack config: `<project>:observability`.

Tier defaults for these keys live with the others in `components.config.TIER_DEFAULTS`.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, field_validator

from components.config.base import Model, aws
from components.config.edge import service_shape

# An alarm's period times its evaluation periods is at most one day for periods under an hour
# (PutMetricAlarm, Period); the layer's alarms use 5-minute periods.
PUT_METRIC_ALARM = (
    "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html"
)
ALARM_PERIOD_SECONDS = 300
MAX_EVALUATION_SECONDS = 86400
SNS_SUBSCRIBE = "https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html"
CHATBOT_SLACK = "https://docs.aws.amazon.com/chatbot/latest/APIReference/API_CreateSlackChannelConfiguration.html"


def _slack_id(shape: str) -> str:
    """botocore's chatbot pattern of a Slack id, anchored."""
    return f"^{service_shape('chatbot', shape)['pattern']}$"


# What SNS accepts as an e-mail endpoint is any address; this catches the typos that make a
# subscription that nobody can ever confirm.
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)


class SlackConfig(Model):
    """`observability.slack`: an AWS Chatbot Slack channel fed by the alerts topic. The
    workspace must first be authorised once in the AWS Chatbot console."""

    workspace_id: str = Field(
        pattern=_slack_id("SlackTeamId"),
        max_length=255,
        description="The Slack workspace (team) id, e.g. T0123ABCD.",
        json_schema_extra=aws(CHATBOT_SLACK),
    )
    channel_id: str = Field(
        pattern=_slack_id("SlackChannelId"),
        max_length=255,
        description="The Slack channel id, e.g. C0123ABCD.",
        json_schema_extra=aws(CHATBOT_SLACK),
    )


class ThresholdsConfig(Model):
    """`observability.thresholds`: when an alarm fires. Rates are percentages of requests."""

    server_errors_percent: float = Field(
        gt=0, le=100, description="ALB 5xx responses, % of requests."
    )
    client_errors_percent: float = Field(
        gt=0, le=100, description="ALB 4xx responses, % of requests."
    )
    target_p95_seconds: float = Field(gt=0, description="p95 target response time.")
    rejected_connections: int = Field(ge=0, description="Rejected connections per 5 minutes.")
    tls_errors: int = Field(ge=0, description="Client TLS negotiation errors per 5 minutes.")
    service_cpu_percent: float = Field(gt=0, le=100)
    service_memory_percent: float = Field(gt=0, le=100)
    database_cpu_percent: float = Field(gt=0, le=100)
    database_connections: int = Field(ge=1, description="Connections to the cluster's writer.")
    database_freeable_memory_mib: int = Field(ge=1, description="Fires below this.")
    replica_lag_ms: int = Field(ge=1, description="Aurora replica lag, milliseconds.")
    cache_cpu_percent: float = Field(gt=0, le=100, description="Engine CPU per node.")
    cache_memory_percent: float = Field(gt=0, le=100, description="Used memory per node.")
    cache_evictions: int = Field(ge=0, description="Evictions per 5 minutes per node.")
    waf_blocked_requests: int = Field(ge=1, description="Blocked requests per 5 minutes.")
    log_errors: int = Field(ge=0, description="ERROR/CRITICAL lines per 5 minutes per group.")
    log_warnings: int = Field(ge=0, description="WARNING lines per 5 minutes per group.")
    function_errors: int = Field(ge=0, description="Failed invocations per 5 minutes.")


class ObservabilityConfig(Model):
    """`<project>:observability`: who is told, and when."""

    alert_emails: list[str] = Field(
        default_factory=list,
        description="Addresses subscribed to the alerts topic (SNS email protocol).",
        json_schema_extra=aws(SNS_SUBSCRIBE),
    )
    alert_https_endpoint: str | None = Field(
        None,
        description="An https:// endpoint (an incident tool's webhook) subscribed as well "
        "(SNS https protocol).",
        json_schema_extra=aws(SNS_SUBSCRIBE),
    )
    slack: SlackConfig | None = None
    evaluation_periods: int = Field(
        ge=1,
        le=MAX_EVALUATION_SECONDS // ALARM_PERIOD_SECONDS,
        description="5-minute periods an alarm's condition must hold; one day (288) at most.",
        json_schema_extra=aws(PUT_METRIC_ALARM),
    )
    thresholds: ThresholdsConfig
    query_results_expire_days: int = Field(
        ge=1, le=3650, description="Days Athena query results are kept."
    )

    @field_validator("alert_emails")
    @classmethod
    def _check_emails(cls, emails: list[str]) -> list[str]:
        for email in emails:
            if not EMAIL.match(email):
                raise ValueError(
                    f"expected e-mail addresses such as ops@example.com, got {email!r}"
                )
        if len(set(emails)) != len(emails):
            raise ValueError("lists an address twice")
        return emails

    @field_validator("alert_https_endpoint")
    @classmethod
    def _check_endpoint(cls, url: str | None) -> str | None:
        if url is not None and not re.fullmatch(r"https://[^\s/]+(/\S*)?", url):
            raise ValueError(f"expected an https:// URL, got {url!r}")
        return url

    def settings(self) -> dict[str, Any]:
        """What the layer takes, as plain values."""
        return self.model_dump()
