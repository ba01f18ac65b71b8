"""The data layer: Aurora, the cache, DynamoDB tables, S3 buckets, SSM parameters."""

from components.data.layer import Data, DataArgs

__all__ = ["Data", "DataArgs"]
