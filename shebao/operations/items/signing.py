"""111002 数字认证: issued documents are signed with the agency certificate (core.signing); this item checks an
uploaded PDF's signature in public and lets agency administrators see (and in development re-issue) the certificate."""

from shebao.core.choices import Role
from shebao.core.items import AppUi, BusinessItem, Link, register_app, register_item
from shebao.core.verification import register_pdf_check

from ..services import signing as s

register_item(
    BusinessItem(
        code="111002",
        services=(s.signature_check, s.signing_certificate_get, s.signing_certificate_renew),
        audit_labels={"signing.certificate_renew": "重新签发签名证书（演示）"},
        grants=(),  # the signature check is public (no login); the certificate page is for agency administrators
    )
)

register_app(
    AppUi(
        app="operations.signing",
        nav_links=(Link("签名证书", "operations:signing-certificate", roles=(Role.AGENCY_ADMIN,), item_code="111002"),),
    )
)

# The public verification page (/verify/<code>/) offers the upload form of the signature check.
register_pdf_check("operations:signing-check")
