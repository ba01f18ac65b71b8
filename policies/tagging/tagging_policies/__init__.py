"""The tagging pack's policies (imported by the pack's __main__.py and by the tests)."""

from .tags import POLICIES

__all__ = ["POLICIES"]
