"""What one AWS account needs before the platform's stacks are deployed into it: the Pulumi
state backend, the CI roles GitHub Actions assumes, and the account's security baseline. Built
by the account program in `bootstrap/`."""

from components.account.baseline import SecurityBaseline
from components.account.ci import CiRoles
from components.account.state import StateBackend

__all__ = ["CiRoles", "SecurityBaseline", "StateBackend"]
