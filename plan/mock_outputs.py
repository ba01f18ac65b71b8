"""Plausible outputs for mocked AWS resources: ids, ARNs, names, addresses and endpoints.

Values are derived from the resource's type and logical name, so every run of the same
program prints the same plan. ARNs carry the resource's region and the stack's account, so
IAM documents built from them read as they would after a real deployment.
"""

from __future__ import annotations

import hashlib
import importlib
import keyword
import uuid
from functools import cache
from typing import Any

# Types whose AWS id is "<prefix>-<17 hex digits>".
ID_PREFIXES = {
    "aws:ec2/vpc:Vpc": "vpc",
    "aws:ec2/subnet:Subnet": "subnet",
    "aws:ec2/internetGateway:InternetGateway": "igw",
    "aws:ec2/natGateway:NatGateway": "nat",
    "aws:ec2/eip:Eip": "eipalloc",
    "aws:ec2/routeTable:RouteTable": "rtb",
    "aws:ec2/networkAcl:NetworkAcl": "acl",
    "aws:ec2/securityGroup:SecurityGroup": "sg",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "sg",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce",
    "aws:ec2/flowLog:FlowLog": "fl",
    "aws:ec2/instance:Instance": "i",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "rtbassoc",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "sgr",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "sgr",
}

# Types whose physical name is not in `name`.
NAME_FIELDS = {
    "aws:s3/bucket:Bucket": "bucket",
    "aws:s3/bucketV2:BucketV2": "bucket",
    "aws:ecs/taskDefinition:TaskDefinition": "family",
    "aws:rds/cluster:Cluster": "clusterIdentifier",
    "aws:rds/clusterInstance:ClusterInstance": "identifier",
    "aws:elasticache/replicationGroup:ReplicationGroup": "replicationGroupId",
    "aws:elasticache/user:User": "userId",
    "aws:elasticache/userGroup:UserGroup": "userGroupId",
    "aws:accessanalyzer/analyzer:Analyzer": "analyzerName",
}

# ARNs that do not follow "arn:aws:<module>:<region>:<account>:<kind>/<id>".
ARN_FORMATS = {
    "aws:cloudwatch/logGroup:LogGroup": "arn:aws:logs:{region}:{account}:log-group:{name}",
    "aws:iam/role:Role": "arn:aws:iam::{account}:role/{name}",
    "aws:iam/policy:Policy": "arn:aws:iam::{account}:policy/{name}",
    "aws:iam/instanceProfile:InstanceProfile": "arn:aws:iam::{account}:instance-profile/{name}",
    "aws:kms/key:Key": "arn:aws:kms:{region}:{account}:key/{id}",
    "aws:accessanalyzer/analyzer:Analyzer": (
        "arn:aws:access-analyzer:{region}:{account}:analyzer/{name}"
    ),
    "aws:s3/bucket:Bucket": "arn:aws:s3:::{name}",
    "aws:rds/cluster:Cluster": "arn:aws:rds:{region}:{account}:cluster:{name}",
    "aws:rds/clusterInstance:ClusterInstance": "arn:aws:rds:{region}:{account}:db:{name}",
    "aws:rds/proxy:Proxy": "arn:aws:rds:{region}:{account}:db-proxy:prx-{digest}",
    "aws:rds/proxyEndpoint:ProxyEndpoint": (
        "arn:aws:rds:{region}:{account}:db-proxy-endpoint:prx-endpoint-{digest}"
    ),
    "aws:elasticache/replicationGroup:ReplicationGroup": (
        "arn:aws:elasticache:{region}:{account}:replicationgroup:{name}"
    ),
    "aws:elasticache/user:User": "arn:aws:elasticache:{region}:{account}:user:{id}",
    "aws:elasticache/userGroup:UserGroup": "arn:aws:elasticache:{region}:{account}:usergroup:{id}",
    "aws:s3/bucketV2:BucketV2": "arn:aws:s3:::{name}",
    "aws:sns/topic:Topic": "arn:aws:sns:{region}:{account}:{name}",
    "aws:ecs/taskDefinition:TaskDefinition": (
        "arn:aws:ecs:{region}:{account}:task-definition/{name}:1"
    ),
    "aws:sqs/queue:Queue": "arn:aws:sqs:{region}:{account}:{name}",
    "aws:lambda/function:Function": "arn:aws:lambda:{region}:{account}:function:{name}",
    "aws:dynamodb/table:Table": "arn:aws:dynamodb:{region}:{account}:table/{name}",
    "aws:ssm/parameter:Parameter": "arn:aws:ssm:{region}:{account}:parameter{name}",
    "aws:secretsmanager/secret:Secret": "arn:aws:secretsmanager:{region}:{account}:secret:{name}",
    "aws:kms/alias:Alias": "arn:aws:kms:{region}:{account}:{name}",
    "aws:ec2/securityGroup:SecurityGroup": "arn:aws:ec2:{region}:{account}:security-group/{id}",
    "aws:ec2/eip:Eip": "arn:aws:ec2:{region}:{account}:elastic-ip/{id}",
    "aws:ec2/flowLog:FlowLog": "arn:aws:ec2:{region}:{account}:vpc-flow-log/{id}",
    "aws:lb/loadBalancer:LoadBalancer": (
        "arn:aws:elasticloadbalancing:{region}:{account}:loadbalancer/app/{name}/{id}"
    ),
    "aws:lb/listener:Listener": (
        "arn:aws:elasticloadbalancing:{region}:{account}:listener/app/{id}"
    ),
    "aws:lb/listenerRule:ListenerRule": (
        "arn:aws:elasticloadbalancing:{region}:{account}:listener-rule/app/{id}"
    ),
    "aws:acm/certificate:Certificate": "arn:aws:acm:{region}:{account}:certificate/{id}",
    "aws:cloudfront/distribution:Distribution": ("arn:aws:cloudfront::{account}:distribution/{id}"),
    "aws:wafv2/webAcl:WebAcl": "arn:aws:wafv2:{region}:{account}:global/webacl/{name}/{id}",
    "aws:wafv2/ipSet:IpSet": "arn:aws:wafv2:{region}:{account}:global/ipset/{name}/{id}",
    "aws:wafv2/regexPatternSet:RegexPatternSet": (
        "arn:aws:wafv2:{region}:{account}:global/regexpatternset/{name}/{id}"
    ),
    "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream": (
        "arn:aws:firehose:{region}:{account}:deliverystream/{name}"
    ),
    "aws:glue/catalogDatabase:CatalogDatabase": "arn:aws:glue:{region}:{account}:database/{name}",
    "aws:athena/workgroup:Workgroup": "arn:aws:athena:{region}:{account}:workgroup/{name}",
    "aws:cloudwatch/metricAlarm:MetricAlarm": "arn:aws:cloudwatch:{region}:{account}:alarm:{name}",
    "aws:cloudwatch/logDeliverySource:LogDeliverySource": (
        "arn:aws:logs:{region}:{account}:delivery-source:{name}"
    ),
    "aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination": (
        "arn:aws:logs:{region}:{account}:delivery-destination:{name}"
    ),
}


@cache
def resource_class(type_token: str) -> type | None:
    """The pulumi_aws class for a type token such as "aws:ec2/vpc:Vpc", if there is one."""
    package, module_path, class_name = type_token.split(":")
    if package != "aws":
        return None
    module = module_path.split("/")[0]
    module = f"{module}_" if keyword.iskeyword(module) else module
    try:
        found = importlib.import_module(
            "pulumi_aws" if module == "index" else f"pulumi_aws.{module}"
        )
    except ImportError:
        return None
    return getattr(found, class_name, None)


def _has_output(type_token: str, name: str) -> bool:
    return isinstance(getattr(resource_class(type_token), name, None), property)


def taggable(type_token: str) -> bool:
    """Whether the AWS provider merges its default tags into this type's `tagsAll`."""
    return _has_output(type_token, "tags_all")


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def for_resource(
    type_token: str, name: str, inputs: dict[str, Any], *, region: str, account_id: str
) -> tuple[str, dict[str, Any]]:
    """(id, state) for a mocked resource: its inputs plus what AWS would compute."""
    if type_token.startswith("pulumi:providers:"):
        return f"{name}-provider", dict(inputs)
    digest = _digest(type_token, name)
    state = dict(inputs)
    name_field = NAME_FIELDS.get(type_token, "name")
    prefixed = f"{name_field}Prefix" in state or "namePrefix" in state
    if _has_output(type_token, _snake(name_field)) and not state.get(name_field) and not prefixed:
        state[name_field] = f"{name}-{digest[:7]}"  # the provider's auto-naming
    module, kind = _arn_parts(type_token)

    if type_token in ID_PREFIXES:
        resource_id = f"{ID_PREFIXES[type_token]}-{digest[:17]}"
    elif type_token == "aws:cloudfront/distribution:Distribution":
        resource_id = f"E{digest[:13].upper()}"
    elif type_token in ("aws:wafv2/webAcl:WebAcl", "aws:wafv2/ipSet:IpSet"):
        resource_id = str(uuid.UUID(digest[:32]))
    elif type_token == "aws:kms/key:Key":
        resource_id = str(uuid.UUID(digest[:32]))
        state["keyId"] = resource_id
    else:
        resource_id = str(state.get(name_field) or digest[:20])

    if _has_output(type_token, "arn"):
        template = ARN_FORMATS.get(
            type_token, f"arn:aws:{module}:{{region}}:{{account}}:{kind}/{{id}}"
        )
        state["arn"] = template.format(
            region=region,
            account=account_id,
            id=resource_id,
            name=state.get(name_field, name),
            digest=digest[:17],
        )
    if type_token == "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
        host = str(state.get("url", "")).removeprefix("https://")
        state["arn"] = f"arn:aws:iam::{account_id}:oidc-provider/{host}"
    state.update(_computed(type_token, resource_id, digest, region, account_id))
    if type_token == "aws:acm/certificate:Certificate":
        # ACM's DNS validation: a CNAME under the domain pointing into acm-validations.aws.
        state["domainValidationOptions"] = [
            {
                "domainName": domain,
                "resourceRecordName": f"_{_digest(domain)[:32]}.{domain}.",
                "resourceRecordType": "CNAME",
                "resourceRecordValue": f"_{_digest(domain)[32:64]}.acm-validations.aws.",
            }
            for domain in [state.get("domainName"), *state.get("subjectAlternativeNames", [])]
            if domain
        ]
    if type_token == "aws:route53/record:Record" and isinstance(state.get("name"), str):
        state["fqdn"] = state["name"].rstrip(".")
    # The bridged AWS provider returns the id among the outputs, as state files show.
    state["id"] = resource_id
    return resource_id, state


def _snake(camel: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in camel)


def _arn_parts(type_token: str) -> tuple[str, str]:
    """The ARN's service and resource kind: aws:ec2/networkAcl:NetworkAcl -> ec2, network-acl."""
    module, class_name = type_token.split(":")[1].split("/")[0], type_token.split(":")[2]
    kind = "".join(f"-{c.lower()}" if c.isupper() else c for c in class_name).lstrip("-")
    return module, kind


def _computed(
    type_token: str, resource_id: str, digest: str, region: str, account_id: str
) -> dict[str, Any]:
    """Type-specific outputs that later inputs may read."""
    octets = [int(digest[i : i + 2], 16) for i in range(0, 8, 2)]
    if type_token == "aws:ec2/eip:Eip":
        return {
            "allocationId": resource_id,
            "publicIp": f"203.0.113.{octets[0]}",
            "domain": "vpc",
        }
    if type_token == "aws:ec2/vpc:Vpc":
        return {
            "defaultSecurityGroupId": f"sg-{digest[17:34]}",
            "defaultNetworkAclId": f"acl-{digest[17:34]}",
            "mainRouteTableId": f"rtb-{digest[17:34]}",
            "ownerId": account_id,
        }
    if type_token == "aws:ec2/natGateway:NatGateway":
        return {"networkInterfaceId": f"eni-{digest[17:34]}"}
    if type_token == "aws:iam/role:Role":
        return {"uniqueId": f"AROA{digest[:17].upper()}"}
    if type_token == "aws:ec2/securityGroup:SecurityGroup":
        return {"ownerId": account_id}
    if type_token == "aws:ec2/vpcEndpoint:VpcEndpoint":
        return {"prefixListId": f"pl-{digest[:8]}", "state": "available"}
    cluster_host = f"{resource_id}.cluster-{digest[:12]}.{region}.rds.amazonaws.com"
    if type_token == "aws:rds/cluster:Cluster":
        secret = f"arn:aws:secretsmanager:{region}:{account_id}:secret:rds!cluster-{digest[:8]}"
        return {
            "endpoint": cluster_host,
            "readerEndpoint": cluster_host.replace(".cluster-", ".cluster-ro-"),
            "masterUserSecrets": [{"secretArn": secret, "secretStatus": "active"}],
            "clusterResourceId": f"cluster-{digest[:26].upper()}",
        }
    if type_token == "aws:rds/clusterInstance:ClusterInstance":
        return {"endpoint": f"{resource_id}.{digest[:12]}.{region}.rds.amazonaws.com"}
    if type_token == "aws:rds/proxy:Proxy":
        return {"endpoint": f"{resource_id}.proxy-{digest[:12]}.{region}.rds.amazonaws.com"}
    if type_token == "aws:rds/proxyEndpoint:ProxyEndpoint":
        host = f"{resource_id}.endpoint.proxy-{digest[:12]}.{region}.rds.amazonaws.com"
        return {"endpoint": host}
    if type_token == "aws:elasticache/replicationGroup:ReplicationGroup":
        host = f"{resource_id}.{digest[:6]}.{region}.cache.amazonaws.com"
        return {
            "primaryEndpointAddress": f"master.{host}",
            "readerEndpointAddress": f"replica.{host}",
        }
    if type_token == "aws:dynamodb/table:Table":
        table_arn = f"arn:aws:dynamodb:{region}:{account_id}:table/{resource_id}"
        return {"streamArn": f"{table_arn}/stream/2026-01-01T00:00:00.000"}
    if type_token == "aws:sqs/queue:Queue":
        return {"url": f"https://sqs.{region}.amazonaws.com/{account_id}/{resource_id}"}
    if type_token == "aws:s3/bucket:Bucket":
        return {"bucketRegionalDomainName": f"{resource_id}.s3.{region}.amazonaws.com"}
    if type_token == "aws:ecs/taskDefinition:TaskDefinition":
        family_arn = f"arn:aws:ecs:{region}:{account_id}:task-definition/{resource_id}"
        return {"revision": 1, "arnWithoutRevision": family_arn}
    if type_token == "aws:lb/targetGroup:TargetGroup":
        suffix = f"targetgroup/{resource_id}/{digest[:16]}"
        return {
            "arn": f"arn:aws:elasticloadbalancing:{region}:{account_id}:{suffix}",
            "arnSuffix": suffix,
        }
    if type_token == "aws:lb/loadBalancer:LoadBalancer":
        # The id is the ARN; the mock's is the name, so the suffix takes a made-up one.
        suffix = f"app/{resource_id}/{digest[:16]}"
        return {
            "arn": f"arn:aws:elasticloadbalancing:{region}:{account_id}:loadbalancer/{suffix}",
            "arnSuffix": suffix,
            "dnsName": f"{resource_id}-{int(digest[:8], 16) % 10**10}.{region}.elb.amazonaws.com",
            "zoneId": f"Z{digest[:13].upper()}",
        }
    if type_token == "aws:cloudfront/distribution:Distribution":
        return {
            "arn": f"arn:aws:cloudfront::{account_id}:distribution/{resource_id}",
            "domainName": f"d{digest[:13]}.cloudfront.net",
            "hostedZoneId": "Z2FDTNDATAQYW2",
            "status": "Deployed",
        }
    if type_token == "random:index/randomPassword:RandomPassword":
        return {"result": digest[32:64]}  # not the digits the id is made of
    return {}
