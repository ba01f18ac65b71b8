"""The stack's CloudWatch dashboard: the request path (CloudFront, WAF, load balancer), the
services, the data stores and the jobs, one row each."""

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi

WIDTH = 24
HEIGHT = 6


def graph(
    title: str, metrics: Sequence[Sequence[Any]], region: str, stat: str = "Sum"
) -> dict[str, Any]:
    """A time-series widget; each metric is [namespace, name, dimension, value, ...]."""
    return {
        "type": "metric",
        "properties": {
            "title": title,
            "view": "timeSeries",
            "region": region,
            "stat": stat,
            "period": 300,
            "metrics": [list(m) for m in metrics],
        },
    }


def row(widgets: Sequence[dict[str, Any]], y: int) -> list[dict[str, Any]]:
    """Widgets side by side across the dashboard's width at height `y`."""
    width = WIDTH // max(len(widgets), 1)
    return [
        {**w, "x": i * width, "y": y, "width": width, "height": HEIGHT}
        for i, w in enumerate(widgets)
    ]


def body(rows: Sequence[Sequence[dict[str, Any]]]) -> pulumi.Output[str]:
    """The dashboard body (widgets may hold outputs: ids and names)."""
    widgets = [w for y, r in enumerate(rows) for w in row(r, y * HEIGHT)]
    return pulumi.Output.json_dumps({"widgets": widgets})


def per(
    namespace: str, metric: str, dimension: str, values: Mapping[str, pulumi.Input[str]]
) -> list[list[Any]]:
    """One line per named value of a dimension, labelled by its short name."""
    return [
        [namespace, metric, dimension, value, {"label": label}] for label, value in values.items()
    ]
