"""Typed Pulumi components, one module per layer of the platform."""
