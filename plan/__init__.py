"""Offline plan: run the Pulumi program and its policy packs with no CLI and no AWS account."""
