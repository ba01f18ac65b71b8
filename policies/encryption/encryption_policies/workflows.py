"""Step Functions: state machines and activities are encrypted with a customer managed key.

Step Functions always encrypts at rest with an AWS owned key; `encryptionConfiguration` with
type CUSTOMER_MANAGED_KMS_KEY and a `kmsKeyId` adds a layer under the account's own key, so
the definition and the execution history (inputs, outputs, errors) follow its key policy.
An absent `encryptionConfiguration` is the provider's default, AWS_OWNED_KEY.
"""

from __future__ import annotations

from pulumi_policy import Severity

from policy_support import get, number, resource_policy

STATE_MACHINE = "aws:sfn/stateMachine:StateMachine"
ACTIVITY = "aws:sfn/activity:Activity"


def _check_sfn_encryption(props, args, cfg):
    label = f"{args.resource_type} '{args.name}'"
    config = get(props, "encryptionConfiguration")
    kind = get(config, "type", default="AWS_OWNED_KEY")
    if kind != "CUSTOMER_MANAGED_KMS_KEY":
        yield (
            f"{label} is encrypted with an AWS owned key ({kind}); set encryptionConfiguration "
            "type CUSTOMER_MANAGED_KMS_KEY with kmsKeyId."
        )
        return
    if not get(config, "kmsKeyId"):
        yield f"{label} has encryptionConfiguration type CUSTOMER_MANAGED_KMS_KEY but no kmsKeyId."
    period = number(get(config, "kmsDataKeyReusePeriodSeconds"))
    if period is not None and not 60 <= period <= cfg["maximumDataKeyReuseSeconds"]:
        yield (
            f"{label} reuses a data key for {period:g} s; expected 60 to "
            f"{cfg['maximumDataKeyReuseSeconds']} s."
        )


SFN_CMK = resource_policy(
    "encryption-sfn-state-machine-cmk",
    "Step Functions state machines and activities are encrypted with a customer managed KMS "
    "key (definition and execution history).",
    types=[STATE_MACHINE, ACTIVITY],
    check=_check_sfn_encryption,
    severity=Severity.MEDIUM,
    remediation=(
        "Set encryption_configuration={'type': 'CUSTOMER_MANAGED_KMS_KEY', 'kms_key_id': <key "
        "arn>}; the execution role needs kms:Decrypt and kms:GenerateDataKey on the key "
        "(condition kms:EncryptionContext:aws:states:stateMachineArn), and with logging the key "
        "policy must let delivery.logs.amazonaws.com decrypt."
    ),
    params={
        "maximumDataKeyReuseSeconds": {
            "type": "number",
            "description": "Longest kmsDataKeyReusePeriodSeconds accepted (at most 900).",
            "default": 900,
        }
    },
)

POLICIES = [SFN_CMK]
