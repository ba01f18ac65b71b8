"""DynamoDB tables declared in the stack config: on-demand by default, encrypted with the
data key, point-in-time recovery on, deletion protection where stateful resources are
protected."""

from collections.abc import Mapping, Sequence
from typing import TypedDict

import pulumi
import pulumi_aws as aws

from components.base import output_dict
from components.platform import Platform


class IndexSpec(TypedDict):
    name: str
    """The index name."""
    hash_key: str
    """The index partition key."""
    range_key: str | None
    """The index sort key, if any."""
    projection: str
    """ALL or KEYS_ONLY."""


class TableSpec(TypedDict):
    hash_key: str
    """The partition key attribute."""
    range_key: str | None
    """The sort key attribute, if any."""
    attributes: Mapping[str, str]
    """Key attribute name to type: S, N or B."""
    global_secondary_indexes: Sequence[IndexSpec]
    """Global secondary indexes."""
    ttl_attribute: str | None
    """Attribute holding the expiry time (epoch seconds), if any."""
    stream: str | None
    """Stream view type (KEYS_ONLY, NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES), or no stream."""
    billing_mode: str
    """PAY_PER_REQUEST (on demand) or PROVISIONED."""
    read_capacity: int | None
    """Read capacity units (PROVISIONED only)."""
    write_capacity: int | None
    """Write capacity units (PROVISIONED only)."""


class TablesArgs(TypedDict):
    platform: Platform
    """Name prefix, region, account, keys, log retention and protection."""
    tables: Mapping[str, TableSpec]
    """The tables by short name."""


class Tables(pulumi.ComponentResource):
    """One DynamoDB table per entry of the stack's `tables`."""

    names: pulumi.Output[dict[str, str]]
    """Table name by short name."""
    arns: pulumi.Output[dict[str, str]]
    """Table ARN by short name."""

    def __init__(
        self, name: str, args: TablesArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("webplatform:data:Tables", name, None, opts)
        tables = {
            table: self._table(
                f"{name}-{table}", f"{args['platform']['name_prefix']}-{table}", spec, args
            )
            for table, spec in args["tables"].items()
        }
        self.names = output_dict({k: t.name for k, t in tables.items()})
        self.arns = output_dict({k: t.arn for k, t in tables.items()})
        self.register_outputs({"names": self.names, "arns": self.arns})

    def _table(
        self, logical: str, physical: str, spec: TableSpec, args: TablesArgs
    ) -> aws.dynamodb.Table:
        return aws.dynamodb.Table(
            logical,
            name=physical,
            billing_mode=spec["billing_mode"],
            read_capacity=spec["read_capacity"],
            write_capacity=spec["write_capacity"],
            hash_key=spec["hash_key"],
            range_key=spec["range_key"],
            attributes=[
                aws.dynamodb.TableAttributeArgs(name=k, type=t)
                for k, t in spec["attributes"].items()
            ],
            global_secondary_indexes=[_index(i, spec) for i in spec["global_secondary_indexes"]],
            ttl=aws.dynamodb.TableTtlArgs(attribute_name=spec["ttl_attribute"], enabled=True)
            if spec["ttl_attribute"]
            else None,
            stream_enabled=spec["stream"] is not None,
            stream_view_type=spec["stream"],
            server_side_encryption=aws.dynamodb.TableServerSideEncryptionArgs(
                enabled=True, kms_key_arn=args["platform"]["data_key_arn"]
            ),
            point_in_time_recovery=aws.dynamodb.TablePointInTimeRecoveryArgs(enabled=True),
            deletion_protection_enabled=args["platform"]["protect"],
            opts=pulumi.ResourceOptions(parent=self, protect=args["platform"]["protect"]),
        )


def _index(index: IndexSpec, table: TableSpec) -> aws.dynamodb.TableGlobalSecondaryIndexArgs:
    """An index of a PROVISIONED table gets the table's capacity: DynamoDB refuses an index
    without throughput in that mode (GlobalSecondaryIndex, ProvisionedThroughput)."""
    keys = [(index["hash_key"], "HASH"), (index["range_key"], "RANGE")]
    return aws.dynamodb.TableGlobalSecondaryIndexArgs(
        name=index["name"],
        projection_type=index["projection"],
        read_capacity=table["read_capacity"],
        write_capacity=table["write_capacity"],
        key_schemas=[
            aws.dynamodb.TableGlobalSecondaryIndexKeySchemaArgs(attribute_name=a, key_type=kind)
            for a, kind in keys
            if a
        ],
    )
