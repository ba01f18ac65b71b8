"""The network layer as declared for each tier and NAT strategy."""

from __future__ import annotations

import json

import pytest

from plan.mock_outputs import taggable
from tests.conftest import by_name, of_type

SUBNET = "aws:ec2/subnet:Subnet"
NAT = "aws:ec2/natGateway:NatGateway"
EIP = "aws:ec2/eip:Eip"
ROUTE = "aws:ec2/route:Route"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"


def outputs_by_urn(plan) -> dict:
    return {r.urn: r.outputs for r in plan.resources}


def test_prd_has_three_zones_of_three_tiers_with_a_nat_per_zone(plan_stack) -> None:
    plan = plan_stack("prd")
    subnets = of_type(plan, SUBNET)
    assert len(subnets) == 9
    zones = {s.inputs["availabilityZone"] for s in subnets}
    assert zones == {"ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"}
    assert all(s.inputs["mapPublicIpOnLaunch"] is False for s in subnets)
    assert len(of_type(plan, NAT)) == 3
    assert len(of_type(plan, EIP)) == 3
    assert all(e.inputs["domain"] == "vpc" for e in of_type(plan, EIP))


def test_each_app_route_table_goes_out_through_its_own_zone_nat(plan_stack) -> None:
    plan = plan_stack("prd")
    subnet_zone = {s.id: s.inputs["availabilityZone"] for s in of_type(plan, SUBNET)}
    nat_zone = {n.id: subnet_zone[n.inputs["subnetId"]] for n in of_type(plan, NAT)}
    public_ids = {s.id for s in of_type(plan, SUBNET) if s.name.startswith("network-public")}
    assert {n.inputs["subnetId"] for n in of_type(plan, NAT)} <= public_ids
    nat_routes = [r for r in of_type(plan, ROUTE) if "natGatewayId" in r.inputs]
    assert len(nat_routes) == 3
    for zone in ("ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"):
        table = by_name(plan, ROUTE_TABLE, f"network-app-{zone}")
        (route,) = [r for r in nat_routes if r.inputs["routeTableId"] == table.id]
        assert route.inputs["destinationCidrBlock"] == "0.0.0.0/0"
        assert nat_zone[route.inputs["natGatewayId"]] == zone


def test_dev_shares_one_nat_gateway(plan_stack) -> None:
    plan = plan_stack("dev")
    (nat,) = of_type(plan, NAT)
    assert len(of_type(plan, EIP)) == 1
    nat_routes = [r for r in of_type(plan, ROUTE) if "natGatewayId" in r.inputs]
    assert len(nat_routes) == 2
    assert {r.inputs["natGatewayId"] for r in nat_routes} == {nat.id}


def test_no_nat_strategy_leaves_the_app_tier_without_a_way_out(plan_stack) -> None:
    plan = plan_stack("dev", network={"cidr": "10.10.0.0/16", "natGateways": "none"})
    assert of_type(plan, NAT) == []
    assert of_type(plan, EIP) == []
    assert [r.name for r in of_type(plan, ROUTE)] == ["network-public-internet"]


def test_data_subnets_have_no_route_to_the_internet(plan_stack) -> None:
    plan = plan_stack("prd")
    data_table = by_name(plan, ROUTE_TABLE, "network-data")
    assert not [r for r in of_type(plan, ROUTE) if r.inputs["routeTableId"] == data_table.id]
    data_subnets = {s.id for s in of_type(plan, SUBNET) if "-data-" in s.name}
    associated = {
        a.inputs["subnetId"]
        for a in of_type(plan, ASSOCIATION)
        if a.inputs["routeTableId"] == data_table.id
    }
    assert associated == data_subnets


def test_public_subnets_route_to_the_internet_gateway(plan_stack) -> None:
    plan = plan_stack("dev")
    (igw,) = of_type(plan, "aws:ec2/internetGateway:InternetGateway")
    route = by_name(plan, ROUTE, "network-public-internet")
    assert route.inputs["gatewayId"] == igw.id
    assert route.inputs["destinationCidrBlock"] == "0.0.0.0/0"


def test_vpc_has_dns_and_the_default_group_is_emptied(plan_stack) -> None:
    plan = plan_stack("dev")
    (vpc,) = of_type(plan, "aws:ec2/vpc:Vpc")
    assert vpc.inputs["enableDnsSupport"] is True
    assert vpc.inputs["enableDnsHostnames"] is True
    assert vpc.inputs["cidrBlock"] == "10.10.0.0/16"
    (default,) = of_type(plan, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
    assert "ingress" not in default.inputs
    assert "egress" not in default.inputs


def test_gateway_endpoints_serve_every_private_route_table(plan_stack) -> None:
    plan = plan_stack("prd")
    private_tables = {t.id for t in of_type(plan, ROUTE_TABLE) if t.name != "network-public"}
    gateways = [e for e in of_type(plan, ENDPOINT) if e.inputs["vpcEndpointType"] == "Gateway"]
    assert sorted(e.inputs["serviceName"] for e in gateways) == [
        "com.amazonaws.ap-northeast-1.dynamodb",
        "com.amazonaws.ap-northeast-1.s3",
    ]
    for endpoint in gateways:
        assert set(endpoint.inputs["routeTableIds"]) == private_tables
        assert len(private_tables) == 4


def test_interface_endpoints_sit_in_the_app_subnets_behind_their_group(plan_stack) -> None:
    plan = plan_stack("prd")
    interfaces = [e for e in of_type(plan, ENDPOINT) if e.inputs["vpcEndpointType"] == "Interface"]
    services = sorted(e.inputs["serviceName"].rsplit(".", 1)[-1] for e in interfaces)
    assert len(interfaces) == 8
    assert "dkr" in services and "ssmmessages" in services
    app_subnets = {s.id for s in of_type(plan, SUBNET) if "-app-" in s.name}
    group = by_name(plan, "aws:ec2/securityGroup:SecurityGroup", "network-endpoints-sg")
    for endpoint in interfaces:
        assert set(endpoint.inputs["subnetIds"]) == app_subnets
        assert endpoint.inputs["securityGroupIds"] == [group.id]
        assert endpoint.inputs["privateDnsEnabled"] is True


def test_interface_endpoints_follow_config(plan_stack) -> None:
    dev = plan_stack("dev")
    assert all(e.inputs["vpcEndpointType"] == "Gateway" for e in of_type(dev, ENDPOINT))
    chosen = plan_stack("dev", network={"cidr": "10.10.0.0/16", "interfaceEndpoints": ["ssm"]})
    names = sorted(e.inputs["serviceName"] for e in of_type(chosen, ENDPOINT))
    assert names[-1] == "com.amazonaws.ap-northeast-1.ssm"
    assert len(names) == 3


def test_flow_logs_go_to_an_encrypted_group_with_retention(plan_stack) -> None:
    plan = plan_stack("prd")
    (flow_log,) = of_type(plan, "aws:ec2/flowLog:FlowLog")
    group = by_name(plan, "aws:cloudwatch/logGroup:LogGroup", "network-flow-logs")
    key = by_name(plan, "aws:kms/key:Key", "keys-logs")
    (vpc,) = of_type(plan, "aws:ec2/vpc:Vpc")
    assert flow_log.inputs["vpcId"] == vpc.id
    assert flow_log.inputs["trafficType"] == "ALL"
    assert flow_log.inputs["logDestination"] == group.outputs["arn"]
    assert group.inputs["retentionInDays"] == 365
    assert group.inputs["kmsKeyId"] == key.outputs["arn"]
    assert key.inputs["enableKeyRotation"] is True
    dev_group = by_name(plan_stack("dev"), "aws:cloudwatch/logGroup:LogGroup", "network-flow-logs")
    assert dev_group.inputs["retentionInDays"] == 30


def test_flow_log_role_is_assumable_only_by_this_accounts_flow_logs(plan_stack) -> None:
    plan = plan_stack("prd")
    role = by_name(plan, "aws:iam/role:Role", "network-flow-logs")
    (statement,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert statement["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": "222222222222"}
    policy = by_name(plan, "aws:iam/rolePolicy:RolePolicy", "network-flow-logs")
    grant, describe = json.loads(policy.inputs["policy"])["Statement"]
    group_arn = by_name(plan, "aws:cloudwatch/logGroup:LogGroup", "network-flow-logs").outputs[
        "arn"
    ]
    assert group_arn.startswith("arn:aws:logs:ap-northeast-1:222222222222:log-group:/vpc/")
    assert grant["Resource"] == [group_arn, f"{group_arn}:*"]
    assert "*" not in json.dumps(grant["Action"])
    # AWS's documented flow-logs role policy also lists log groups.
    assert describe == {
        "Effect": "Allow",
        "Action": "logs:DescribeLogGroups",
        "Resource": "arn:aws:logs:ap-northeast-1:222222222222:log-group:*",
    }


def test_logs_key_policy_admits_cloudwatch_logs_for_this_account_only(plan_stack) -> None:
    plan = plan_stack("prd")
    key = by_name(plan, "aws:kms/key:Key", "keys-logs")
    statements = {s["Sid"]: s for s in json.loads(key.inputs["policy"])["Statement"]}
    logs = statements["CloudWatchLogsForThisAccount"]
    assert logs["Principal"] == {"Service": "logs.ap-northeast-1.amazonaws.com"}
    condition = logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]
    assert condition == "arn:aws:logs:ap-northeast-1:222222222222:log-group:*"
    aliases = sorted(a.inputs["name"] for a in of_type(plan, "aws:kms/alias:Alias"))
    # The edge's WAF log group is in us-east-1, with a logs key of that region.
    assert aliases == [
        *(f"alias/webplatform-prd-{p}" for p in ("data", "logs")),
        "alias/webplatform-prd-logs-us-east-1",
        "alias/webplatform-prd-secrets",
    ]


WEB = {"image": "222222222222.dkr.ecr.ap-northeast-1.amazonaws.com/web:1.0.0", "port": 8080}
WORKER = {"image": "222222222222.dkr.ecr.ap-northeast-1.amazonaws.com/worker:1.0.0"}


def test_security_group_chain_and_every_rule_has_a_description(plan_stack) -> None:
    plan = plan_stack("prd", services={"web": WEB, "worker": WORKER})
    groups = {g.name: g.id for g in of_type(plan, "aws:ec2/securityGroup:SecurityGroup")}
    network_groups = {name for name in groups if name.startswith("network-")}
    assert network_groups == {f"network-{k}-sg" for k in ("alb", "app", "data", "endpoints")}
    rules = of_type(plan, INGRESS) + of_type(plan, EGRESS)
    assert all(r.inputs["description"] for r in rules)
    open_to_world = [r for r in of_type(plan, INGRESS) if r.inputs.get("cidrIpv4") == "0.0.0.0/0"]
    assert open_to_world == []  # behind CloudFront: its origin-facing prefix list only
    alb_in = [
        r for r in of_type(plan, INGRESS) if r.inputs["securityGroupId"] == groups["network-alb-sg"]
    ]
    # A stack without a domain: CloudFront reaches the load balancer on 80 (443 with one).
    assert [(r.inputs["fromPort"], r.inputs["prefixListId"]) for r in alb_in] == [
        (80, "pl-58a04531")
    ]
    # The app group admits the load balancer on the web service's port only, and the load
    # balancer reaches the app group on that port only.
    (app_in,) = [r for r in of_type(plan, INGRESS)
                 if r.inputs["securityGroupId"] == groups["network-app-sg"]]  # fmt: skip
    assert app_in.name == "network-app-from-alb-8080"
    assert app_in.inputs["referencedSecurityGroupId"] == groups["network-alb-sg"]
    assert (app_in.inputs["fromPort"], app_in.inputs["toPort"]) == (8080, 8080)
    alb_out = by_name(plan, EGRESS, "network-alb-to-app-8080").inputs
    assert (alb_out["fromPort"], alb_out["toPort"]) == (8080, 8080)
    network_rules = [r for r in rules if r.name.startswith("network-")]
    data_rules = [
        r for r in network_rules if r.inputs["securityGroupId"] == groups["network-data-sg"]
    ]
    assert data_rules == []  # the data layer admits its clients on its own ports


def test_no_endpoints_group_without_interface_endpoints(plan_stack) -> None:
    plan = plan_stack("dev")
    names = {g.name for g in of_type(plan, "aws:ec2/securityGroup:SecurityGroup")}
    assert "network-endpoints-sg" not in names
    assert set(plan.outputs["securityGroupIds"]) == {"alb", "app", "data"}


@pytest.mark.parametrize("tier", ["dev", "prd"])
def test_every_aws_resource_has_an_explicit_provider_and_the_common_tags(plan_stack, tier) -> None:
    plan = plan_stack(tier)
    providers = of_type(plan, "pulumi:providers:aws")
    assert sorted(p.inputs["region"] for p in providers) == ["ap-northeast-1", "us-east-1"]
    account = "111111111111" if tier == "dev" else "222222222222"
    assert all(p.inputs["allowedAccountIds"] == [account] for p in providers)
    expected = {"Project": "webplatform", "Environment": tier, "Owner": "platform-team",
                "ManagedBy": "pulumi"}  # fmt: skip
    aws_resources = [r for r in plan.resources if r.custom and r.type.startswith("aws:")]
    assert aws_resources
    for resource in aws_resources:
        assert resource.provider.startswith("urn:pulumi:"), resource.urn
        if taggable(resource.type):
            assert expected.items() <= resource.inputs["tagsAll"].items(), resource.urn
        else:
            assert "tagsAll" not in resource.inputs, resource.urn


def test_resources_without_a_name_of_their_own_carry_a_name_tag(plan_stack) -> None:
    plan = plan_stack("prd")
    for type_token in ("aws:ec2/vpc:Vpc", SUBNET, NAT, EIP, ROUTE_TABLE,
                       "aws:ec2/securityGroup:SecurityGroup", ENDPOINT,
                       "aws:ec2/internetGateway:InternetGateway",
                       "aws:ec2/networkAcl:NetworkAcl"):  # fmt: skip
        for resource in of_type(plan, type_token):
            assert resource.inputs["tagsAll"]["Name"].startswith("webplatform-prd-"), resource.urn
    subnet = by_name(plan, SUBNET, "network-app-ap-northeast-1c")
    assert subnet.inputs["tagsAll"]["Name"] == "webplatform-prd-app-ap-northeast-1c"


def test_network_acls_keep_the_data_tier_inside_the_vpc(plan_stack) -> None:
    plan = plan_stack("prd")
    acl = by_name(plan, "aws:ec2/networkAcl:NetworkAcl", "network-data")
    blocks = {rule["cidrBlock"] for rule in acl.inputs["ingress"] + acl.inputs["egress"]}
    assert blocks == {"10.20.0.0/16"}
    data_subnets = {s.id for s in of_type(plan, SUBNET) if "-data-" in s.name}
    assert set(acl.inputs["subnetIds"]) == data_subnets
    public = by_name(plan, "aws:ec2/networkAcl:NetworkAcl", "network-public")
    from_anywhere = [r for r in public.inputs["ingress"] if r["cidrBlock"] == "0.0.0.0/0"]
    allowed = {(r["fromPort"], r["toPort"]) for r in from_anywhere if r["action"] == "allow"}
    assert allowed == {(80, 80), (443, 443), (1024, 65535)}
    # SSH and RDP from outside the VPC are denied ahead of the return-traffic range that
    # would admit 3389, in the public and the app tier.
    for tier in ("public", "app"):
        ingress = by_name(plan, "aws:ec2/networkAcl:NetworkAcl", f"network-{tier}").inputs[
            "ingress"
        ]
        denied = {r["fromPort"]: r["ruleNo"] for r in ingress if r["action"] == "deny"}
        (ephemeral,) = [r["ruleNo"] for r in ingress if r["fromPort"] == 1024]
        assert set(denied) == {22, 3389}
        assert max(denied.values()) < ephemeral


def test_stack_outputs_name_what_later_layers_and_operators_need(plan_stack) -> None:
    plan = plan_stack("prd")
    outputs = plan.outputs
    assert outputs["vpcId"].startswith("vpc-")
    assert outputs["vpcCidr"] == "10.20.0.0/16"
    assert len(outputs["appSubnetIds"]) == len(outputs["dataSubnetIds"]) == 3
    assert set(outputs["securityGroupIds"]) == {"alb", "app", "data", "endpoints"}
    assert len(outputs["routeTableIds"]["app"]) == 3
    assert len(outputs["natPublicIps"]) == 3
    assert outputs["flowLogGroup"] == "/vpc/webplatform-prd/flow-logs"
