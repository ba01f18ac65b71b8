"""The compute layer: the ECS cluster, its services, Lambda functions, scheduled jobs and the
operation host."""

import shlex
from collections.abc import Mapping, Sequence
from typing import NotRequired, TypedDict

import pulumi

from components.base import output_dict, output_dicts
from components.compute.cluster import Cluster
from components.compute.function import Function, FunctionSettings
from components.compute.job import JobSettings, JobWorkflow, WorkflowJob, workflow_key
from components.compute.operators import Operators
from components.compute.ops_host import OpsHost, OpsHostSettings
from components.compute.service import (
    LoadBalancerAttachment,
    Service,
    ServiceArgs,
    ServiceSettings,
)
from components.compute.task import Task, TaskArgs, ssm_parameter_arn
from components.config.compute import job_graphs
from components.platform import Platform


class LoadBalancing(TypedDict):
    """What the edge layer hands the compute layer to attach the web services."""

    listener_arn: pulumi.Input[str]
    """The listener forwarding to the target groups."""
    load_balancer_arn_suffix: pulumi.Input[str]
    """`app/<name>/<id>`, for the requests-per-target policies."""
    target_group_arns: pulumi.Input[Mapping[str, str]]
    """Target group ARN by web service that a listener rule forwards to."""
    target_group_arn_suffixes: pulumi.Input[Mapping[str, str]]
    """`targetgroup/<name>/<id>` by the same services."""
    routed_services: Sequence[str]
    """The services the edge routes to (the keys of target_group_arns, known now)."""
    health_check_grace_period_seconds: int
    """Seconds new tasks get before failed load balancer health checks count."""


class ComputeArgs(TypedDict):
    platform: Platform
    """Name prefix, region, account, keys, log retention and protection."""
    vpc_id: pulumi.Input[str]
    """The network's VPC, for the operation host."""
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """The network's app subnets: tasks, VPC functions and the operation host run there."""
    security_group_id: pulumi.Input[str]
    """The network's app group, which tasks and VPC functions sit in."""
    data_security_group_id: pulumi.Input[str]
    """The network's data group, which admits the operation host on the engine ports."""
    endpoints_security_group_id: pulumi.Input[str] | None
    """The interface endpoints' group, when the SSM endpoints exist (the operation host
    reaches Session Manager through them); None: through NAT."""
    parameter_path: str
    """`/<project>/<environment>`: the execution roles read the parameters under it."""
    shared_secrets: pulumi.Input[Mapping[str, pulumi.Input[str]]]
    """What every service reads by `valueFrom`, by variable name (from the data layer)."""
    setting_secrets: pulumi.Input[Mapping[str, Mapping[str, str]]]
    """Each service's own app-setting parameters by service and variable name."""
    table_arns: pulumi.Input[Mapping[str, str]]
    """DynamoDB table ARN by short name, for the task roles."""
    bucket_arns: pulumi.Input[Mapping[str, str]]
    """Bucket ARN by purpose, for the task roles."""
    database_port: int
    """The database's port, which the operation host forwards to."""
    database_connect_arn: pulumi.Input[str] | None
    """`rds-db:connect` resource the tasks need to reach the database through its proxy;
    None: password access."""
    cache_connect_arns: pulumi.Input[Sequence[str]] | None
    """The replication group and cache user the tasks `elasticache:Connect` to; None: token
    access."""
    cache_port: int
    """The cache's port, which the operation host forwards to."""
    alerts_topic_arn: pulumi.Input[str]
    """Where failed and skipped job runs are reported."""
    prefer_spot: bool
    """Run tasks on FARGATE_SPOT first."""
    services: Mapping[str, ServiceSettings]
    """ECS services by name."""
    functions: Mapping[str, FunctionSettings]
    """Lambda functions by name."""
    jobs: Mapping[str, JobSettings]
    """Jobs by name: each graph of them (`after`) runs as one state machine on its root's
    schedule."""
    ops_host: OpsHostSettings | None
    """The operation host; None: no host."""
    distribution_arn: pulumi.Input[str] | None
    """The edge's CloudFront distribution, which the operator role may invalidate."""
    operator_principals: Sequence[str]
    """Who may assume the operator and observer roles (with MFA); empty: this account."""
    load_balancing: NotRequired[LoadBalancing]
    """The edge layer's load balancer and target groups; absent: no service is attached."""


class Compute(pulumi.ComponentResource):
    """Everything that runs the application's code, in the app subnets with no public IP."""

    cluster_name: pulumi.Output[str]
    """The ECS cluster."""
    cluster_arn: pulumi.Output[str]
    """The ECS cluster's ARN."""
    services: pulumi.Output[dict[str, dict[str, str]]]
    """Per service: serviceName, targetGroupArn (web-facing only), logGroup, taskFamily,
    containerName, taskRoleArn and executionRoleArn."""
    target_group_arns: pulumi.Output[dict[str, str]]
    """Target group ARN by web-facing service attached to the load balancer."""
    functions: pulumi.Output[dict[str, dict[str, str]]]
    """Per function: name, arn and logGroup."""
    jobs: pulumi.Output[dict[str, dict[str, str]]]
    """Per job: scheduleName, deadLetterQueueArn, stateMachineArn (its graph's), command (a job
    on a service's task: its command, shell-quoted), taskFamily,
    containerName and logGroup."""
    dead_letter_queue_arns: pulumi.Output[list[str]]
    """Every dead-letter queue of the layer's functions and jobs, for alarms."""
    dead_letter_queue_names: pulumi.Output[dict[str, str]]
    """The same queues' names by owner: `function-<name>`, `jobs-<graph root>`."""
    ops_host_instance_id: pulumi.Output[str] | None
    """The operation host's instance; None when there is none."""
    operator_role_arn: pulumi.Output[str]
    """The role for day-two work with the operations CLI."""
    observer_role_arn: pulumi.Output[str]
    """The read-only role for the operations CLI."""

    def __init__(
        self, name: str, args: ComputeArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("webplatform:compute:Compute", name, None, opts)
        self._args = args
        platform = args["platform"]
        child = pulumi.ResourceOptions(parent=self)
        cluster = Cluster("cluster", {"platform": platform}, opts=child)
        self._exec_log_group_arn = cluster.exec_log_group_arn

        services = {
            service_name: Service(
                f"service-{service_name}",
                self._service_args(service_name, settings, cluster.arn),
                opts=child,
            )
            for service_name, settings in args["services"].items()
        }
        functions = {
            function_name: Function(
                f"function-{function_name}",
                {
                    "platform": platform,
                    "settings": settings,
                    "name": function_name,
                    "subnet_ids": args["subnet_ids"],
                    "security_group_ids": [args["security_group_id"]],
                },
                opts=child,
            )
            for function_name, settings in args["functions"].items()
        }
        runs: dict[str, Task | Service] = {}
        for job_name, job in args["jobs"].items():
            # A job on a service runs the service's task with the job's command; a job with its
            # own image gets its own task definition, which already has the command.
            service = job["service"]
            if service is not None:
                runs[job_name] = services[service]
            else:
                runs[job_name] = Task(f"job-{job_name}", self._job_task(job_name, job), opts=child)
        graphs: dict[str, JobWorkflow] = {}
        graph_of: dict[str, JobWorkflow] = {}
        if args["jobs"]:
            key = workflow_key("workflows-key", platform, self)
            settings = args["jobs"]
            for levels in job_graphs({name: job["after"] for name, job in settings.items()}):
                root = settings[levels[0][0]]
                assert root["schedule"] is not None, "a graph's roots have the schedule"
                members = [name for level in levels for name in level]
                graph = JobWorkflow(
                    f"jobs-{levels[0][0]}",
                    {
                        "platform": platform,
                        "name": levels[0][0],
                        "levels": levels,
                        "jobs": {
                            name: self._workflow_job(settings[name], runs[name]) for name in members
                        },
                        "cluster_arn": cluster.arn,
                        "subnet_ids": args["subnet_ids"],
                        "security_group_ids": [args["security_group_id"]],
                        "alerts_topic_arn": args["alerts_topic_arn"],
                        "workflow_key_arn": key.arn,
                        "schedule": root["schedule"],
                        "time_zone": root["time_zone"],
                        "enabled": root["enabled"],
                        "overlap": root["overlap"],
                        "start_retries": root["start_retries"],
                        "max_event_age_seconds": root["max_event_age_seconds"],
                    },
                    opts=child,
                )
                graphs[levels[0][0]] = graph
                graph_of.update(dict.fromkeys(members, graph))

        ops_host = None
        if args["ops_host"] is not None:
            ops_host = OpsHost(
                "ops-host",
                {
                    "platform": platform,
                    "settings": args["ops_host"],
                    "vpc_id": args["vpc_id"],
                    "subnet_ids": args["subnet_ids"],
                    "endpoints_security_group_id": args["endpoints_security_group_id"],
                    "data_security_group_id": args["data_security_group_id"],
                    "database_port": args["database_port"],
                    "cache_port": args["cache_port"],
                },
                opts=child,
            )

        operators = Operators(
            "operators",
            {
                "platform": platform,
                "principals": args["operator_principals"],
                "cluster_arn": cluster.arn,
                "parameter_path": args["parameter_path"],
                "ops_host_instance_id": ops_host.instance_id if ops_host else None,
                "distribution_arn": args["distribution_arn"],
            },
            opts=child,
        )

        self.cluster_name = cluster.name
        self.cluster_arn = cluster.arn
        self.services = output_dicts(
            {
                service_name: {
                    "serviceName": s.service_name,
                    "targetGroupArn": s.target_group_arn,
                    "logGroup": s.log_group_name,
                    "taskFamily": s.family,
                    "containerName": s.container_name,
                    "taskRoleArn": s.task_role_arn,
                    "executionRoleArn": s.execution_role_arn,
                }
                for service_name, s in services.items()
            }
        )
        self.target_group_arns = output_dict(
            {
                service_name: s.target_group_arn
                for service_name, s in services.items()
                if s.target_group_arn is not None
            }
        )
        self.functions = output_dicts(
            {
                function_name: {"name": f.function_name, "arn": f.arn, "logGroup": f.log_group_name}
                for function_name, f in functions.items()
            }
        )
        self.jobs = output_dicts(
            {
                job_name: {
                    "scheduleName": graph.schedule_name,
                    "deadLetterQueueArn": graph.dead_letter_queue_arn,
                    "stateMachineArn": graph.state_machine_arn,
                    "taskFamily": runs[job_name].family,
                    "containerName": runs[job_name].container_name,
                    "logGroup": runs[job_name].log_group_name,
                    # A job on a service's task runs its own command, not the service's.
                    "command": shlex.join(args["jobs"][job_name]["command"] or [])
                    if args["jobs"][job_name]["service"]
                    else None,
                }
                for job_name, graph in graph_of.items()
            }
        )
        self.dead_letter_queue_arns = pulumi.Output.all(
            *[f.dead_letter_queue_arn for f in functions.values()],
            *[graph.dead_letter_queue_arn for graph in graphs.values()],
        )
        self.dead_letter_queue_names = output_dict(
            {
                **{f"function-{n}": f.dead_letter_queue_name for n, f in functions.items()},
                **{f"jobs-{n}": graph.dead_letter_queue_name for n, graph in graphs.items()},
            }
        )
        self.ops_host_instance_id = ops_host.instance_id if ops_host else None
        self.operator_role_arn = operators.operator_role_arn
        self.observer_role_arn = operators.observer_role_arn
        self.register_outputs(
            {
                "cluster_name": self.cluster_name,
                "cluster_arn": self.cluster_arn,
                "services": self.services,
                "target_group_arns": self.target_group_arns,
                "functions": self.functions,
                "jobs": self.jobs,
                "dead_letter_queue_arns": self.dead_letter_queue_arns,
                "dead_letter_queue_names": self.dead_letter_queue_names,
                "ops_host_instance_id": self.ops_host_instance_id,
                "operator_role_arn": self.operator_role_arn,
                "observer_role_arn": self.observer_role_arn,
            }
        )

    def _service_args(
        self, name: str, settings: ServiceSettings, cluster_arn: pulumi.Output[str]
    ) -> ServiceArgs:
        args = self._args
        service: ServiceArgs = {
            "task": self._task(name, settings),
            "cluster_arn": cluster_arn,
            "subnet_ids": args["subnet_ids"],
            "security_group_ids": [args["security_group_id"]],
            "prefer_spot": args["prefer_spot"],
            "desired_count": settings["desired_count"],
            "min_count": settings["min_count"],
            "max_count": settings["max_count"],
            "autoscaling": settings["autoscaling"],
            "deployment_controller": "CODE_DEPLOY" if settings["deploy"] == "blueGreen" else "ECS",
        }
        attachment = self._attachment(name)
        if attachment is not None:
            service["load_balancer"] = attachment
        return service

    def _attachment(self, service: str) -> LoadBalancerAttachment | None:
        """Where the edge's load balancer sends this service's traffic; None when it does not
        route to the service (or there is no edge)."""
        balancing = self._args.get("load_balancing")
        if balancing is None or service not in balancing["routed_services"]:
            return None
        arns = pulumi.Output.from_input(balancing["target_group_arns"])
        suffixes = pulumi.Output.from_input(balancing["target_group_arn_suffixes"])
        return {
            "target_group_arn": arns.apply(lambda a: a[service]),
            "target_group_arn_suffix": suffixes.apply(lambda a: a[service]),
            "load_balancer_arn_suffix": balancing["load_balancer_arn_suffix"],
            "listener_arn": balancing["listener_arn"],
            "health_check_grace_period_seconds": balancing["health_check_grace_period_seconds"],
        }

    def _secrets(self, owner: str, named: Mapping[str, str]) -> pulumi.Output[dict[str, str]]:
        """A task's secrets by variable name: the data layer's shared ones, the owner's own app
        settings, then the secrets its config names (an SSM name or a Secrets Manager ARN); a
        later source wins."""
        platform = self._args["platform"]
        explicit = {
            key: ssm_parameter_arn(platform["region"], platform["account_id"], source)
            if source.startswith("/")
            else source
            for key, source in named.items()
        }
        return pulumi.Output.all(self._args["shared_secrets"], self._args["setting_secrets"]).apply(
            lambda v: {**v[0], **v[1].get(owner, {}), **explicit}
        )

    def _task(self, name: str, service: ServiceSettings) -> TaskArgs:
        tables = self._args["table_arns"]
        buckets = self._args["bucket_arns"]
        return {
            "platform": self._args["platform"],
            "name": name,
            "project_path": self._args["parameter_path"],
            "image": service["image"],
            "architecture": service["architecture"],
            "cpu": service["cpu"],
            "memory": service["memory"],
            "port": service["port"],
            "command": service["command"],
            "environment": service["environment"],
            "secrets": self._secrets(name, service["secrets"]),
            "health_check": service["health_check"],
            "readonly_root_filesystem": service["readonly_root_filesystem"],
            "log_datetime_format": service["log_datetime_format"],
            "table_arns": [pulumi.Output.from_input(tables)[t] for t in service["tables"]],
            "bucket_arns": [pulumi.Output.from_input(buckets)[b] for b in service["buckets"]],
            "exec_log_group_arn": self._exec_log_group_arn,
            "database_connect_arn": self._args["database_connect_arn"],
            "cache_connect_arns": self._args["cache_connect_arns"],
        }

    @staticmethod
    def _workflow_job(job: JobSettings, runs: Task | Service) -> WorkflowJob:
        """The job as its graph's state machine runs it: a service's task gets the job's
        command, a job's own task definition has it already."""
        return {
            "family": runs.family,
            "container_name": runs.container_name,
            "log_group_name": runs.log_group_name,
            "execution_role_arn": runs.execution_role_arn,
            "task_role_arn": runs.task_role_arn,
            "command": job["command"] if job["service"] is not None else None,
            "retry_attempts": job["retries"]["attempts"],
            "retry_interval_seconds": job["retries"]["interval_seconds"],
            "retry_backoff_rate": job["retries"]["backoff_rate"],
            "timeout_minutes": job["timeout_minutes"],
        }

    def _job_task(self, name: str, job: JobSettings) -> TaskArgs:
        assert job["image"] is not None, "a job without a service has its own image"
        return {
            "platform": self._args["platform"],
            "name": f"job-{name}",
            "project_path": self._args["parameter_path"],
            "image": job["image"],
            "architecture": job["architecture"],
            "cpu": job["cpu"],
            "memory": job["memory"],
            "port": None,
            "command": job["command"],
            "environment": {},
            "secrets": self._secrets(name, {}),
            "health_check": None,
            "readonly_root_filesystem": True,
            "log_datetime_format": None,
            "table_arns": [],
            "bucket_arns": [],
            "database_connect_arn": self._args["database_connect_arn"],
            "cache_connect_arns": self._args["cache_connect_arns"],
        }
