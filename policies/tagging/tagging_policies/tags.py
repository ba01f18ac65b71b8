"""Tagging policies: required tags, the Environment value, and Name where a resource has no name.

Tags are read from ``tags``, ``tagsAll`` (where the provider merges its ``defaultTags`` during
Check) and the provider's own ``defaultTags``, so tags applied through the provider count.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs, Severity
from pulumi_policy.proxy import UnknownValueError

from policy_support import document, get, resource_policy

from .taggable_types import TAGGABLE_TYPES

DEFAULT_REQUIRED_TAGS = ["Project", "Environment", "Owner", "ManagedBy"]

# AWS resources that have no name of their own: the console shows their Name tag.
UNNAMED_TYPES = [
    "aws:ec2/vpc:Vpc",
    "aws:ec2/subnet:Subnet",
    "aws:ec2/internetGateway:InternetGateway",
    "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway",
    "aws:ec2/natGateway:NatGateway",
    "aws:ec2/eip:Eip",
    "aws:ec2/routeTable:RouteTable",
    "aws:ec2/defaultRouteTable:DefaultRouteTable",
    "aws:ec2/networkAcl:NetworkAcl",
    "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl",
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
    "aws:ec2/vpcEndpoint:VpcEndpoint",
    "aws:ec2/flowLog:FlowLog",
    "aws:ec2/instance:Instance",
    "aws:ec2/networkInterface:NetworkInterface",
    "aws:ebs/volume:Volume",
]

_PRESENT = object()  # a tag whose value is unknown during preview


def tags_of(props: Mapping[str, Any], args: ResourceValidationArgs) -> dict[str, Any]:
    """The tags the resource will carry: provider default tags, then tagsAll, then tags."""
    merged: dict[str, Any] = {}
    provider_props = args.provider.props if args.provider is not None else {}
    defaults = document(get(provider_props, "defaultTags"))
    sources = [
        get(defaults, "tags") if isinstance(defaults, Mapping) else None,
        get(props, "tagsAll"),
        get(props, "tags"),
    ]
    for source in sources:
        if not isinstance(source, Mapping):
            continue
        for key in source:
            try:
                merged[key] = source[key]
            except UnknownValueError:
                merged[key] = _PRESENT
    return merged


def _missing(tags: Mapping[str, Any], key: str) -> bool:
    value = tags.get(key)
    return value is None or (isinstance(value, str) and not value.strip())


def _check_required(props, args, cfg):
    tags = tags_of(props, args)
    missing = [key for key in cfg["requiredTags"] if _missing(tags, key)]
    if missing:
        yield (
            f"{args.resource_type} '{args.name}' is missing the required tags "
            f"{', '.join(missing)} (in tags, tagsAll or the provider's defaultTags)."
        )


def _expected_environment(cfg) -> str | None:
    configured = cfg.get("environment")
    if isinstance(configured, str) and configured:
        return configured
    return os.environ.get("PULUMI_STACK") or None


def _check_environment(props, args, cfg):
    expected = _expected_environment(cfg)
    key = cfg["tagKey"]
    value = tags_of(props, args).get(key)
    if expected is None or value is _PRESENT or value is None:
        return  # no expectation, unknown during preview, or missing (the required-tags policy)
    if value != expected:
        yield f"{args.resource_type} '{args.name}' has {key}={value!r}; this stack is {expected!r}."


def _check_name(props, args, cfg):
    if _missing(tags_of(props, args), "Name"):
        yield (
            f"{args.resource_type} '{args.name}' has no name of its own and no Name tag; "
            "set tags={'Name': ...}."
        )


REQUIRED_TAGS = resource_policy(
    "tagging-aws-required-tags",
    "Every taggable AWS resource carries the required tags (Project, Environment, Owner, "
    "ManagedBy by default), directly or through the provider's default tags.",
    types=TAGGABLE_TYPES,
    check=_check_required,
    severity=Severity.MEDIUM,
    remediation=(
        "Set the missing keys in the AWS provider's default_tags (preferred: every resource "
        "of that provider gets them) or in the resource's tags."
    ),
    params={
        "requiredTags": {
            "type": "array",
            "items": {"type": "string", "minLength": 1},
            "description": "Tag keys every taggable resource must carry with a non-empty value.",
            "default": DEFAULT_REQUIRED_TAGS,
        },
    },
)

ENVIRONMENT_TAG = resource_policy(
    "tagging-aws-environment-tag",
    "The Environment tag of every taggable AWS resource names the stack's environment.",
    types=TAGGABLE_TYPES,
    check=_check_environment,
    severity=Severity.MEDIUM,
    remediation=(
        "Set the Environment tag from the stack's environment (the provider's default_tags), "
        "not by hand; check that the policy config's `environment` names this stack's tier."
    ),
    params={
        "environment": {
            "type": "string",
            "description": (
                "The stack's environment (dev, stg, prd). Policies cannot read the stack "
                "config, so the per-environment policy config sets it; when absent the "
                "stack name (PULUMI_STACK) is used, and without that the value is not checked."
            ),
        },
        "tagKey": {
            "type": "string",
            "description": "The tag that names the environment.",
            "default": "Environment",
        },
    },
)

NAME_TAG = resource_policy(
    "tagging-aws-name-tag",
    "AWS resources without a name of their own (VPC, subnets, gateways, EIPs, route tables, "
    "NACLs, security groups, endpoints, instances, volumes) carry a Name tag.",
    types=UNNAMED_TYPES,
    check=_check_name,
    severity=Severity.LOW,
    remediation="Add tags={'Name': '<env>-<app>-<resource>'} to the resource.",
)

POLICIES = [REQUIRED_TAGS, ENVIRONMENT_TAG, NAME_TAG]
