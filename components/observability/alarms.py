"""CloudWatch alarms as the layer declares them, and the metric math they use.

Every alarm notifies its region's alerts topic on ALARM and on OK, over 5-minute periods. Its
`treat_missing_data` is chosen per metric: AWS publishes most request and error counts only
when something happened, so a missing point there is "nothing went wrong" (`notBreaching`);
where a missing point means the thing watched is gone, it is `breaching`.
"""

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

PERIOD_SECONDS = 300
NOT_BREACHING = "notBreaching"
BREACHING = "breaching"


def metric(
    namespace: str, name: str, dimensions: Mapping[str, pulumi.Input[str]], stat: str = "Sum"
) -> dict[str, Any]:
    """One metric of a metric-math alarm (`metric_queries[].metric`)."""
    return {
        "namespace": namespace,
        "metric_name": name,
        "dimensions": dict(dimensions),
        "stat": stat,
        "period": PERIOD_SECONDS,
    }


def math(
    expression: str, label: str, metrics: Mapping[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """`metric_queries` of an alarm on `expression` over the named metrics (ids are the keys)."""
    return [
        {"id": "e1", "expression": expression, "label": label, "return_data": True},
        *({"id": key, "metric": value, "return_data": False} for key, value in metrics.items()),
    ]


class Alarms:
    """Declares the layer's alarms on one region's topic and keeps their names."""

    def __init__(
        self,
        parent: pulumi.Resource,
        name_prefix: str,
        topic_arn: pulumi.Input[str],
        evaluation_periods: int,
        provider: aws.Provider | None = None,
    ) -> None:
        self._opts = pulumi.ResourceOptions(parent=parent, provider=provider)
        self._prefix = name_prefix
        self._topic_arn = topic_arn
        self._periods = evaluation_periods
        self.names: list[pulumi.Output[str]] = []

    def add(
        self,
        key: str,
        description: str,
        *,
        threshold: float,
        comparison: str = "GreaterThanThreshold",
        treat_missing_data: str = NOT_BREACHING,
        single: dict[str, Any] | None = None,
        queries: Sequence[dict[str, Any]] = (),
        evaluation_periods: int | None = None,
    ) -> aws.cloudwatch.MetricAlarm:
        """An alarm `<prefix>-<key>` on one metric (`single`: namespace, metric_name,
        dimensions and statistic or extended_statistic) or on metric math (`queries`)."""
        periods = evaluation_periods or self._periods
        one = dict(single or {})
        if one:
            one["period"] = PERIOD_SECONDS
        alarm = aws.cloudwatch.MetricAlarm(
            f"alarm-{key}",
            name=f"{self._prefix}-{key}",
            alarm_description=description,
            comparison_operator=comparison,
            threshold=threshold,
            evaluation_periods=periods,
            datapoints_to_alarm=periods,
            treat_missing_data=treat_missing_data,
            alarm_actions=[self._topic_arn],
            ok_actions=[self._topic_arn],
            metric_queries=list(queries) or None,  # type: ignore[arg-type]
            **one,
            opts=self._opts,
        )
        self.names.append(alarm.name)
        return alarm
