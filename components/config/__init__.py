"""The typed stack config, one module per layer's section, the tier defaults as one table.

`from_pulumi()` (or `load(...)`) is the only way in: it returns a validated `StackConfig` or
raises `ConfigError` with one line that names the stack file and the key.
"""

from components.config.base import ConfigError
from components.config.stack import StackConfig, from_pulumi, load
from components.config.tiers import TIER_DEFAULTS

__all__ = ["TIER_DEFAULTS", "ConfigError", "StackConfig", "from_pulumi", "load"]
