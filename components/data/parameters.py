"""SSM parameters the services read by `valueFrom`: the stack's secret app settings and the
data layer's endpoints, all SecureString under `/<project>/<environment>/<service>/<NAME>`."""

from collections.abc import Mapping
from typing import TypedDict

import pulumi
import pulumi_aws as aws

from components.base import output_dict
from components.platform import Platform

SHARED = "shared"
"""The service name under which the data layer's endpoints are kept, for every service."""


class ParametersArgs(TypedDict):
    platform: Platform
    """Name prefix, region, account, keys, log retention and protection."""
    path: str
    """`/<project>/<environment>`, the start of every parameter name."""
    settings: Mapping[str, Mapping[str, pulumi.Input[str]]]
    """Secret values by service and NAME, from the stack config."""
    computed: Mapping[str, pulumi.Input[str]]
    """Values the stack computes (database and cache endpoints), by NAME, kept under `shared`."""


class Parameters(pulumi.ComponentResource):
    """One SecureString parameter per setting."""

    arns: pulumi.Output[dict[str, str]]
    """Parameter ARN by name."""

    def __init__(
        self, name: str, args: ParametersArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("webplatform:data:Parameters", name, None, opts)
        values = {
            (service, key): pulumi.Output.secret(value)
            for service, settings in args["settings"].items()
            for key, value in settings.items()
        }
        values.update(
            {(SHARED, key): pulumi.Output.from_input(v) for key, v in args["computed"].items()}
        )
        arns: dict[str, pulumi.Output[str]] = {}
        for (service, key), value in sorted(values.items(), key=lambda item: item[0]):
            parameter_name = f"{args['path']}/{service}/{key}"
            parameter = aws.ssm.Parameter(
                f"{name}-{service}-{key.lower().replace('_', '-')}",
                name=parameter_name,
                type="SecureString",
                key_id=args["platform"]["secrets_key_arn"],
                value=value,
                description=f"{key} for {service}",
                opts=pulumi.ResourceOptions(parent=self),
            )
            arns[parameter_name] = parameter.arn
        self.arns = output_dict(arns)
        self.register_outputs({"arns": self.arns})
