"""The guardrails policy pack: `pulumi preview --policy-pack policies/guardrails`."""

from pulumi_policy import EnforcementLevel, PolicyPack

from guardrails_policies import POLICIES

PolicyPack(
    name="webplatform-guardrails",
    policies=POLICIES,
    enforcement_level=EnforcementLevel.MANDATORY,
    description=(
        "Guardrails for the webplatform AWS stacks:"
        " network exposure, data protection, logging, IAM, KMS."
    ),
)
