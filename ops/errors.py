"""The two kinds of failure and their exit statuses, and how a boto3 error becomes one line.

Exit status 2: the command, the stack's outputs or the local AWS setup is wrong (the user can fix
it here). Exit status 1: AWS refused or failed the request.
"""

from __future__ import annotations

import click
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    ParamValidationError,
    ProfileNotFound,
)


class ConfigError(click.ClickException):
    """A usage or configuration problem: exit status 2."""

    exit_code = 2


class AwsError(click.ClickException):
    """AWS refused or failed a request: exit status 1."""

    exit_code = 1


DENIED = {
    "AccessDenied",
    "AccessDeniedException",
    "AuthorizationError",
    "UnauthorizedOperation",
}
THROTTLED = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "RequestThrottledException",
    "SlowDown",
}
BAD_CREDENTIALS = {
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
}


def from_boto(error: BotoCoreError | ClientError) -> click.ClickException:
    """One line naming what failed and what to do about it."""
    if isinstance(error, NoCredentialsError):
        return ConfigError(
            "no AWS credentials: pass --profile, set AWS_PROFILE or run `aws sso login`"
        )
    if isinstance(error, ProfileNotFound | NoRegionError | ParamValidationError):
        return ConfigError(str(error).replace("\n", " "))
    if isinstance(error, EndpointConnectionError):
        return AwsError(f"cannot reach AWS: {error}")
    if isinstance(error, ClientError):
        return _from_client_error(error)
    return AwsError(str(error))


def _from_client_error(error: ClientError) -> click.ClickException:
    code = error.response.get("Error", {}).get("Code", "Unknown")
    message = error.response.get("Error", {}).get("Message", "")
    operation = error.operation_name
    if code in DENIED:
        return AwsError(
            f"{operation} was denied: {message} (ask for a role that allows it, or pass --role)"
        )
    if code in THROTTLED:
        attempts = error.response.get("ResponseMetadata", {}).get("RetryAttempts", 0) + 1
        return AwsError(
            f"{operation} was throttled by AWS {attempts} times in a row: "
            "wait a minute and try again, or narrow the request"
        )
    if code in BAD_CREDENTIALS:
        return ConfigError(
            f"{operation}: AWS rejected the credentials ({code}): refresh them "
            "(`aws sso login`) or check --profile"
        )
    return AwsError(f"{operation} failed: {code}: {message}")
