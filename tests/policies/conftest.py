"""Puts the policy packs on sys.path (as the CLI does for each pack) before tests import them."""

import policy_harness  # noqa: F401
