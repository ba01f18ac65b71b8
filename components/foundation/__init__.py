"""The foundation layer: KMS keys and the alerts topic."""

from components.foundation.layer import Foundation, FoundationArgs

__all__ = ["Foundation", "FoundationArgs"]
