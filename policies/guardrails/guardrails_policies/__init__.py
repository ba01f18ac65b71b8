"""The guardrails pack's policies (imported by the pack's __main__.py and by the tests)."""

from . import data_protection, edge, iam, network, observability, workflows, workloads

POLICIES = [
    *network.POLICIES,
    *data_protection.POLICIES,
    *observability.POLICIES,
    *iam.POLICIES,
    *workflows.POLICIES,
    *edge.POLICIES,
    *workloads.POLICIES,
]

__all__ = ["POLICIES"]
