"""Serve the layer components to other Pulumi languages: `pulumi package add ./components`.

Pulumi runs this as a component provider plugin (see PulumiPlugin.yaml); the schema is
inferred from the components' type annotations and docstrings.
"""

import sys
from pathlib import Path

# The plugin runs from this directory; the package imports itself as `components`, and its
# modules must not shadow the standard library's (platform, for one).
sys.path[0] = str(Path(__file__).resolve().parent.parent)

from pulumi.provider.experimental import component_provider_host  # noqa: E402

from components.catalog import COMPONENTS  # noqa: E402

if __name__ == "__main__":
    component_provider_host(COMPONENTS, name="webplatform")
