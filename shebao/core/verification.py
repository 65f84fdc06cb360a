"""Signed verification codes of printed documents (回执, 证明) and the public check behind `/verify/<code>`.

Issuing a document (`document_issue`) records what it certifies — a masked summary — in an `IssuedDocument` row
with a keyed digest of that content. The code printed as a QR code is `<id>-<digest prefix>.<signature>`, signed
with `SHEBAO_DOCUMENT_KEY` (or, when unset, Django's SECRET_KEY under a salt of its own). `document_verify(code)`
accepts it only when the signature holds, the row exists, and the row's content still hashes to the digest the
code names: a forged, altered or unknown code, or a row edited in the database, is reported as 无效.

Apps declare the kinds of document they issue (`register_document_kind`); nothing here knows which app prints.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.core import checks, signing
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

from .models import Agency, Case, IssuedDocument

SIGNING_SALT = "shebao.core.verification.code"
DIGEST_SALT = "shebao.core.verification.digest"
_CODE_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no 0/o, 1/l: codes may be typed from paper
_DIGEST_IN_CODE = 12


@dataclass(frozen=True)
class DocumentKind:
    """A kind of printed document (e.g. 单位参保登记回执): its key, title and what a valid one proves."""

    key: str
    title: str
    certifies: str = ""


DOCUMENT_KINDS: dict[str, DocumentKind] = {}

# URL names of pages that check an uploaded PDF (its digital signature); the verification page shows their upload
# form. An app registers one with `register_pdf_check`; core knows none by name.
PDF_CHECKS: list[str] = []


def register_pdf_check(url_name: str) -> None:
    """Offer a page that checks an uploaded PDF on the public verification page (a name registered once)."""
    if url_name not in PDF_CHECKS:
        PDF_CHECKS.append(url_name)


def register_document_kind(kind: DocumentKind) -> DocumentKind:
    """Declare a kind of document an app issues; a key declared twice stops the system at start-up."""
    if kind.key in DOCUMENT_KINDS:
        raise ImproperlyConfigured(f"文件种类 {kind.key} 重复登记")
    DOCUMENT_KINDS[kind.key] = kind
    return kind


@dataclass
class Certified:
    """What a document certifies, already masked: labelled fields and optional tables (shown on the page)."""

    fields: list[tuple[str, str]] = field(default_factory=list)
    tables: list[dict] = field(default_factory=list)  # {"title", "headers": [...], "rows": [[...]]}

    def to_json(self) -> dict:
        """The summary stored with the issued document."""
        return {
            "fields": [[str(k), str(v)] for k, v in self.fields],
            "tables": [
                {
                    "title": str(t.get("title", "")),
                    "headers": [str(h) for h in t.get("headers", [])],
                    "rows": [[str(c) for c in row] for row in t.get("rows", [])],
                }
                for t in self.tables
            ],
        }


def _key() -> str:
    return getattr(settings, "SHEBAO_DOCUMENT_KEY", "") or settings.SECRET_KEY


def _signer() -> signing.Signer:
    return signing.Signer(key=_key(), salt=SIGNING_SALT, sep=".", algorithm="sha256")


def content_digest(
    *, kind: str, title: str, issuer: str, case_number: str, object_type: str, object_id: str, summary: dict
) -> str:
    """Keyed digest (HMAC-SHA256) of everything a document certifies; masked data cannot be guessed back from it."""
    canonical = json.dumps(
        {
            "kind": kind,
            "title": title,
            "issuer": issuer,
            "case": case_number,
            "object": [object_type, object_id],
            "summary": summary,
        },
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return salted_hmac(DIGEST_SALT, canonical, secret=_key(), algorithm="sha256").hexdigest()


def _row_digest(doc: IssuedDocument) -> str:
    return content_digest(
        kind=doc.kind,
        title=doc.title,
        issuer=doc.issuer,
        case_number=doc.case.number if doc.case_id else "",
        object_type=doc.object_type,
        object_id=doc.object_id,
        summary=doc.summary,
    )


def document_issue(
    *,
    kind: str,
    certified: Certified,
    agency: Agency | None,
    case: Case | None = None,
    object_type: str = "",
    object_id: str | int = "",
    actor=None,
) -> IssuedDocument:
    """Record a document being issued (a reprint of the same content gets the same row, hence the same code)."""
    if kind not in DOCUMENT_KINDS:
        raise ImproperlyConfigured(f"文件种类 {kind} 未登记")
    title = DOCUMENT_KINDS[kind].title
    issuer = agency.name if agency else ""
    summary = certified.to_json()
    digest = content_digest(
        kind=kind,
        title=title,
        issuer=issuer,
        case_number=case.number if case else "",
        object_type=object_type,
        object_id=str(object_id),
        summary=summary,
    )
    lookup = {"kind": kind, "object_type": object_type, "object_id": str(object_id), "digest": digest}
    existing = IssuedDocument.objects.filter(**lookup).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            return IssuedDocument.objects.create(
                **lookup,
                code="".join(secrets.choice(_CODE_ALPHABET) for _ in range(12)),
                title=title,
                case=case,
                agency=agency,
                issuer=issuer,
                issued_by=actor if getattr(actor, "pk", None) else None,
                summary=summary,
            )
    except IntegrityError:  # printed twice at the same moment: both get the first row
        return IssuedDocument.objects.get(**lookup)


def document_code(doc: IssuedDocument) -> str:
    """The signed verification code printed on the document."""
    return _signer().sign(f"{doc.code}-{doc.digest[:_DIGEST_IN_CODE]}")


def verification_path(doc: IssuedDocument) -> str:
    """Path of the public verification page of the document."""
    return reverse("core:verify-document", args=[document_code(doc)])


def verification_url(doc: IssuedDocument) -> str:
    """Absolute URL of the verification page (what the QR code holds), on `SHEBAO_PUBLIC_BASE_URL`."""
    base = getattr(settings, "SHEBAO_PUBLIC_BASE_URL", "") or "http://127.0.0.1:8000"
    return base.rstrip("/") + verification_path(doc)


@dataclass
class Verification:
    """Outcome of checking a code: valid with its document, or invalid with the reason and HTTP status."""

    valid: bool
    status: int
    reason: str = ""
    document: IssuedDocument | None = None

    @property
    def kind(self) -> DocumentKind | None:
        return DOCUMENT_KINDS.get(self.document.kind) if self.document else None


def document_verify(code: str) -> Verification:
    """Check a verification code: signature, known document, untampered content (never raises on bad input)."""
    code = (code or "").strip()
    if len(code) > 200:
        return Verification(False, 400, "核验码格式不正确")
    try:
        value = _signer().unsign(code)
    except signing.BadSignature:
        return Verification(False, 400, "核验码签名不符，可能是伪造或被篡改的文件")
    public_id, _, digest_part = value.partition("-")
    doc = IssuedDocument.objects.select_related("case", "agency").filter(code=public_id).first()
    if doc is None:
        return Verification(False, 404, "未找到该文件的出具记录")
    if not constant_time_compare(doc.digest[:_DIGEST_IN_CODE], digest_part) or not constant_time_compare(
        _row_digest(doc), doc.digest
    ):
        return Verification(False, 400, "文件内容与出具时的记录不一致，可能已被篡改")
    return Verification(True, 200, document=doc)


@checks.register(checks.Tags.security, deploy=True)
def check_public_base_url(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """`check --deploy`: the QR codes on printed documents must point at the public HTTPS address."""
    base = getattr(settings, "SHEBAO_PUBLIC_BASE_URL", "")
    if base.startswith("https://") and "127.0.0.1" not in base and "localhost" not in base:
        return []
    return [
        checks.Warning(
            f"SHEBAO_PUBLIC_BASE_URL（{base or '未设置'}）不是公众可访问的 https 网址：回执二维码无法打开核验页面",
            hint="设置环境变量 SHEBAO_PUBLIC_BASE_URL，如 https://shebao.example.gov.cn",
            id="shebao.W001",
        )
    ]
