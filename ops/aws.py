"""AWS clients with the usual credential chain: a profile if given, then a role to assume (with
an MFA code if the role asks for one); botocore's standard retry mode."""

from __future__ import annotations

import functools
import getpass
import re
from typing import Any

import botocore.session
import click
from botocore.config import Config
from botocore.loaders import Loader, create_loader

# Standard mode retries throttling and transient errors with backoff; the number of attempts
# follows AWS_MAX_ATTEMPTS or the profile's max_attempts (3 by default).
CLIENT_CONFIG = Config(retries={"mode": "standard"}, user_agent_extra="webplatform-ops")


class Aws:
    """One identity in one region; clients are made on first use and reused."""

    def __init__(
        self,
        region: str,
        profile: str | None = None,
        role_arn: str | None = None,
        mfa_serial: str | None = None,
    ) -> None:
        self.region = region
        self.profile = profile
        self.role_arn = role_arn
        self.mfa_serial = mfa_serial
        self._clients: dict[str, Any] = {}

    @functools.cached_property
    def session(self) -> botocore.session.Session:
        base = new_session(self.profile)
        if self.role_arn is None:
            return base
        return assume_role(base, self.region, self.role_arn, self.mfa_serial)

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self.session.create_client(
                service, region_name=self.region, config=CLIENT_CONFIG
            )
        return self._clients[service]

    def credential_environment(self) -> dict[str, str]:
        """The session's credentials as the environment variables every AWS tool reads."""
        credentials = self.session.get_credentials()
        if credentials is None:
            return {}
        frozen = credentials.get_frozen_credentials()
        environment = {
            "AWS_ACCESS_KEY_ID": frozen.access_key,
            "AWS_SECRET_ACCESS_KEY": frozen.secret_key,
            "AWS_REGION": self.region,
        }
        if frozen.token:
            environment["AWS_SESSION_TOKEN"] = frozen.token
        return environment


def new_session(profile: str | None) -> botocore.session.Session:
    session = botocore.session.Session(profile=profile)
    session.register_component(
        "data_loader", shared_loader(session.get_config_variable("data_path"))
    )
    return session


@functools.cache
def shared_loader(data_path: str | None) -> Loader:
    """botocore's data files (endpoints, service models) take a good part of a second to read;
    a process that makes several sessions (one per identity, or one per test) reads them once."""
    return create_loader(data_path)


def assume_role(
    base: botocore.session.Session, region: str, role_arn: str, mfa_serial: str | None
) -> botocore.session.Session:
    request: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": session_name()}
    if mfa_serial:
        request["SerialNumber"] = mfa_serial
        request["TokenCode"] = click.prompt(f"MFA code for {mfa_serial}", hide_input=True)
    sts = base.create_client("sts", region_name=region, config=CLIENT_CONFIG)
    credentials = sts.assume_role(**request)["Credentials"]
    session = new_session(None)
    session.set_credentials(
        credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"]
    )
    return session


def session_name() -> str:
    """`ops-<local user>`, so CloudTrail says who ran what through the role."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return ("ops-" + re.sub(r"[^\w+=,.@-]", "-", user))[:64]
