"""The pipeline layer: image repositories, builds, pipelines and blue/green deployments."""

from components.pipeline.layer import Pipeline, PipelineArgs

__all__ = ["Pipeline", "PipelineArgs"]
