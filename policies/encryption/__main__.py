"""The encryption policy pack: `pulumi preview --policy-pack policies/encryption`."""

from pulumi_policy import EnforcementLevel, PolicyPack

from encryption_policies import POLICIES

PolicyPack(
    name="webplatform-encryption",
    policies=POLICIES,
    enforcement_level=EnforcementLevel.MANDATORY,
    description=(
        "Encryption rules for the webplatform AWS stacks: at rest with KMS, TLS in transit."
    ),
)
