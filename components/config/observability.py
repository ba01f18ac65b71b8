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


def _threshold(
    description: str, *, low: float = 0, high: float | None = None, strict: bool = False
) -> Any:
    """A threshold field: a finite double for PutMetricAlarm's Threshold, within what its metric
    can report (`low`, exclusive with `strict`; a percentage stops at 100)."""
    return Field(
        description=description,
        gt=low if strict else None,
        ge=None if strict else low,
        le=high,
        allow_inf_nan=False,
        json_schema_extra=aws(PUT_METRIC_ALARM),
    )


class ThresholdsConfig(Model):
    """`observability.thresholds`: when an alarm fires. Each becomes an alarm's Threshold (a
    double); the bounds are what the metric can report."""

    server_errors_percent: float = _threshold(
        "ALB 5xx responses, a percentage of requests (0-100).", strict=True, high=100
    )
    client_errors_percent: float = _threshold(
        "ALB 4xx responses, a percentage of requests (0-100).", strict=True, high=100
    )
    target_p95_seconds: float = _threshold(
        "p95 target response time, seconds (TargetResponseTime).", strict=True
    )
    rejected_connections: int = _threshold("Rejected connections per 5 minutes, a count.")
    tls_errors: int = _threshold("Client TLS negotiation errors per 5 minutes, a count.")
    service_cpu_percent: float = _threshold(
        "Service CPU utilisation, a percentage (0-100).", strict=True, high=100
    )
    service_memory_percent: float = _threshold(
        "Service memory utilisation, a percentage (0-100).", strict=True, high=100
    )
    database_cpu_percent: float = _threshold(
        "Database CPU utilisation, a percentage (0-100).", strict=True, high=100
    )
    database_connections: int = _threshold("Connections to the cluster's writer, a count.", low=1)
    database_freeable_memory_mib: int = _threshold(
        "Fires below this much FreeableMemory, MiB (the alarm compares bytes).", low=1
    )
    replica_lag_ms: int = _threshold("Aurora replica lag, milliseconds.", low=1)
    cache_cpu_percent: float = _threshold(
        "Engine CPU per node, a percentage (0-100).", strict=True, high=100
    )
    cache_memory_percent: float = _threshold(
        "Used memory per node, a percentage (0-100).", strict=True, high=100
    )
    cache_evictions: int = _threshold("Evictions per 5 minutes per node, a count.")
    waf_blocked_requests: int = _threshold("Blocked requests per 5 minutes, a count.", low=1)
    log_errors: int = _threshold("ERROR/CRITICAL lines per 5 minutes per group, a count.")
    log_warnings: int = _threshold("WARNING lines per 5 minutes per group, a count.")
    function_errors: int = _threshold("Failed invocations per 5 minutes, a count.")


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
        ge=1,
        le=3650,
        description="Days Athena query results are kept: an S3 lifecycle expiration (a positive "
        "number of days; ten years at most here)",
        json_schema_extra=aws(
            "https://docs.aws.amazon.com/AmazonS3/latest/API/API_LifecycleExpiration.html", "days"
        ),
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
