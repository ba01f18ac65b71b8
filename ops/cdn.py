"""`cdn invalidate`: a CloudFront invalidation, waited for."""

from __future__ import annotations

import time

import click

from ops import waiting
from ops.context import Stack, stack_command


@click.group()
def cdn() -> None:
    """The stack's CloudFront distribution."""


@cdn.command()
@click.argument("paths", nargs=-1)
@stack_command
def invalidate(stack: Stack, paths: tuple[str, ...]) -> None:
    """Invalidate CDN paths and wait for it.

    PATHS default to /*; the command returns when CloudFront has finished.
    """
    distribution = stack.need(stack.outputs.cdn, "cdn")
    items = list(paths) or ["/*"]
    relative = [p for p in items if not p.startswith("/")]
    if relative:
        raise click.UsageError(f"paths start with /: {', '.join(relative)}")
    cloudfront = stack.aws.client("cloudfront")
    invalidation = cloudfront.create_invalidation(
        DistributionId=distribution.distribution_id,
        InvalidationBatch={
            "Paths": {"Quantity": len(items), "Items": items},
            "CallerReference": f"ops-{time.time_ns()}",
        },
    )["Invalidation"]
    waiting.poll(
        f"invalidation {invalidation['Id']}",
        lambda: cloudfront.get_invalidation(
            DistributionId=distribution.distribution_id, Id=invalidation["Id"]
        )["Invalidation"],
        lambda current: current["Status"].lower() == "completed",
        lambda current: current["Status"].lower(),
    )
    click.echo(f"invalidated {' '.join(items)} on {distribution.url} ({invalidation['Id']})")
