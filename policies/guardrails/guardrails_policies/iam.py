"""IAM and KMS: no administrator grants, no iam:PassRole on every role, key rotation on, no
resource policy that admits anyone without a condition."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping

from pulumi_policy import Severity

from policy_support import flag, get, items, resource_policy, statements, strings, text

ROLE = "aws:iam/role:Role"
POLICY_DOCUMENT_TYPES = [
    ROLE,
    "aws:iam/policy:Policy",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/userPolicy:UserPolicy",
    "aws:iam/groupPolicy:GroupPolicy",
]
# Resources that attach a managed policy by ARN (`policyArn`).
ATTACHMENT_TYPES = [
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment",
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
    "aws:iam/policyAttachment:PolicyAttachment",
]
ADMIN_MANAGED_POLICIES = {
    "type": "array",
    "items": {"type": "string"},
    "description": "AWS managed policies that grant every action on every resource.",
    "default": ["arn:aws:iam::aws:policy/AdministratorAccess"],
}


def _label(args) -> str:
    return f"{args.resource_type} '{args.name}'"


def _documents(props, args):
    """(where, document) for each policy document the resource carries."""
    if args.resource_type == ROLE:
        for inline in items(get(props, "inlinePolicies")):
            yield f"inline policy {get(inline, 'name')}", get(inline, "policy")
    elif args.resource_type not in ATTACHMENT_TYPES:
        yield "policy", get(props, "policy")


def _allows(statement) -> bool:
    return get(statement, "Effect") == "Allow"


def _on_everything(statement) -> bool:
    return "*" in strings(get(statement, "Resource"))


def _grants(statement, action: str) -> bool:
    """Whether the statement's actions cover ``action`` (IAM wildcards, case-insensitive)."""
    if get(statement, "NotAction") is not None:
        excluded = strings(get(statement, "NotAction"))
        return not any(fnmatch.fnmatchcase(action, a.lower()) for a in excluded)
    return any(fnmatch.fnmatchcase(action, a.lower()) for a in strings(get(statement, "Action")))


def _check_admin(props, args, cfg):
    attached = [get(props, "policyArn")] if args.resource_type in ATTACHMENT_TYPES else []
    if args.resource_type == ROLE:
        attached += strings(get(props, "managedPolicyArns"))
    for arn in attached:
        if arn in cfg["adminManagedPolicies"]:
            yield f"{_label(args)} attaches {arn}, which allows every action on every resource."
    for where, doc in _documents(props, args):
        for statement in statements(doc):
            actions = {a.lower() for a in strings(get(statement, "Action"))}
            wide = bool(actions & {"*", "*:*"}) or get(statement, "NotAction") is not None
            if _allows(statement) and _on_everything(statement) and wide:
                yield f"{_label(args)} {where} allows every action on every resource."


IAM_NO_ADMIN = resource_policy(
    "guardrails-iam-no-admin-policy",
    "No IAM policy allows `*` (or NotAction) on Resource `*`, inline or attached.",
    types=POLICY_DOCUMENT_TYPES + ATTACHMENT_TYPES,
    check=_check_admin,
    params={"adminManagedPolicies": ADMIN_MANAGED_POLICIES},
    controls=("IAM.1", "CIS 1.16"),
    severity=Severity.CRITICAL,
    remediation="Grant the specific actions the workload calls, on the stack's resource ARNs.",
)


def _check_pass_role(props, args, cfg):
    for where, doc in _documents(props, args):
        for statement in statements(doc):
            if (
                _allows(statement)
                and _on_everything(statement)
                and _grants(statement, "iam:passrole")
            ):
                yield f"{_label(args)} {where} allows iam:PassRole on every role."


IAM_NO_PASS_ROLE_WILDCARD = resource_policy(
    "guardrails-iam-no-passrole-wildcard",
    "No IAM policy allows iam:PassRole on Resource `*`.",
    types=POLICY_DOCUMENT_TYPES,
    check=_check_pass_role,
    severity=Severity.HIGH,
    remediation=(
        "Limit iam:PassRole to the ARNs of the roles that are passed (task and execution "
        "roles), with an iam:PassedToService condition."
    ),
)


def _check_rotation(props, args, cfg):
    symmetric = get(props, "customerMasterKeySpec", default="SYMMETRIC_DEFAULT")
    usage = get(props, "keyUsage", default="ENCRYPT_DECRYPT")
    if symmetric != "SYMMETRIC_DEFAULT" or usage != "ENCRYPT_DECRYPT":
        return  # AWS rotates only symmetric encryption keys
    if not flag(get(props, "enableKeyRotation")):
        yield f"{_label(args)} has key rotation off (enableKeyRotation defaults to false)."


KMS_KEY_ROTATION = resource_policy(
    "guardrails-kms-key-rotation",
    "Symmetric KMS keys rotate automatically.",
    types=["aws:kms/key:Key"],
    check=_check_rotation,
    controls=("KMS.4", "CIS 3.6"),
    severity=Severity.MEDIUM,
    remediation="Set enable_key_rotation=True.",
)

# Resource policies: the type and the property that holds the document.
RESOURCE_POLICY_DOCUMENTS = {
    "aws:kms/key:Key": "policy",
    "aws:sqs/queue:Queue": "policy",
    "aws:sqs/queuePolicy:QueuePolicy": "policy",
    "aws:sns/topic:Topic": "policy",
    "aws:sns/topicPolicy:TopicPolicy": "policy",
    "aws:s3/bucketPolicy:BucketPolicy": "policy",
    "aws:ecr/repositoryPolicy:RepositoryPolicy": "policy",
    ROLE: "assumeRolePolicy",
}
LAMBDA_PERMISSION = "aws:lambda/permission:Permission"
LAMBDA_SCOPES = ("sourceArn", "sourceAccount", "principalOrgId")


def _admits_anyone(principal) -> bool:
    if isinstance(principal, Mapping):
        return "*" in strings(get(principal, "AWS"))
    return "*" in strings(principal)


def _check_any_principal(props, args, cfg):
    if args.resource_type == LAMBDA_PERMISSION:
        if text(get(props, "principal")) == "*" and not any(get(props, k) for k in LAMBDA_SCOPES):
            yield f"{_label(args)} lets anyone invoke the function (principal '*', no source)."
        return
    for statement in statements(get(props, RESOURCE_POLICY_DOCUMENTS[args.resource_type])):
        anyone = _admits_anyone(get(statement, "Principal"))
        if _allows(statement) and anyone and not get(statement, "Condition"):
            yield f"{_label(args)} allows Principal '*' with no Condition."


NO_PUBLIC_RESOURCE_POLICY = resource_policy(
    "guardrails-iam-no-public-resource-policy",
    "No resource policy (KMS key, SQS queue, SNS topic, S3 bucket, ECR repository, role trust, "
    "Lambda permission) allows any principal without a condition.",
    types=[*RESOURCE_POLICY_DOCUMENTS, LAMBDA_PERMISSION],
    check=_check_any_principal,
    controls=("KMS.5", "SQS.3", "SNS.4", "S3.2", "S3.3", "Lambda.1"),
    severity=Severity.CRITICAL,
    remediation=(
        "Name the principals (accounts, roles, service principals), or scope '*' with a "
        "Condition such as aws:SourceArn, aws:SourceAccount or aws:PrincipalOrgID."
    ),
)

POLICIES = [IAM_NO_ADMIN, IAM_NO_PASS_ROLE_WILDCARD, KMS_KEY_ROTATION, NO_PUBLIC_RESOURCE_POLICY]
