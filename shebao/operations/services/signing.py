"""111002 数字认证: check the digital signature of an uploaded PDF (public) and re-issue the demo agency
certificate (agency administrators, development only, audited).

Signing itself happens in `shebao.core.signing` for every issued document; this module is the business side.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.db import transaction

from shebao.core.access import require_grant
from shebao.core.audit import audit_write
from shebao.core.choices import Action, Role
from shebao.core.errors import ApplicationError, PermissionDeniedError
from shebao.core.signing import (
    CertificateInfo,
    SignatureReport,
    build_demo_agency_certificate,
    certificate_info,
    certificate_info_of,
    signing_dir,
    signing_paths,
    verify_pdf,
    write_agency_material,
)

ITEM_CODE = "111002"
PDF_CONTENT_TYPES = frozenset({"application/pdf"})
# A multipart body carries a little more than the file (boundaries, headers, the CSRF token).
MULTIPART_SLACK = 64 * 1024


class UploadTooLarge(ApplicationError):
    """The uploaded file exceeds the hard size limit (413)."""

    status_code = 413


def upload_limit() -> int:
    """The hard size limit of an uploaded PDF in bytes (`SHEBAO_SIGNATURE_UPLOAD_MAX`, default 10 MB)."""
    return int(getattr(settings, "SHEBAO_SIGNATURE_UPLOAD_MAX", 10 * 1024 * 1024))


def too_large_message() -> str:
    return f"文件超过 {upload_limit() // (1024 * 1024)} MB 上限，不能核验"


class PdfSizeCap(FileUploadHandler):
    """Stops storing an upload as soon as it passes the limit (the rest of the body is read and discarded).

    A body announced as too large (Content-Length) is refused before it is read at all (`declared_too_large`).
    """

    def __init__(self, request=None, limit: int | None = None):
        super().__init__(request)
        self.limit = limit if limit is not None else upload_limit()
        self.received = 0
        self.exceeded = False

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.exceeded = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None


def declared_too_large(meta) -> bool:
    """True when the request announces a body larger than the limit allows (refused before reading it)."""
    try:
        length = int(meta.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > upload_limit() + MULTIPART_SLACK


def read_pdf_upload(uploaded, *, exceeded: bool = False) -> bytes:
    """The bytes of an uploaded PDF, or ApplicationError naming the field `file` (400, or 413 when too large)."""
    if exceeded or (uploaded is not None and uploaded.size > upload_limit()):
        raise UploadTooLarge(too_large_message(), field="file")
    if uploaded is None:
        raise ApplicationError("请选择要核验的 PDF 文件", field="file")
    content_type = (getattr(uploaded, "content_type", "") or "").split(";")[0].strip().lower()
    if content_type not in PDF_CONTENT_TYPES:
        raise ApplicationError("只能上传 PDF 文件（application/pdf）", field="file")
    data = uploaded.read(upload_limit() + 1)
    if len(data) > upload_limit():
        raise UploadTooLarge(too_large_message(), field="file")
    if not data.lstrip(b"\x00\t\n\r ")[:5] == b"%PDF-":
        raise ApplicationError("文件内容不是 PDF", field="file")
    return data


def signature_check(*, actor, uploaded, exceeded: bool = False) -> SignatureReport:
    """111002 数字认证 (public): check an uploaded PDF's signature against the configured CA; writes nothing."""
    return verify_pdf(read_pdf_upload(uploaded, exceeded=exceeded))


def _require_admin(actor) -> None:
    if getattr(actor, "role", None) != Role.AGENCY_ADMIN or not getattr(actor, "agency_id", None):
        raise PermissionDeniedError("签名证书仅限机构管理员查看和管理")
    require_grant(actor, ITEM_CODE, Action.HANDLE)


def signing_certificate_get(*, actor) -> CertificateInfo | None:
    """111002 数字认证: the current signing certificate (agency administrators), None when none is configured."""
    _require_admin(actor)
    return certificate_info()


def renew_allowed() -> bool:
    """May the demo certificate be re-issued here (`SHEBAO_SIGNING_DEMO_RENEW`, development and tests)?"""
    return bool(getattr(settings, "SHEBAO_SIGNING_DEMO_RENEW", False))


@transaction.atomic
def signing_certificate_renew(*, actor) -> CertificateInfo:
    """111002 数字认证: re-issue the demo agency certificate under the demo CA (development only, audited)."""
    _require_admin(actor)
    if not renew_allowed():
        raise PermissionDeniedError("只有开发和演示环境可以在页面上重新签发演示证书；正式证书请按运维手册更换")
    directory = signing_dir()
    paths = signing_paths()
    current = certificate_info()
    if current is None or not current.demo:
        raise ApplicationError("当前未使用演示证书，不能在页面上重新签发", field="certificate")
    if paths.key.parent != directory or paths.cert.parent != directory or not (directory / "ca.key").is_file():
        raise ApplicationError("签名证书不在演示证书目录中，不能在页面上重新签发", field="certificate")
    from cryptography import x509

    subject = x509.load_pem_x509_certificate(paths.cert.read_bytes()).subject
    names = subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    agency_name = str(names[0].value) if names else actor.agency.name
    key_pem, cert_pem = build_demo_agency_certificate(directory, agency_name=agency_name)
    renewed = certificate_info_of(cert_pem, path=str(paths.cert))

    def _summary(info: CertificateInfo) -> dict:
        return {
            "subject": info.subject,
            "serial": info.serial,
            "sha256": info.sha256,
            "not_after": info.not_after.isoformat(),
        }

    audit_write(
        actor=actor,
        action="signing.certificate_renew",
        item_code=ITEM_CODE,
        object_type="signing_certificate",
        object_id=renewed.serial,
        before=_summary(current),
        after=_summary(renewed),
    )
    # The files change only once the audit record is committed.
    transaction.on_commit(lambda: write_agency_material(directory, key_pem=key_pem, cert_pem=cert_pem))
    return renewed
