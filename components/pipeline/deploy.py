"""CodeDeploy blue/green for one ECS service: the new task set starts behind the green target
group, takes test traffic on the test listener, then production traffic as the deployment
config shifts it; a failed deployment or a rollback alarm sends traffic back to the old one."""

import json
from collections.abc import Sequence
from typing import TypedDict

import pulumi
import pulumi_aws as aws

from components.pipeline.iam import trust_policy
from components.platform import Platform

CODEDEPLOY_ECS_POLICY = "arn:aws:iam::aws:policy/AWSCodeDeployRoleForECS"
ROLLBACK_5XX_PERIOD_SECONDS = 60


class BlueGreenArgs(TypedDict):
    platform: Platform
    """Name prefix, region and account."""
    service: str
    """The service deployed."""
    cluster_name: pulumi.Input[str]
    """The service's ECS cluster."""
    service_name: pulumi.Input[str]
    """The ECS service (deployment controller CODE_DEPLOY)."""
    listener_arn: pulumi.Input[str]
    """The production listener."""
    test_listener_arn: pulumi.Input[str]
    """The listener test traffic reaches the new tasks through."""
    target_group_names: Sequence[pulumi.Input[str]]
    """The blue (production) and green target groups."""
    target_group_arn_suffixes: Sequence[pulumi.Input[str]]
    """The same groups' `targetgroup/<name>/<id>`, for the rollback alarms."""
    load_balancer_arn_suffix: pulumi.Input[str]
    """`app/<name>/<id>`, for the rollback alarms."""
    deployment_config_name: pulumi.Input[str]
    """How traffic shifts: a `CodeDeployDefault.ECS...` configuration or the layer's own."""
    termination_wait_minutes: int
    """Minutes the old task set keeps running after the switch (a quick way back)."""
    rollback_5xx_count: int
    """Target 5xx responses in a minute that stop a deployment and roll it back."""
    alerts_topic_arn: pulumi.Input[str]
    """Where the rollback alarms notify."""


class BlueGreen(pulumi.ComponentResource):
    """A CodeDeploy ECS application and deployment group, its service role, and an alarm per
    target group that rolls a deployment back when the tasks answer with 5xx."""

    application_name: pulumi.Output[str]
    """The CodeDeploy application."""
    deployment_group_name: pulumi.Output[str]
    """The deployment group the pipeline's deploy action names."""

    def __init__(
        self, name: str, args: BlueGreenArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("webplatform:pipeline:BlueGreen", name, None, opts)
        platform = args["platform"]
        physical = f"{platform['name_prefix']}-{args['service']}"
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(
            name,
            name=f"{physical}-deploy",
            description=f"CodeDeploy shifts {physical} between task sets with this role",
            assume_role_policy=json.dumps(
                trust_policy("codedeploy.amazonaws.com", platform["account_id"])
            ),
            opts=child,
        )
        attachment = aws.iam.RolePolicyAttachment(
            name, role=role.name, policy_arn=CODEDEPLOY_ECS_POLICY, opts=child
        )
        alarms = [
            aws.cloudwatch.MetricAlarm(
                f"{name}-5xx-{colour}",
                name=f"{physical}-deploy-5xx-{colour}",
                alarm_description=(
                    f"{physical}: target 5xx behind the {colour} group; a deployment rolls back"
                ),
                namespace="AWS/ApplicationELB",
                metric_name="HTTPCode_Target_5XX_Count",
                dimensions={
                    "LoadBalancer": args["load_balancer_arn_suffix"],
                    "TargetGroup": suffix,
                },
                statistic="Sum",
                period=ROLLBACK_5XX_PERIOD_SECONDS,
                evaluation_periods=1,
                threshold=args["rollback_5xx_count"],
                comparison_operator="GreaterThanOrEqualToThreshold",
                # No requests, no errors: a quiet group is healthy.
                treat_missing_data="notBreaching",
                alarm_actions=[args["alerts_topic_arn"]],
                ok_actions=[args["alerts_topic_arn"]],
                opts=child,
            )
            for colour, suffix in zip(
                ("blue", "green"), args["target_group_arn_suffixes"], strict=True
            )
        ]
        application = aws.codedeploy.Application(
            name, name=physical, compute_platform="ECS", opts=child
        )
        group = aws.codedeploy.DeploymentGroup(
            name,
            app_name=application.name,
            deployment_group_name=physical,
            service_role_arn=role.arn,
            deployment_config_name=args["deployment_config_name"],
            deployment_style={
                "deployment_option": "WITH_TRAFFIC_CONTROL",
                "deployment_type": "BLUE_GREEN",
            },
            blue_green_deployment_config={
                "deployment_ready_option": {"action_on_timeout": "CONTINUE_DEPLOYMENT"},
                "terminate_blue_instances_on_deployment_success": {
                    "action": "TERMINATE",
                    "termination_wait_time_in_minutes": args["termination_wait_minutes"],
                },
            },
            ecs_service={
                "cluster_name": args["cluster_name"],
                "service_name": args["service_name"],
            },
            load_balancer_info={
                "target_group_pair_info": {
                    "prod_traffic_route": {"listener_arns": [args["listener_arn"]]},
                    "test_traffic_route": {"listener_arns": [args["test_listener_arn"]]},
                    "target_groups": [{"name": n} for n in args["target_group_names"]],
                }
            },
            auto_rollback_configuration={
                "enabled": True,
                "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"],
            },
            alarm_configuration={"enabled": True, "alarms": [a.name for a in alarms]},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[attachment]),
        )
        self.application_name = application.name
        self.deployment_group_name = group.deployment_group_name
        self.register_outputs(
            {
                "application_name": self.application_name,
                "deployment_group_name": self.deployment_group_name,
            }
        )
