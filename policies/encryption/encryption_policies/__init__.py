"""The encryption pack's policies (imported by the pack's __main__.py and by the tests)."""

from . import at_rest, in_transit, workflows

POLICIES = [*at_rest.POLICIES, *in_transit.POLICIES, *workflows.POLICIES]

__all__ = ["POLICIES"]
