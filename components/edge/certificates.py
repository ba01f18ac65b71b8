"""A DNS-validated ACM certificate: the certificate, its validation record in the hosted zone
and the validation that waits until ACM has issued it."""

from typing import TypedDict

import pulumi
import pulumi_aws as aws


class CertificateArgs(TypedDict):
    domain: str
    """The name the certificate is for (one name: the edge asks for no wildcards)."""
    hosted_zone_id: str
    """The public Route 53 zone the validation record goes in."""


class Certificate(pulumi.ComponentResource):
    """An ACM certificate validated through DNS, with certificate transparency logging on.

    The region is the provider's: pass the us-east-1 provider for CloudFront, the stack's for
    the load balancer. ACM renews it automatically while the validation record stays.
    """

    certificate_arn: pulumi.Output[str]
    """The issued certificate: this output resolves once validation has succeeded."""
    validation_record_fqdn: pulumi.Output[str]
    """The CNAME ACM validates the domain through."""

    def __init__(
        self, name: str, args: CertificateArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("webplatform:edge:Certificate", name, None, opts)
        certificate = aws.acm.Certificate(
            name,
            domain_name=args["domain"],
            validation_method="DNS",
            key_algorithm="RSA_2048",
            options=aws.acm.CertificateOptionsArgs(
                certificate_transparency_logging_preference="ENABLED"
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        option = certificate.domain_validation_options[0]
        record = aws.route53.Record(
            f"{name}-validation",
            zone_id=args["hosted_zone_id"],
            name=option.resource_record_name,
            type=option.resource_record_type,
            records=[option.resource_record_value],
            ttl=300,
            opts=pulumi.ResourceOptions(parent=self),
        )
        validation = aws.acm.CertificateValidation(
            name,
            certificate_arn=certificate.arn,
            validation_record_fqdns=[record.fqdn],
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.certificate_arn = validation.certificate_arn
        self.validation_record_fqdn = record.fqdn
        self.register_outputs(
            {
                "certificate_arn": self.certificate_arn,
                "validation_record_fqdn": self.validation_record_fqdn,
            }
        )
