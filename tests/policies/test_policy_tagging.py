"""Tagging pack: required tags, Environment value, Name tags, and the taggable-type list."""

from __future__ import annotations

import json

import pytest
from policy_harness import UNKNOWN, check_resource

from tagging_policies import tags
from tagging_policies.taggable_types import PROVIDER_VERSION, TAGGABLE_TYPES

REQUIRED = tags.REQUIRED_TAGS
ENVIRONMENT = tags.ENVIRONMENT_TAG
NAME = tags.NAME_TAG

FULL = {"Project": "webplatform", "Environment": "dev", "Owner": "platform", "ManagedBy": "pulumi"}
PROVIDER = {"region": "ap-northeast-1", "defaultTags": {"tags": FULL}}
DEV = {"environment": "dev"}

# Taggable types the platform declares, layer by layer.
ARCHITECTURE_TAGGABLE = [
    "aws:ec2/vpc:Vpc",
    "aws:ec2/subnet:Subnet",
    "aws:ec2/internetGateway:InternetGateway",
    "aws:ec2/natGateway:NatGateway",
    "aws:ec2/eip:Eip",
    "aws:ec2/routeTable:RouteTable",
    "aws:ec2/networkAcl:NetworkAcl",
    "aws:ec2/flowLog:FlowLog",
    "aws:ec2/vpcEndpoint:VpcEndpoint",
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    "aws:lb/loadBalancer:LoadBalancer",
    "aws:lb/listener:Listener",
    "aws:lb/targetGroup:TargetGroup",
    "aws:acm/certificate:Certificate",
    "aws:route53/zone:Zone",
    "aws:cloudfront/distribution:Distribution",
    "aws:wafv2/webAcl:WebAcl",
    "aws:wafv2/ipSet:IpSet",
    "aws:ecs/cluster:Cluster",
    "aws:ecs/service:Service",
    "aws:ecs/taskDefinition:TaskDefinition",
    "aws:lambda/function:Function",
    "aws:scheduler/scheduleGroup:ScheduleGroup",
    "aws:ec2/instance:Instance",
    "aws:iam/role:Role",
    "aws:iam/policy:Policy",
    "aws:iam/instanceProfile:InstanceProfile",
    "aws:rds/cluster:Cluster",
    "aws:rds/clusterInstance:ClusterInstance",
    "aws:rds/subnetGroup:SubnetGroup",
    "aws:rds/clusterParameterGroup:ClusterParameterGroup",
    "aws:elasticache/replicationGroup:ReplicationGroup",
    "aws:elasticache/subnetGroup:SubnetGroup",
    "aws:dynamodb/table:Table",
    "aws:s3/bucket:Bucket",
    "aws:kms/key:Key",
    "aws:ssm/parameter:Parameter",
    "aws:secretsmanager/secret:Secret",
    "aws:ecr/repository:Repository",
    "aws:codebuild/project:Project",
    "aws:codepipeline/pipeline:Pipeline",
    "aws:codedeploy/application:Application",
    "aws:codedeploy/deploymentGroup:DeploymentGroup",
    "aws:codestarconnections/connection:Connection",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:cloudwatch/metricAlarm:MetricAlarm",
    "aws:sns/topic:Topic",
    "aws:sqs/queue:Queue",
    "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream",
]
# Types with no tags: the policies must leave them alone.
ARCHITECTURE_UNTAGGABLE = [
    "aws:route53/record:Record",
    "aws:acm/certificateValidation:CertificateValidation",
    "aws:ec2/route:Route",
    "aws:ec2/routeTableAssociation:RouteTableAssociation",
    "aws:ec2/securityGroupRule:SecurityGroupRule",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:cloudfront/originAccessControl:OriginAccessControl",
    "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration",
    "aws:kms/alias:Alias",
    "aws:scheduler/schedule:Schedule",
    "aws:appautoscaling/policy:Policy",
    "aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter",
    "aws:cloudwatch/dashboard:Dashboard",
    "aws:sns/topicSubscription:TopicSubscription",
    "aws:ecr/lifecyclePolicy:LifecyclePolicy",
]


@pytest.mark.parametrize("resource_type", ARCHITECTURE_TAGGABLE)
def test_architecture_types_are_taggable_and_checked(resource_type):
    assert resource_type in TAGGABLE_TYPES
    assert check_resource(REQUIRED, resource_type, {"tagsAll": FULL}) == []
    assert check_resource(REQUIRED, resource_type, {"tags": {"Project": "x"}})


@pytest.mark.parametrize("resource_type", ARCHITECTURE_UNTAGGABLE)
def test_untaggable_types_are_not_checked(resource_type):
    assert resource_type not in TAGGABLE_TYPES
    assert check_resource(REQUIRED, resource_type, {}) == []


def test_taggable_list_matches_installed_provider():
    from importlib.metadata import version

    import pulumi_aws

    assert version("pulumi_aws") == PROVIDER_VERSION
    assert len(TAGGABLE_TYPES) > 800
    assert all(t.startswith("aws:") and t.count(":") == 2 for t in TAGGABLE_TYPES)
    assert hasattr(pulumi_aws.ec2.Vpc, "tags_all")
    assert not hasattr(pulumi_aws.route53.Record, "tags_all")


@pytest.mark.parametrize(
    ("props", "provider", "violations"),
    [
        ({"tagsAll": FULL}, None, 0),  # provider default tags merged into tagsAll by Check
        ({"tags": FULL}, None, 0),
        ({}, PROVIDER, 0),  # offline: only the provider carries them
        ({}, {"defaultTags": json.dumps({"tags": FULL})}, 0),  # provider input as a JSON string
        ({"tags": {"Owner": "platform"}}, {"defaultTags": {"tags": {**FULL, "Owner": ""}}}, 0),
        ({}, None, 1),
        ({"tagsAll": {**FULL, "Owner": ""}}, None, 1),  # empty value counts as missing
        ({"tagsAll": {k: v for k, v in FULL.items() if k != "ManagedBy"}}, None, 1),
        ({"tagsAll": {**FULL, "Owner": UNKNOWN}}, None, 0),  # unknown during preview: present
    ],
)
def test_required_tags(props, provider, violations):
    found = check_resource(REQUIRED, "aws:s3/bucket:Bucket", props, provider_props=provider)
    assert len(found) == violations


def test_required_tags_message_names_missing_keys():
    (message,) = check_resource(REQUIRED, "aws:ec2/vpc:Vpc", {"tags": {"Project": "p"}})
    assert "Environment, Owner, ManagedBy" in message


def test_required_tags_parameter_replaces_default():
    config = {"requiredTags": ["CostCenter"]}
    assert check_resource(REQUIRED, "aws:ec2/vpc:Vpc", {"tagsAll": FULL}, config=config)
    assert not check_resource(
        REQUIRED, "aws:ec2/vpc:Vpc", {"tags": {"CostCenter": "1"}}, config=config
    )


@pytest.mark.parametrize(
    ("reason", "violations"), [("shared bucket of another team", 0), ("  ", 1)]
)
def test_exception_needs_a_written_reason(reason, violations):
    config = {"exceptions": {"legacy-bucket": reason}}
    found = check_resource(
        REQUIRED, "aws:s3/bucket:Bucket", {}, name="legacy-bucket", config=config
    )
    assert len(found) == violations


@pytest.mark.parametrize(
    ("environment", "config", "violations"),
    [
        ("dev", DEV, 0),
        ("prd", DEV, 1),
        ("prd", {"environment": "prd"}, 0),
        ("dev", {"environment": "prd", "exceptions": {"web-res": "migrated from prd"}}, 0),
    ],
)
def test_environment_tag(environment, config, violations):
    props = {"tagsAll": {**FULL, "Environment": environment}}
    assert len(check_resource(ENVIRONMENT, "aws:ec2/vpc:Vpc", props, config=config)) == violations


def test_environment_defaults_to_stack_name(monkeypatch):
    props = {"tagsAll": {**FULL, "Environment": "dev"}}
    monkeypatch.setenv("PULUMI_STACK", "prd")
    assert check_resource(ENVIRONMENT, "aws:ec2/vpc:Vpc", props)
    monkeypatch.delenv("PULUMI_STACK")
    assert check_resource(ENVIRONMENT, "aws:ec2/vpc:Vpc", props) == []


def test_environment_tag_leaves_missing_and_unknown_to_others():
    assert check_resource(ENVIRONMENT, "aws:ec2/vpc:Vpc", {}, config=DEV) == []
    props = {"tagsAll": {**FULL, "Environment": UNKNOWN}}
    assert check_resource(ENVIRONMENT, "aws:ec2/vpc:Vpc", props, config=DEV) == []


def test_environment_tag_key_is_configurable():
    props = {"tagsAll": {**FULL, "Stage": "prd"}}
    config = {"environment": "dev", "tagKey": "Stage"}
    assert check_resource(ENVIRONMENT, "aws:ec2/vpc:Vpc", props, config=config)


@pytest.mark.parametrize("resource_type", tags.UNNAMED_TYPES)
def test_name_tag_on_unnamed_types(resource_type):
    assert check_resource(NAME, resource_type, {"tagsAll": FULL})
    assert check_resource(NAME, resource_type, {"tagsAll": {**FULL, "Name": "dev-web-x"}}) == []
    assert check_resource(NAME, resource_type, {"tags": {"Name": "dev-web-x"}}) == []


def test_name_tag_not_required_where_the_resource_has_a_name():
    assert check_resource(NAME, "aws:s3/bucket:Bucket", {"tagsAll": FULL}) == []
    assert check_resource(NAME, "aws:ecs/cluster:Cluster", {}) == []
