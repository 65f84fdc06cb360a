"""Digital signatures of issued PDF documents (回执, 证明, 通知书): sign with the agency certificate, check a file.

`sign_pdf(pdf, reason=…, location=…)` adds a PAdES baseline-B signature (CMS, SHA-256, the signing time in the
signature dictionary) as an incremental update; `core.documents.render_pdf` calls it, so every issued PDF is signed.
`verify_pdf(pdf)` checks a file with pyHanko's validator against the configured CA as the only trust root and
answers a `SignatureReport`: valid or not, signer, signing time, whether the file changed after signing and
whether the certificate chains to the CA.

Key material (PEM files), from the settings:
- `SHEBAO_SIGNING_KEY_FILE`, `SHEBAO_SIGNING_CERT_FILE`, `SHEBAO_SIGNING_CA_FILE`, each defaulting to
  `agency.key`, `agency.pem`, `ca.pem` in `SHEBAO_SIGNING_DIR` (default `var/signing`);
- `SHEBAO_SIGNING_KEY_PASSPHRASE`: the key's passphrase when it is encrypted;
- `SHEBAO_SIGNING_REQUIRED`: when true (production), issuing a document without key material raises
  `SigningUnavailable` and `check --deploy` reports error shebao.E010; when false (development, tests) the document
  is issued unsigned with a logged warning.

`create_demo_material(directory, agency_name=…)` writes a demo CA and agency certificate (used by
`manage.py signing_setup` and the tests); never use them for real documents.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import hashlib
import io
import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

DEMO_ORGANISATION = "Shebao 演示 CA (demo)"
DEMO_CA_NAME = "Shebao Demo Root CA (演示，勿用于正式文件)"
SIGNATURE_FIELD = "ShebaoSignature"
SIGNATURE_RESERVED_BYTES = 8192


def _outside_event_loop(fn):
    """Run `fn()` where no asyncio loop is running: pyHanko's synchronous API calls `asyncio.run`, which fails in
    a thread that already runs a loop (an async context, Playwright's sync API in tests): then a worker thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn()
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn).result()


class SigningUnavailable(ImproperlyConfigured):
    """Issuing needs a signature but no usable key material is configured."""


@dataclass(frozen=True)
class SigningPaths:
    """Where the signing key, the agency certificate and the trusted CA certificate are read from."""

    key: Path
    cert: Path
    ca: Path

    @property
    def complete(self) -> bool:
        return self.key.is_file() and self.cert.is_file() and self.ca.is_file()

    def stamp(self) -> tuple:
        """What identifies this material on disk (paths and modification times): a renewal is picked up at once."""
        return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in (self.key, self.cert, self.ca))


def signing_dir() -> Path:
    """The directory of the signing material (`SHEBAO_SIGNING_DIR`, default `var/signing`)."""
    configured = getattr(settings, "SHEBAO_SIGNING_DIR", "") or Path(settings.BASE_DIR) / "var" / "signing"
    return Path(configured)


def signing_paths() -> SigningPaths:
    """The configured key, certificate and CA files (explicit file settings win over the directory)."""
    base = signing_dir()

    def pick(setting: str, default: str) -> Path:
        value = getattr(settings, setting, "")
        return Path(value) if value else base / default

    return SigningPaths(
        key=pick("SHEBAO_SIGNING_KEY_FILE", "agency.key"),
        cert=pick("SHEBAO_SIGNING_CERT_FILE", "agency.pem"),
        ca=pick("SHEBAO_SIGNING_CA_FILE", "ca.pem"),
    )


def signing_required() -> bool:
    """True when a document may not be issued unsigned (`SHEBAO_SIGNING_REQUIRED`)."""
    return bool(getattr(settings, "SHEBAO_SIGNING_REQUIRED", False))


# ----------------------------------------------------------------------------------------------------------------
# Signing
# ----------------------------------------------------------------------------------------------------------------

_lock = threading.Lock()
_cache: dict[str, tuple[tuple, object]] = {}


def _signer_class():
    """pyHanko's SimpleSigner that parses its private key once instead of at every signature.

    SimpleSigner.sign_raw loads the key from DER for each signature; for RSA that runs OpenSSL's key consistency
    check (≈ 100–200 ms here), which dominated the cost of signing a receipt.
    """
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ec import ECDSA, EllipticCurvePrivateKey
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from pyhanko.sign import signers
    from pyhanko.sign.general import get_pyca_cryptography_hash

    class KeyOnceSigner(signers.SimpleSigner):
        _pyca_key = None

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            try:
                mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
            except ValueError:
                return super().sign_raw(data, digest_algorithm)
            if self._pyca_key is None:
                self._pyca_key = serialization.load_der_private_key(self.signing_key.dump(), password=None)
            key, hash_algo = self._pyca_key, get_pyca_cryptography_hash(digest_algorithm)
            if mechanism == "rsassa_pkcs1v15" and isinstance(key, RSAPrivateKey):
                return key.sign(data, PKCS1v15(), hash_algo)
            if mechanism == "ecdsa" and isinstance(key, EllipticCurvePrivateKey):
                return key.sign(data, ECDSA(hash_algo))
            return super().sign_raw(data, digest_algorithm)  # any other mechanism: pyHanko's own path

    return KeyOnceSigner


def _load_signer(paths: SigningPaths):
    """The pyHanko signer for the material on disk, loaded once per process and reloaded when the files change."""
    from pyhanko.sign import signers

    stamp = paths.stamp()
    with _lock:
        cached = _cache.get("signer")
        if cached and cached[0] == stamp:
            return cached[1]
        passphrase = getattr(settings, "SHEBAO_SIGNING_KEY_PASSPHRASE", "") or None
        loaded = signers.SimpleSigner.load(
            key_file=str(paths.key),
            cert_file=str(paths.cert),
            ca_chain_files=(str(paths.ca),),
            key_passphrase=passphrase.encode() if passphrase else None,
        )
        if loaded is None:
            raise SigningUnavailable(f"签名密钥或证书无法读取（{paths.key}、{paths.cert}）")
        signer = _signer_class()(
            signing_cert=loaded.signing_cert, signing_key=loaded.signing_key, cert_registry=loaded.cert_registry
        )
        _cache["signer"] = (stamp, signer)
        return signer


def sign_pdf(pdf_bytes: bytes, *, reason: str, location: str = "") -> bytes:
    """The PDF with the agency's signature added (PAdES B-B, SHA-256, signing time embedded).

    Without key material: `SigningUnavailable` when signing is required, otherwise the PDF unchanged (logged).
    """
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    paths = signing_paths()
    if not paths.complete:
        if signing_required():
            raise SigningUnavailable(
                f"未配置文件签名的密钥和证书（{paths.key}、{paths.cert}、{paths.ca}），不能出具文件"
            )
        logger.warning("signing material missing in %s: document issued unsigned", signing_dir())
        return pdf_bytes
    signer = _load_signer(paths)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes), strict=False)
    meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        md_algorithm="sha256",
        reason=reason[:200] or None,
        location=location[:200] or None,
        subfilter=fields.SigSeedSubFilter.PADES,
    )
    # A fixed reservation for the CMS container (RSA-2048 signature + 2 certificates ≈ 3.5 KB): pyHanko otherwise
    # estimates it with a dummy signature, which doubles the signing time.
    pdf_signer = signers.PdfSigner(meta, signer=signer)
    out = _outside_event_loop(lambda: pdf_signer.sign_pdf(writer, bytes_reserved=SIGNATURE_RESERVED_BYTES))
    return out.getvalue()


# ----------------------------------------------------------------------------------------------------------------
# Checking
# ----------------------------------------------------------------------------------------------------------------


@dataclass
class SignatureReport:
    """Outcome of checking an uploaded PDF's signature (all False/empty when the file carries none)."""

    signed: bool = False
    valid: bool = False  # intact, cryptographically valid, trusted and not modified after signing
    intact: bool = False  # the signed bytes still hash to the signed digest
    trusted: bool = False  # the signer's certificate chains to the configured CA
    modified: bool = False  # something was changed or appended after signing
    signer: str = ""  # the signer certificate's CN
    organisation: str = ""
    issuer: str = ""
    signing_time: dt.datetime | None = None
    reason: str = ""
    location: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        """签名有效 / 签名无效：… in one line."""
        if self.valid:
            return "签名有效"
        return "签名无效：" + "；".join(self.problems or ["未通过核验"])

    def as_dict(self) -> dict:
        """The report as JSON-ready data (what the API answers)."""
        return {
            "signed": self.signed,
            "valid": self.valid,
            "intact": self.intact,
            "trusted": self.trusted,
            "modified_after_signing": self.modified,
            "signer": self.signer,
            "organisation": self.organisation,
            "issuer": self.issuer,
            "signing_time": self.signing_time.isoformat() if self.signing_time else None,
            "reason": self.reason,
            "location": self.location,
            "summary": self.summary,
            "problems": list(self.problems),
        }


def _cn(name) -> str:
    native = name.native if name is not None else {}
    return str(native.get("common_name", "")) if isinstance(native, dict) else ""


def _validation_context(paths: SigningPaths):
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko_certvalidator import ValidationContext

    roots = [load_cert_from_pemder(str(paths.ca))] if paths.ca.is_file() else []
    # No network: revocation is not fetched (the demo CA publishes no CRL); soft-fail keeps the chain check.
    return ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")


def verify_pdf(pdf_bytes: bytes) -> SignatureReport:
    """Check the signature of a PDF against the configured CA (never raises on a bad or unsigned file)."""
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    report = SignatureReport()
    try:
        reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
        signatures = reader.embedded_signatures
    except Exception as exc:
        logger.info("uploaded PDF unreadable: %s", exc)
        report.problems.append("文件不是可读取的 PDF，或已损坏")
        return report
    if not signatures:
        report.problems.append("文件没有数字签名")
        return report
    sig = signatures[-1]
    report.signed = True
    try:
        cert = sig.signer_cert
        report.signer = _cn(cert.subject)
        report.organisation = str(cert.subject.native.get("organization_name", ""))
        report.issuer = _cn(cert.issuer)
    except Exception:
        report.problems.append("签名中没有可读取的签名证书")
    sig_dict = sig.sig_object
    report.reason = str(sig_dict.get("/Reason", "") or "")
    report.location = str(sig_dict.get("/Location", "") or "")
    try:
        report.signing_time = sig.self_reported_timestamp
    except Exception:
        report.signing_time = None
    if len(signatures) > 1:
        report.problems.append("文件包含多个签名")
    try:
        context = _validation_context(signing_paths())
        status = _outside_event_loop(lambda: validate_pdf_signature(sig, context))
    except (SignatureValidationError, PdfReadError, ValueError, KeyError, TypeError) as exc:
        logger.info("signature validation failed: %s", exc)
        report.problems.append("签名数据损坏，无法核验")
        return report
    report.intact = bool(status.intact)
    report.trusted = bool(status.trusted)
    if status.signer_reported_dt and not report.signing_time:
        report.signing_time = status.signer_reported_dt
    report.modified = status.coverage != SignatureCoverageLevel.ENTIRE_FILE
    if not status.intact:
        report.problems.append("签名后文件内容被修改（摘要不符）")
    elif not status.valid:
        report.problems.append("签名值不正确")
    if report.modified and status.intact:
        report.problems.append("签名后文件被追加或修改")
    if status.intact and not status.trusted:
        report.problems.append("签名证书不能追溯到本系统配置的认证机构（CA）")
    report.valid = bool(status.intact and status.valid and status.trusted and not report.modified)
    if report.valid:
        report.problems = [p for p in report.problems if p != "文件包含多个签名"]
    return report


# ----------------------------------------------------------------------------------------------------------------
# The configured certificate, and demo material
# ----------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CertificateInfo:
    """What the agency page shows of the current signing certificate."""

    subject: str
    issuer: str
    not_before: dt.datetime
    not_after: dt.datetime
    serial: str
    sha256: str
    demo: bool
    path: str


def _name_text(name) -> str:
    return ", ".join(attr.rfc4514_string() for attr in reversed(list(name)))


def certificate_info() -> CertificateInfo | None:
    """The configured signing certificate (None when there is none)."""
    paths = signing_paths()
    if not paths.cert.is_file():
        return None
    return certificate_info_of(paths.cert.read_bytes(), path=str(paths.cert))


def _write_private(path: Path, data: bytes) -> None:
    """Write a secret file readable by its owner only (mode 0600 from creation on)."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def _write_public(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def create_demo_material(directory: Path, *, agency_name: str, renew_agency: bool = False) -> dict[str, bool]:
    """Write a demo CA (`ca.pem`, `ca.key`) and an agency certificate (`agency.pem`, `agency.key`) into `directory`.

    Idempotent: existing files are kept (`renew_agency` re-issues the agency key and certificate under the same CA).
    Returns which files were created.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    ca_pem, ca_key_path = directory / "ca.pem", directory / "ca.key"
    key_path, cert_path = directory / "agency.key", directory / "agency.pem"
    created = {"ca": False, "agency": False}
    now = dt.datetime.now(dt.UTC)
    pem = serialization.Encoding.PEM
    no_enc = serialization.NoEncryption()

    if not (ca_pem.is_file() and ca_key_path.is_file()):
        ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        ca_name = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, DEMO_ORGANISATION),
                x509.NameAttribute(NameOID.COMMON_NAME, DEMO_CA_NAME),
            ]
        )
        ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
        ca_cert = (
            x509.CertificateBuilder()
            .subject_name(ca_name)
            .issuer_name(ca_name)
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(ski, critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        _write_private(ca_key_path, ca_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, no_enc))
        _write_public(ca_pem, ca_cert.public_bytes(pem))
        created["ca"] = True
        renew_agency = True  # a new CA: the old agency certificate no longer chains to it

    if renew_agency or not (key_path.is_file() and cert_path.is_file()):
        key_pem, cert_pem = build_demo_agency_certificate(directory, agency_name=agency_name)
        write_agency_material(directory, key_pem=key_pem, cert_pem=cert_pem)
        created["agency"] = True
    return created


def build_demo_agency_certificate(directory: Path, *, agency_name: str) -> tuple[bytes, bytes]:
    """A new agency key and certificate (PEM) issued by the demo CA in `directory` (nothing written)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    ca_key = serialization.load_pem_private_key((directory / "ca.key").read_bytes(), password=None)
    ca_cert = x509.load_pem_x509_certificate((directory / "ca.pem").read_bytes())
    now = dt.datetime.now(dt.UTC)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, DEMO_ORGANISATION),
                    x509.NameAttribute(NameOID.COMMON_NAME, agency_name[:64]),
                ]
            )
        )
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=825))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # nonRepudiation
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())  # type: ignore[arg-type]
    )
    pem = serialization.Encoding.PEM
    key_pem = key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return key_pem, cert.public_bytes(pem)


def write_agency_material(directory: Path, *, key_pem: bytes, cert_pem: bytes) -> None:
    """Replace the agency key (mode 0600) and certificate in `directory`; the next signature uses them."""
    _write_private(directory / "agency.key", key_pem)
    _write_public(directory / "agency.pem", cert_pem)


def certificate_info_of(cert_pem: bytes, *, path: str = "") -> CertificateInfo:
    """What the agency page shows of a PEM certificate."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    cert = x509.load_pem_x509_certificate(cert_pem)
    org = cert.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)
    return CertificateInfo(
        subject=_name_text(cert.subject),
        issuer=_name_text(cert.issuer),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        serial=format(cert.serial_number, "x"),
        sha256=cert.fingerprint(hashes.SHA256()).hex(":").upper(),
        demo=bool(org) and org[0].value == DEMO_ORGANISATION,
        path=path,
    )


def pdf_sha256(pdf_bytes: bytes) -> str:
    """Hex SHA-256 of a file (logged with a check, never the file itself)."""
    return hashlib.sha256(pdf_bytes).hexdigest()


# ----------------------------------------------------------------------------------------------------------------
# System check
# ----------------------------------------------------------------------------------------------------------------


@checks.register(checks.Tags.security, deploy=True)
def check_signing_material(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """`check --deploy`: documents are signed with real key material, or the operator said they need not be."""
    paths = signing_paths()
    if paths.complete:
        info = certificate_info()
        if info and info.demo:
            return [
                checks.Warning(
                    "文件签名使用的是演示证书（Shebao 演示 CA），不能用于正式文件",
                    hint="配置机构的正式证书：SHEBAO_SIGNING_KEY_FILE / _CERT_FILE / _CA_FILE",
                    id="shebao.W010",
                )
            ]
        return []
    if signing_required():
        return [
            checks.Error(
                f"未配置文件签名的密钥和证书（{paths.key}、{paths.cert}、{paths.ca}）：出具回执、证明将失败",
                hint="设置 SHEBAO_SIGNING_DIR 或 SHEBAO_SIGNING_KEY_FILE / _CERT_FILE / _CA_FILE；"
                "仅做配置检查时可设 SHEBAO_SIGNING_REQUIRED=false",
                id="shebao.E010",
            )
        ]
    return [
        checks.Info(
            "未配置文件签名的密钥和证书，且 SHEBAO_SIGNING_REQUIRED=false：出具的文件不带数字签名",
            id="shebao.I010",
        )
    ]
