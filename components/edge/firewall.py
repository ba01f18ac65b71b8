"""The WAFv2 web ACL in front of CloudFront (scope CLOUDFRONT, so in us-east-1), its IP and
regex pattern sets, and its logging to a KMS-encrypted CloudWatch log group there."""

import ipaddress
import json
from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

import pulumi
import pulumi_aws as aws

from components.foundation.keys import key_policy

WAF_LOG_GROUP_PREFIX = "aws-waf-logs-"
"""WAF logs only to CloudWatch log groups whose names start with this."""
GLOBAL_REGION = "us-east-1"
ADMIN_TRUSTED_LABEL = "webplatform:admin-trusted"
REDACTED_HEADERS = ("authorization", "cookie")


class FirewallArgs(TypedDict):
    name_prefix: str
    """`<project>-<environment>`: names of the ACL, its sets and its log group."""
    account_id: str
    """The stack's account, for the log key's policy and the log delivery's conditions."""
    log_retention_days: int
    """Retention of the WAF log group."""
    protect: bool
    """Pulumi `protect` on the log key."""
    rate_limit: int
    """Requests per source IP in 5 minutes before the IP is blocked."""
    managed_rules: Mapping[str, str]
    """AWS managed rule groups (name without `AWSManagedRules`) to "block" or "count"."""
    office_cidrs: Sequence[str]
    """The company's addresses, which may reach the admin paths."""
    partner_cidrs: Sequence[str]
    """Partners' addresses, which may reach the admin paths."""
    deny_cidrs: Sequence[str]
    """Addresses always blocked."""
    admin_paths: Sequence[str]
    """Path prefixes only the office and partner addresses reach."""
    ci_token: pulumi.Input[str] | None
    """CI tools presenting `authorization: Bearer <token>` are allowed; None: no such rule."""
    blocked_user_agents: Sequence[str]
    """Regular expressions of User-Agent values to block."""


def _visibility(metric: str) -> dict[str, Any]:
    return {
        "cloudwatch_metrics_enabled": True,
        "metric_name": metric,
        "sampled_requests_enabled": True,
    }


class Firewall(pulumi.ComponentResource):
    """A CLOUDFRONT-scope web ACL; pass the us-east-1 provider.

    Rules, in order: the deny set; blocked user agents; the admin paths for anyone outside
    the office and partner sets; CI tools with the bearer token (allowed); a per-IP rate limit
    over 5 minutes; the AWS managed groups (each blocking or counting). Everything else is
    allowed. Logs go to `aws-waf-logs-<prefix>`, encrypted with a us-east-1 logs key (the
    foundation's key is regional and CloudWatch Logs uses a key of its own region), with the
    authorization and cookie headers redacted.
    """

    web_acl_arn: pulumi.Output[str]
    """The web ACL, for the distribution's web_acl_id."""
    web_acl_name: pulumi.Output[str]
    """The web ACL's name, which is also its metric name (the `WebACL` metric dimension)."""
    log_group_name: pulumi.Output[str]
    """The WAF log group in us-east-1."""
    logs_key_arn: pulumi.Output[str]
    """The us-east-1 KMS key of the WAF log group."""

    def __init__(
        self, name: str, args: FirewallArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("webplatform:edge:Firewall", name, None, opts)
        self._name = name
        prefix = args["name_prefix"]
        child = pulumi.ResourceOptions(parent=self)

        sets = {
            meaning: self._ip_sets(meaning, prefix, cidrs)
            for meaning, cidrs in (
                ("deny", args["deny_cidrs"]),
                ("office", args["office_cidrs"]),
                ("partners", args["partner_cidrs"]),
            )
        }
        rules: list[dict[str, Any]] = []

        def rule(rule_name: str, statement: dict, action: str, **extra: Any) -> None:
            rules.append(
                {
                    "name": rule_name,
                    "priority": len(rules),
                    "action": {action: {}},
                    "statement": statement,
                    "visibility_config": _visibility(f"{prefix}-{rule_name}"),
                    **extra,
                }
            )

        if sets["deny"]:
            rule("deny-ips", _any_of(sets["deny"]), "block")
        if args["blocked_user_agents"]:
            patterns = aws.wafv2.RegexPatternSet(
                f"{name}-user-agents",
                name=f"{prefix}-blocked-user-agents",
                scope="CLOUDFRONT",
                description="User agents the web ACL blocks",
                regular_expressions=[{"regex_string": p} for p in args["blocked_user_agents"]],
                opts=child,
            )
            rule(
                "blocked-user-agents",
                {
                    "regex_pattern_set_reference_statement": {
                        "arn": patterns.arn,
                        "field_to_match": {"single_header": {"name": "user-agent"}},
                        "text_transformations": [{"priority": 0, "type": "NONE"}],
                    }
                },
                "block",
            )
        if args["admin_paths"]:
            trusted = [*sets["office"], *sets["partners"]]
            if trusted:
                rule(
                    "label-admin-trusted",
                    _any_of(trusted),
                    "count",
                    rule_labels=[{"name": ADMIN_TRUSTED_LABEL}],
                )
            admin = _any_of(
                [
                    {
                        "byte_match_statement": {
                            "search_string": path.lower(),
                            "positional_constraint": "STARTS_WITH",
                            "field_to_match": {"uri_path": {}},
                            "text_transformations": [
                                {"priority": 0, "type": "URL_DECODE"},
                                {"priority": 1, "type": "LOWERCASE"},
                            ],
                        }
                    }
                    for path in args["admin_paths"]
                ]
            )
            outsider = {
                "not_statement": {
                    "statement": {
                        "label_match_statement": {"scope": "LABEL", "key": ADMIN_TRUSTED_LABEL}
                    }
                }
            }
            rule(
                "admin-paths-office-partners-only",
                {"and_statement": {"statements": [admin, outsider]}} if trusted else admin,
                "block",
            )
        ci_token = args["ci_token"]
        if ci_token is not None:
            rule(
                "allow-ci-bearer-token",
                {
                    "byte_match_statement": {
                        "search_string": pulumi.Output.secret(ci_token).apply(
                            lambda token: f"Bearer {token}"
                        ),
                        "positional_constraint": "EXACTLY",
                        "field_to_match": {"single_header": {"name": "authorization"}},
                        "text_transformations": [{"priority": 0, "type": "NONE"}],
                    }
                },
                "allow",
            )
        rule(
            "rate-limit-per-ip",
            {
                "rate_based_statement": {
                    "limit": args["rate_limit"],
                    "aggregate_key_type": "IP",
                    "evaluation_window_sec": 300,
                }
            },
            "block",
        )
        for managed, mode in args["managed_rules"].items():
            rules.append(
                {
                    "name": f"aws-{managed}",
                    "priority": len(rules),
                    "override_action": {"count" if mode == "count" else "none": {}},
                    "statement": {
                        "managed_rule_group_statement": {
                            "vendor_name": "AWS",
                            "name": f"AWSManagedRules{managed}",
                        }
                    },
                    "visibility_config": _visibility(f"{prefix}-aws-{managed}"),
                }
            )

        acl = aws.wafv2.WebAcl(  # type: ignore[call-overload]
            name,
            name=prefix,
            description=f"{prefix} CloudFront",
            scope="CLOUDFRONT",
            default_action={"allow": {}},
            rules=rules,
            visibility_config=_visibility(prefix),
            opts=child,
        )
        key, group = self._log_group(args)
        aws.wafv2.WebAclLoggingConfiguration(
            name,
            resource_arn=acl.arn,
            log_destination_configs=[group.arn],
            redacted_fields=[{"single_header": {"name": h}} for h in REDACTED_HEADERS],
            opts=child,
        )
        self.web_acl_arn = acl.arn
        self.web_acl_name = acl.name
        self.log_group_name = group.name
        self.logs_key_arn = key.arn
        self.register_outputs(
            {
                "web_acl_arn": self.web_acl_arn,
                "web_acl_name": self.web_acl_name,
                "log_group_name": self.log_group_name,
                "logs_key_arn": self.logs_key_arn,
            }
        )

    def _ip_sets(self, meaning: str, prefix: str, cidrs: Sequence[str]) -> list[dict[str, Any]]:
        """IP set reference statements: one set per address family (WAF keeps them apart)."""
        families = {
            "IPV4": [c for c in cidrs if ipaddress.ip_network(c).version == 4],
            "IPV6": [c for c in cidrs if ipaddress.ip_network(c).version == 6],
        }
        statements = []
        for version, addresses in families.items():
            if not addresses:
                continue
            suffix = "" if version == "IPV4" else "-v6"
            ip_set = aws.wafv2.IpSet(
                f"{self._name}-{meaning}{suffix}",
                name=f"{prefix}-{meaning}{suffix}",
                description=f"{meaning} addresses",
                scope="CLOUDFRONT",
                ip_address_version=version,
                addresses=addresses,
                opts=pulumi.ResourceOptions(parent=self),
            )
            statements.append({"ip_set_reference_statement": {"arn": ip_set.arn}})
        return statements

    def _log_group(self, args: FirewallArgs) -> tuple[aws.kms.Key, aws.cloudwatch.LogGroup]:
        """`aws-waf-logs-<prefix>` encrypted with a us-east-1 logs key, and the resource policy
        that lets the log delivery service of this account write to it."""
        name, prefix, account = self._name, args["name_prefix"], args["account_id"]
        key = aws.kms.Key(
            f"{name}-logs",
            description=f"{prefix} logs ({GLOBAL_REGION})",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=json.dumps(key_policy("logs", account, GLOBAL_REGION)),
            opts=pulumi.ResourceOptions(parent=self, protect=args["protect"]),
        )
        aws.kms.Alias(
            f"{name}-logs",
            name=f"alias/{prefix}-logs-{GLOBAL_REGION}",
            target_key_id=key.key_id,
            opts=pulumi.ResourceOptions(parent=self),
        )
        group = aws.cloudwatch.LogGroup(
            name,
            name=f"{WAF_LOG_GROUP_PREFIX}{prefix}",
            retention_in_days=args["log_retention_days"],
            kms_key_id=key.arn,
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.cloudwatch.LogResourcePolicy(
            name,
            policy_name=f"{prefix}-waf-logs",
            policy_document=group.arn.apply(
                lambda arn: json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Sid": "WafLogDelivery",
                                "Effect": "Allow",
                                "Principal": {"Service": "delivery.logs.amazonaws.com"},
                                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                                "Resource": f"{arn}:*",
                                "Condition": {
                                    "StringEquals": {"aws:SourceAccount": account},
                                    "ArnLike": {
                                        "aws:SourceArn": f"arn:aws:logs:{GLOBAL_REGION}:{account}:*"
                                    },
                                },
                            }
                        ],
                    }
                )
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return key, group


def _any_of(statements: list[dict[str, Any]]) -> dict[str, Any]:
    """One statement, or an OR of several (WAF wants at least two in an OR)."""
    return statements[0] if len(statements) == 1 else {"or_statement": {"statements": statements}}
