"""The tagging policy pack: `pulumi preview --policy-pack policies/tagging`."""

from pulumi_policy import EnforcementLevel, PolicyPack

from tagging_policies import POLICIES

PolicyPack(
    name="webplatform-tagging",
    policies=POLICIES,
    enforcement_level=EnforcementLevel.MANDATORY,
    description=(
        "Tagging rules for the webplatform AWS stacks: required tags, Environment value, Name tags."
    ),
)
