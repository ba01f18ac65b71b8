"""Workloads: ECS containers not privileged and without plaintext credentials, ECR images
scanned and immutable, Secrets Manager secrets rotated."""

from __future__ import annotations

from collections.abc import Mapping

from pulumi_policy import EnforcementLevel, Severity

from policy_support import document, flag, get, items, matches, resource_policy, stack_policy, text

TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
REPOSITORY = "aws:ecr/repository:Repository"
SECRET = "aws:secretsmanager/secret:Secret"
SECRET_ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"
CREDENTIAL_NAMES = [
    "*PASSWORD*",
    "*PASSWD*",
    "*SECRET*",
    "*TOKEN*",
    "*API_KEY*",
    "*ACCESS_KEY*",
    "*PRIVATE_KEY*",
    "*CREDENTIAL*",
]


def _label(args) -> str:
    return f"{args.resource_type} '{args.name}'"


def _containers(props):
    containers = document(get(props, "containerDefinitions"))
    return [c for c in items(containers) if isinstance(c, Mapping)]


def _check_privileged(props, args, cfg):
    for container in _containers(props):
        if flag(get(container, "privileged")):
            yield f"{_label(args)} container {get(container, 'name')} is privileged."


ECS_NOT_PRIVILEGED = resource_policy(
    "guardrails-ecs-task-definition-not-privileged",
    "No container of an ECS task definition runs privileged.",
    types=[TASK_DEFINITION],
    check=_check_privileged,
    controls=("ECS.4",),
    severity=Severity.HIGH,
    remediation="Remove privileged=true; grant the Linux capabilities the container needs.",
)


def _check_plaintext_credentials(props, args, cfg):
    for container in _containers(props):
        for variable in items(get(container, "environment")):
            name = text(get(variable, "name"), "")
            if matches(name.upper(), cfg["credentialNames"]):
                yield (
                    f"{_label(args)} container {get(container, 'name')} has {name} in plain "
                    "environment; pass it in secrets by valueFrom."
                )


ECS_NO_PLAINTEXT_CREDENTIALS = resource_policy(
    "guardrails-ecs-task-definition-no-plaintext-credentials",
    "Container environment variables whose names look like credentials (PASSWORD, TOKEN, "
    "SECRET, ...) come from secrets by valueFrom, never as plain environment values.",
    types=[TASK_DEFINITION],
    check=_check_plaintext_credentials,
    controls=("ECS.8",),
    severity=Severity.HIGH,
    remediation=(
        "Move the variable to the container's secrets: {'name': ..., 'valueFrom': <SSM parameter "
        "or Secrets Manager ARN>}."
    ),
    params={
        "credentialNames": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Shell-style patterns (upper case) of credential-looking names.",
            "default": CREDENTIAL_NAMES,
        },
    },
)


def _check_scan_on_push(props, args, cfg):
    if not flag(get(props, "imageScanningConfiguration", "scanOnPush")):
        yield f"{_label(args)} does not scan images on push (scanOnPush defaults to false)."


ECR_SCAN_ON_PUSH = resource_policy(
    "guardrails-ecr-repository-scan-on-push",
    "ECR repositories scan images for vulnerabilities when they are pushed.",
    types=[REPOSITORY],
    check=_check_scan_on_push,
    controls=("ECR.1",),
    severity=Severity.MEDIUM,
    remediation="Set image_scanning_configuration={'scan_on_push': True}.",
)


def _check_immutable_tags(props, args, cfg):
    mutability = get(props, "imageTagMutability", default="MUTABLE")
    if mutability not in ("IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION"):
        yield f"{_label(args)} lets a push overwrite a tag (imageTagMutability {mutability})."


ECR_IMMUTABLE_TAGS = resource_policy(
    "guardrails-ecr-repository-immutable-tags",
    "ECR repositories have immutable tags, so a deployed tag always names the same image.",
    types=[REPOSITORY],
    check=_check_immutable_tags,
    controls=("ECR.2",),
    severity=Severity.MEDIUM,
    remediation="Set image_tag_mutability='IMMUTABLE' and tag images with the commit.",
)


def _check_rotation(secret, stack, cfg):
    if not stack.referring(secret, [SECRET_ROTATION], "secretId", ("arn", "id")):
        yield "is never rotated (no SecretRotation)."


SECRET_ROTATED = stack_policy(
    "guardrails-secretsmanager-secret-rotation",
    "Every Secrets Manager secret has a rotation schedule (SecretRotation).",
    subjects=[SECRET],
    reads=[SECRET_ROTATION],
    check=_check_rotation,
    controls=("SecretsManager.1",),
    severity=Severity.MEDIUM,
    remediation=(
        "Add an aws.secretsmanager.SecretRotation with a rotation function (or let the service "
        "manage the secret, as RDS does with manage_master_user_password)."
    ),
    level=EnforcementLevel.ADVISORY,
)

POLICIES = [
    ECS_NOT_PRIVILEGED,
    ECS_NO_PLAINTEXT_CREDENTIALS,
    ECR_SCAN_ON_PUSH,
    ECR_IMMUTABLE_TAGS,
    SECRET_ROTATED,
]


def _check_codebuild_privileged(props, args, cfg):
    if flag(get(props, "environment", "privilegedMode")):
        yield f"{_label(args)} builds in privileged mode (root on the build host)."


CODEBUILD_NOT_PRIVILEGED = resource_policy(
    "guardrails-codebuild-not-privileged",
    "CodeBuild projects do not run in privileged mode.",
    types=["aws:codebuild/project:Project"],
    check=_check_codebuild_privileged,
    controls=("CodeBuild.5",),
    severity=Severity.MEDIUM,
    remediation=(
        "Leave environment.privileged_mode unset; a project that builds Docker images needs it "
        "and is named in the policy's exceptions (policies/guardrails/<stack>.json) with that "
        "reason."
    ),
)


def _check_certificate_transparency(props, args, cfg):
    preference = get(props, "options", "certificateTransparencyLoggingPreference")
    if preference == "DISABLED":
        yield f"{_label(args)} is not logged to certificate transparency logs."


ACM_TRANSPARENCY = resource_policy(
    "guardrails-acm-certificate-transparency-logging",
    "ACM certificates are logged to public certificate transparency logs (the default), so "
    "browsers trust them and a mis-issued certificate is visible.",
    types=["aws:acm/certificate:Certificate"],
    check=_check_certificate_transparency,
    severity=Severity.LOW,
    remediation="Leave options.certificate_transparency_logging_preference unset or 'ENABLED'.",
)

POLICIES += [CODEBUILD_NOT_PRIVILEGED, ACM_TRANSPARENCY]
