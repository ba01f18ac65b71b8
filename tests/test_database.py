"""The Aurora cluster as declared for each tier and engine."""

from __future__ import annotations

import json

import pytest

from tests.conftest import by_name, of_type

CLUSTER = "aws:rds/cluster:Cluster"
INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
PARAMETER_GROUP = "aws:rds/clusterParameterGroup:ClusterParameterGroup"
SUBNET_GROUP = "aws:rds/subnetGroup:SubnetGroup"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
KEY = "aws:kms/key:Key"
SUBNET = "aws:ec2/subnet:Subnet"
GROUP = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"


def key_arn(plan, purpose: str) -> str:
    return by_name(plan, KEY, f"keys-{purpose}").outputs["arn"]


def parameters(plan) -> dict[str, str]:
    (group,) = of_type(plan, PARAMETER_GROUP)
    return {p["name"]: p["value"] for p in group.inputs["parameters"]}


def test_prd_cluster_is_encrypted_protected_and_kept_on_delete(plan_stack) -> None:
    plan = plan_stack("prd")
    (cluster,) = of_type(plan, CLUSTER)
    inputs = cluster.inputs
    assert inputs["clusterIdentifier"] == "webplatform-prd-db"
    assert inputs["engine"] == "aurora-postgresql"
    assert inputs["engineVersion"] == "16.6"
    assert inputs["storageEncrypted"] is True
    assert inputs["kmsKeyId"] == key_arn(plan, "data")
    assert inputs["deletionProtection"] is True
    assert inputs["skipFinalSnapshot"] is False
    assert inputs["finalSnapshotIdentifier"] == "webplatform-prd-db-final"
    assert inputs["deleteAutomatedBackups"] is False
    assert inputs["backupRetentionPeriod"] == 30
    assert inputs["copyTagsToSnapshot"] is True
    assert inputs["iamDatabaseAuthenticationEnabled"] is True
    assert cluster.protect is True


def test_master_password_is_managed_by_rds_with_the_secrets_key(plan_stack) -> None:
    plan = plan_stack("prd")
    (cluster,) = of_type(plan, CLUSTER)
    assert cluster.inputs["manageMasterUserPassword"] is True
    assert cluster.inputs["masterUserSecretKmsKeyId"] == key_arn(plan, "secrets")
    assert cluster.inputs["masterUsername"] == "app_admin"
    assert "masterPassword" not in cluster.inputs
    assert "masterPasswordWo" not in cluster.inputs


def test_prd_has_a_writer_and_a_reader_in_different_zones(plan_stack) -> None:
    plan = plan_stack("prd")
    (cluster,) = of_type(plan, CLUSTER)
    writer = by_name(plan, INSTANCE, "database-1")
    reader = by_name(plan, INSTANCE, "database-2")
    assert len(of_type(plan, INSTANCE)) == 2
    assert writer.inputs["availabilityZone"] == "ap-northeast-1a"
    assert reader.inputs["availabilityZone"] == "ap-northeast-1c"
    # Aurora makes the first instance created the writer: the reader waits for it.
    assert writer.urn in reader.dependencies
    for instance in (writer, reader):
        inputs = instance.inputs
        assert inputs["clusterIdentifier"] == cluster.outputs["clusterIdentifier"]
        assert inputs["instanceClass"] == "db.serverless"
        assert inputs["publiclyAccessible"] is False
        assert inputs["caCertIdentifier"] == "rds-ca-rsa2048-g1"
        assert inputs["performanceInsightsEnabled"] is True
        assert inputs["performanceInsightsKmsKeyId"] == key_arn(plan, "data")
        assert inputs["performanceInsightsRetentionPeriod"] == 7
        assert inputs["autoMinorVersionUpgrade"] is False
        assert instance.protect is True
    assert cluster.inputs["serverlessv2ScalingConfiguration"] == {
        "minCapacity": 2,
        "maxCapacity": 16,
    }


def test_dev_has_one_instance_upgrades_minor_versions_and_skips_the_final_snapshot(
    plan_stack,
) -> None:
    plan = plan_stack("dev")
    (cluster,) = of_type(plan, CLUSTER)
    (instance,) = of_type(plan, INSTANCE)
    assert cluster.inputs["clusterIdentifier"] == "webplatform-dev-db"
    assert cluster.inputs["skipFinalSnapshot"] is True
    assert "finalSnapshotIdentifier" not in cluster.inputs
    assert cluster.inputs["deletionProtection"] is False
    assert cluster.inputs["backupRetentionPeriod"] == 1
    assert cluster.inputs["storageEncrypted"] is True
    assert cluster.protect is False
    assert instance.inputs["autoMinorVersionUpgrade"] is True
    assert instance.inputs["availabilityZone"] == "ap-northeast-1a"
    assert instance.protect is False


def test_instances_wrap_around_the_zones(plan_stack) -> None:
    plan = plan_stack("prd", database={"instances": 4})
    zones = [
        by_name(plan, INSTANCE, f"database-{n}").inputs["availabilityZone"] for n in (1, 2, 3, 4)
    ]
    assert zones == ["ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d", "ap-northeast-1a"]


def test_provisioned_class_has_no_serverless_scaling(plan_stack) -> None:
    plan = plan_stack("dev", database={"instanceClass": "db.r7g.large"})
    (cluster,) = of_type(plan, CLUSTER)
    (instance,) = of_type(plan, INSTANCE)
    assert "serverlessv2ScalingConfiguration" not in cluster.inputs
    assert instance.inputs["instanceClass"] == "db.r7g.large"


def test_cluster_sits_in_the_data_subnets_and_group_with_its_parameter_group(plan_stack) -> None:
    plan = plan_stack("prd")
    (cluster,) = of_type(plan, CLUSTER)
    (subnet_group,) = of_type(plan, SUBNET_GROUP)
    (parameter_group,) = of_type(plan, PARAMETER_GROUP)
    data_subnets = {s.id for s in of_type(plan, SUBNET) if s.name.startswith("network-data-")}
    assert set(subnet_group.inputs["subnetIds"]) == data_subnets
    assert cluster.inputs["dbSubnetGroupName"] == subnet_group.outputs["name"]
    assert cluster.inputs["vpcSecurityGroupIds"] == [by_name(plan, GROUP, "network-data-sg").id]
    assert cluster.inputs["dbClusterParameterGroupName"] == parameter_group.outputs["name"]
    assert cluster.inputs["port"] == 5432
    assert all(
        i.inputs["dbSubnetGroupName"] == subnet_group.outputs["name"]
        for i in of_type(plan, INSTANCE)
    )


def test_postgresql_parameters_force_tls_and_log_slow_statements(plan_stack) -> None:
    plan = plan_stack("dev", database={"slowQuerySeconds": 0.5, "timeZone": "UTC"})
    (group,) = of_type(plan, PARAMETER_GROUP)
    assert group.inputs["family"] == "aurora-postgresql16"
    assert group.inputs["name"] == "webplatform-dev-db-aurora-postgresql16"
    assert parameters(plan) == {
        "rds.force_ssl": "1",
        "log_min_duration_statement": "500",
        "log_statement": "ddl",
        "timezone": "UTC",
    }
    assert parameters(plan_stack("dev"))["log_min_duration_statement"] == "3000"


def test_mysql_gets_its_own_parameters_port_and_log_exports(plan_stack) -> None:
    plan = plan_stack("prd", database={"engine": "aurora-mysql"})
    (cluster,) = of_type(plan, CLUSTER)
    (group,) = of_type(plan, PARAMETER_GROUP)
    assert cluster.inputs["engine"] == "aurora-mysql"
    assert cluster.inputs["engineVersion"] == "8.0.mysql_aurora.3.08.0"
    assert group.inputs["family"] == "aurora-mysql8.0"
    assert group.inputs["name"] == "webplatform-prd-db-aurora-mysql8-0"
    params = parameters(plan)
    assert params["require_secure_transport"] == "ON"
    assert params["character_set_server"] == "utf8mb4"
    assert params["collation_server"] == "utf8mb4_0900_ai_ci"
    assert params["time_zone"] == "Asia/Tokyo"
    assert params["slow_query_log"] == "1"
    assert params["long_query_time"] == "3"
    assert params["server_audit_logging"] == "1"
    assert "rds.force_ssl" not in params
    assert cluster.inputs["port"] == 3306
    assert cluster.inputs["enabledCloudwatchLogsExports"] == [
        "audit",
        "error",
        "general",
        "slowquery",
    ]
    (rule,) = [r for r in of_type(plan, INGRESS) if r.name.startswith("database-from-")]
    assert (rule.inputs["fromPort"], rule.inputs["toPort"]) == (3306, 3306)


def test_exported_logs_go_to_encrypted_groups_made_before_the_cluster(plan_stack) -> None:
    for tier, engine, retention in (
        ("prd", "aurora-postgresql", 365),
        ("dev", "aurora-mysql", 30),
    ):
        plan = plan_stack(tier, database={"engine": engine})
        (cluster,) = of_type(plan, CLUSTER)
        exported = cluster.inputs["enabledCloudwatchLogsExports"]
        groups = {
            g.inputs["name"]: g for g in of_type(plan, LOG_GROUP) if g.name.startswith("database-")
        }
        prefix = f"/aws/rds/cluster/webplatform-{tier}-db/"
        assert set(groups) == {prefix + log_type for log_type in exported}
        for group in groups.values():
            assert group.inputs["kmsKeyId"] == key_arn(plan, "logs")
            assert group.inputs["retentionInDays"] == retention
            assert group.urn in cluster.dependencies


def test_data_group_admits_only_the_app_group_on_the_engine_ports(plan_stack) -> None:
    plan = plan_stack("prd", opsHost={"enabled": False})
    data = by_name(plan, GROUP, "network-data-sg").id
    app = by_name(plan, GROUP, "network-app-sg").id
    rules = [r for r in of_type(plan, INGRESS) if r.inputs["securityGroupId"] == data]
    admitted = sorted(
        (
            r.inputs["ipProtocol"],
            r.inputs["fromPort"],
            r.inputs["toPort"],
            r.inputs.get("referencedSecurityGroupId"),
            r.inputs.get("cidrIpv4"),
        )
        for r in rules
    )
    # The app group on both engine ports, and the group itself on the database port: the
    # proxy sits in it beside the cluster and connects out to it, the group's only egress.
    assert admitted == [
        ("tcp", 5432, 5432, app, None),
        ("tcp", 5432, 5432, data, None),
        ("tcp", 6379, 6379, app, None),
    ]
    assert all(r.inputs["description"] for r in rules)
    egress = [
        r
        for r in of_type(plan, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
        if r.inputs["securityGroupId"] == data
    ]
    assert [(r.inputs["fromPort"], r.inputs["referencedSecurityGroupId"]) for r in egress] == [
        (5432, data)
    ]


@pytest.mark.parametrize(("tier", "interval"), [("dev", 0), ("prd", 60)])
def test_enhanced_monitoring_in_prd_with_its_own_role(plan_stack, tier: str, interval: int) -> None:
    plan = plan_stack(tier)
    instances = of_type(plan, "aws:rds/clusterInstance:ClusterInstance")
    roles = [r for r in of_type(plan, "aws:iam/role:Role") if r.name == "database-monitoring"]
    if not interval:
        assert roles == []
        assert all("monitoringInterval" not in i.inputs for i in instances)
        return
    (role,) = roles
    (trust,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert trust["Principal"] == {"Service": "monitoring.rds.amazonaws.com"}
    attachment = by_name(plan, "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                         "database-monitoring").inputs  # fmt: skip
    assert attachment["policyArn"].endswith(":policy/service-role/AmazonRDSEnhancedMonitoringRole")
    for instance in instances:
        assert instance.inputs["monitoringInterval"] == 60
        assert instance.inputs["monitoringRoleArn"] == role.outputs["arn"]


def test_postgresql_logs_schema_changes_or_what_the_config_says(plan_stack) -> None:
    assert parameters(plan_stack("prd"))["log_statement"] == "ddl"
    assert parameters(plan_stack("prd", database={"logStatement": "mod"}))["log_statement"] == "mod"
