"""The observability layer: alarms, notifications, log archive and search, the dashboard."""

from components.observability.layer import Observability

__all__ = ["Observability"]
