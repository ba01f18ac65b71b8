"""The compute layer: ECS cluster and services, Lambda functions, jobs, operation host."""

from components.compute.layer import Compute, ComputeArgs

__all__ = ["Compute", "ComputeArgs"]
