"""The guardrails pack's policies (imported by the pack's __main__.py and by the tests)."""

import sys
from pathlib import Path

# The packs share one plumbing module, policies/policy_support.py.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from . import data_protection, iam, network, observability

POLICIES = [
    *network.POLICIES,
    *data_protection.POLICIES,
    *observability.POLICIES,
    *iam.POLICIES,
]

__all__ = ["POLICIES"]
