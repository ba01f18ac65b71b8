"""Helpers every component uses."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi


def output_dict(values: Mapping[str, pulumi.Input[str]]) -> pulumi.Output[dict[str, str]]:
    """One output of a plain dict from a dict of inputs; an empty dict stays a dict."""
    return pulumi.Output.from_input(dict(values))  # type: ignore[arg-type]
