"""Log search: a Glue database with tables over the log archive and the access logs, each with
partition projection on its date (no crawler, no `ADD PARTITION`), and an Athena workgroup
whose results are encrypted with the data key in a bucket that expires them."""

from collections.abc import Mapping
from typing import Any, TypedDict

import pulumi
import pulumi_aws as aws

from components.data.bucket import Bucket, validate_bucket_name
from components.data.storage import bucket_suffix
from components.observability.archive import DATE_FORMAT
from components.platform import Platform

ARCHIVE_TABLE = "events"
ALB_TABLE = "alb_access_logs"
CLOUDFRONT_TABLE = "cloudfront_access_logs"
ENGINE = "Athena engine version 3"

JSON_LINES = {
    "input_format": "org.apache.hadoop.mapred.TextInputFormat",
    "output_format": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
    "ser_de_info": {"serialization_library": "org.openx.data.jsonserde.JsonSerDe"},
}
PARQUET = {
    "input_format": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
    "output_format": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
    "ser_de_info": {
        "serialization_library": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
    },
}
# What CloudWatch Logs sends a subscription, one JSON document per line once Firehose has
# decompressed it (CloudWatch Logs user guide, "Subscription filters": the data's fields).
ARCHIVE_COLUMNS = {
    "messagetype": "string",
    "owner": "string",
    "loggroup": "string",
    "logstream": "string",
    "subscriptionfilters": "array<string>",
    "logevents": "array<struct<id:string,timestamp:bigint,message:string>>",
}
# The Athena user guide's table for Application Load Balancer access logs ("Create the table
# for ALB logs in Athena using partition projection"), with its regular expression.
ALB_COLUMNS = {
    "type": "string", "time": "string", "elb": "string", "client_ip": "string",
    "client_port": "int", "target_ip": "string", "target_port": "int",
    "request_processing_time": "double", "target_processing_time": "double",
    "response_processing_time": "double", "elb_status_code": "int",
    "target_status_code": "string", "received_bytes": "bigint", "sent_bytes": "bigint",
    "request_verb": "string", "request_url": "string", "request_proto": "string",
    "user_agent": "string", "ssl_cipher": "string", "ssl_protocol": "string",
    "target_group_arn": "string", "trace_id": "string", "domain_name": "string",
    "chosen_cert_arn": "string", "matched_rule_priority": "string",
    "request_creation_time": "string", "actions_executed": "string", "redirect_url": "string",
    "lambda_error_reason": "string", "target_port_list": "string",
    "target_status_code_list": "string", "classification": "string",
    "classification_reason": "string", "conn_trace_id": "string",
}  # fmt: skip
ALB_REGEX = (
    r"([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*):([0-9]*) ([^ ]*)[:-]([0-9]*) ([-.0-9]*) ([-.0-9]*) "
    r"([-.0-9]*) (|[-0-9]*) (-|[-0-9]*) ([-0-9]*) ([-0-9]*) \"([^ ]*) (.*) (- |[^ ]*)\" "
    r"\"([^\"]*)\" ([A-Z0-9-_]+) ([A-Za-z0-9.-]*) ([^ ]*) \"([^\"]*)\" \"([^\"]*)\" "
    r"\"([^\"]*)\" ([-.0-9]*) ([^ ]*) \"([^\"]*)\" \"([^\"]*)\" \"([^ ]*)\" "
    r"\"([^\s]+?)\" \"([^\s]+)\" \"([^ ]*)\" \"([^ ]*)\" ?([^ ]*)? ?( .*)?"
)
# The Athena user guide's table for CloudFront standard logging v2 in Parquet ("Create a
# table for CloudFront logs in Athena using partition projection for Parquet").
CLOUDFRONT_COLUMNS = dict.fromkeys(
    [
        "date", "time", "x_edge_location", "sc_bytes", "c_ip", "cs_method", "cs_host",
        "cs_uri_stem", "sc_status", "cs_referer", "cs_user_agent", "cs_uri_query", "cs_cookie",
        "x_edge_result_type", "x_edge_request_id", "x_host_header", "cs_protocol", "cs_bytes",
        "time_taken", "x_forwarded_for", "ssl_protocol", "ssl_cipher",
        "x_edge_response_result_type", "cs_protocol_version", "fle_status",
        "fle_encrypted_fields", "c_port", "time_to_first_byte", "x_edge_detailed_result_type",
        "sc_content_type", "sc_content_len", "sc_range_start", "sc_range_end",
    ],
    "string",
)  # fmt: skip


class LogSearchArgs(TypedDict):
    platform: Platform
    """Name prefix, region, account, data key, protection."""
    archive_bucket: pulumi.Input[str]
    """The log-archive bucket, which Firehose writes in hourly prefixes."""
    archive_days: int
    """Days the archive keeps objects: the date projection's range back from now."""
    access_logs_bucket: pulumi.Input[str]
    """The access-logs bucket: ALB logs under `alb/`, CloudFront's under `AWSLogs/`."""
    distribution_id: pulumi.Input[str]
    """The CloudFront distribution whose access logs the CloudFront table projects."""
    results_expire_days: int
    """Days query results are kept."""


class LogSearch(pulumi.ComponentResource):
    """Glue tables over the logs and the Athena workgroup to query them in."""

    glue_database: pulumi.Output[str]
    """The Glue database of the log tables."""
    archive_table: pulumi.Output[str]
    """The table over the log archive, partitioned by `datehour` (yyyy/MM/dd/HH, UTC)."""
    workgroup: pulumi.Output[str]
    """The Athena workgroup (results encrypted, its configuration enforced)."""
    results_bucket: pulumi.Output[str]
    """Where the workgroup writes query results."""

    def __init__(
        self, name: str, args: LogSearchArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("webplatform:observability:LogSearch", name, None, opts)
        platform = args["platform"]
        prefix, region, account = (
            platform["name_prefix"],
            platform["region"],
            platform["account_id"],
        )
        child = pulumi.ResourceOptions(parent=self)
        results = Bucket(
            f"{name}-results",
            {
                "bucket_name": validate_bucket_name(
                    f"{prefix}-query-results-{bucket_suffix(account, region)}"
                ),
                "kms_key_arn": platform["data_key_arn"],
                "expire_days": args["results_expire_days"],
                "noncurrent_expire_days": 1,
                "protect": platform["protect"],
            },
            opts=child,
        )
        database = aws.glue.CatalogDatabase(
            name,
            name=prefix.replace("-", "_") + "_logs",
            description=f"{prefix}: the log archive and the access logs, for Athena",
            opts=child,
        )
        archive = pulumi.Output.concat("s3://", args["archive_bucket"], "/")
        archive_table = self._table(
            f"{name}-{ARCHIVE_TABLE}",
            database,
            ARCHIVE_TABLE,
            "Every archived log event batch; UNNEST(logevents) for the lines.",
            ARCHIVE_COLUMNS,
            JSON_LINES,
            archive,
            {"datehour": date_projection(DATE_FORMAT, "HOURS", args["archive_days"])},
            "${datehour}/",
            # Archive objects move to Glacier; restored ones are read, not skipped.
            {"read_restored_glacier_objects": "true"},
        )
        alb_logs = pulumi.Output.concat(
            "s3://",
            args["access_logs_bucket"],
            f"/alb/AWSLogs/{account}/elasticloadbalancing/",
            f"{region}/",
        )
        alb_format = {
            **JSON_LINES,
            "ser_de_info": {
                "serialization_library": "org.apache.hadoop.hive.serde2.RegexSerDe",
                "parameters": {"serialization.format": "1", "input.regex": ALB_REGEX},
            },
        }
        self._table(
            f"{name}-alb",
            database,
            ALB_TABLE,
            "Application Load Balancer access logs.",
            ALB_COLUMNS,
            alb_format,
            alb_logs,
            {"day": date_projection("yyyy/MM/dd", "DAYS", args["archive_days"])},
            "${day}",
        )
        cloudfront_logs = pulumi.Output.concat(
            "s3://", args["access_logs_bucket"], f"/AWSLogs/{account}/CloudFront/"
        )
        self._table(
            f"{name}-cloudfront",
            database,
            CLOUDFRONT_TABLE,
            "CloudFront standard logs (v2, Parquet).",
            CLOUDFRONT_COLUMNS,
            PARQUET,
            cloudfront_logs,
            {
                "distributionid": pulumi.Output.from_input(args["distribution_id"]).apply(
                    lambda d: {"type": "enum", "values": d}
                ),
                "year": {"type": "integer", "range": "2024,2099", "digits": "4"},
                "month": {"type": "integer", "range": "1,12", "digits": "2"},
                "day": {"type": "integer", "range": "1,31", "digits": "2"},
                "hour": {"type": "integer", "range": "0,23", "digits": "2"},
            },
            "${distributionid}/${year}/${month}/${day}/${hour}/",
        )
        workgroup = aws.athena.Workgroup(
            name,
            name=f"{prefix}-logs",
            description=f"{prefix}: log search",
            configuration={
                "enforce_workgroup_configuration": True,
                "publish_cloudwatch_metrics_enabled": True,
                "engine_version": {"selected_engine_version": ENGINE},
                "result_configuration": {
                    "output_location": pulumi.Output.concat("s3://", results.bucket, "/"),
                    "encryption_configuration": {
                        "encryption_option": "SSE_KMS",
                        "kms_key_arn": platform["data_key_arn"],
                    },
                },
            },
            opts=child,
        )
        self.glue_database = database.name
        self.archive_table = archive_table.name
        self.workgroup = workgroup.name
        self.results_bucket = results.bucket
        self.register_outputs(
            {
                "glue_database": self.glue_database,
                "archive_table": self.archive_table,
                "workgroup": self.workgroup,
                "results_bucket": self.results_bucket,
            }
        )

    def _table(
        self,
        name: str,
        database: aws.glue.CatalogDatabase,
        table: str,
        description: str,
        columns: Mapping[str, str],
        storage: Mapping[str, Any],
        location: pulumi.Output[str],
        projections: Mapping[str, pulumi.Input[Mapping[str, str]]],
        template: str,
        properties: Mapping[str, str] | None = None,
    ) -> aws.glue.CatalogTable:
        """An external table whose partitions Athena projects from `projections` (each
        partition key's projection.<key>.* properties) onto `location` + `template`."""
        parameters = pulumi.Output.all(location, *projections.values()).apply(
            lambda v: {
                **table_parameters(v[0], dict(zip(projections, v[1:], strict=True)), template),
                **(properties or {}),
            }
        )
        return aws.glue.CatalogTable(  # type: ignore[call-overload]
            name,
            name=table,
            database_name=database.name,
            description=description,
            table_type="EXTERNAL_TABLE",
            parameters=parameters,
            partition_keys=[{"name": key, "type": "string"} for key in projections],
            storage_descriptor={
                **storage,
                "location": location,
                "columns": [{"name": c, "type": t} for c, t in columns.items()],
            },
            opts=pulumi.ResourceOptions(parent=self),
        )


def date_projection(date_format: str, unit: str, days_back: int) -> dict[str, str]:
    """A date partition from `days_back` days ago to now, one value per `unit`."""
    return {
        "type": "date",
        "format": date_format,
        "range": f"NOW-{days_back}DAYS,NOW",
        "interval": "1",
        "interval.unit": unit,
    }


def table_parameters(
    location: str, projections: Mapping[str, Mapping[str, str]], template: str
) -> dict[str, str]:
    """The table properties of partition projection (Athena user guide, "Supported types for
    partition projection")."""
    return {
        "EXTERNAL": "TRUE",
        "projection.enabled": "true",
        **{
            f"projection.{key}.{field}": value
            for key, fields in projections.items()
            for field, value in fields.items()
        },
        "storage.location.template": location + template,
    }
