"""`manage.py signing_setup`: create the demo CA and agency signing certificate (idempotent; never in production)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from shebao.core.signing import certificate_info, create_demo_material, signing_dir, signing_required

DEFAULT_AGENCY = "社会保险经办机构"


def default_agency_name() -> str:
    """The name the certificate carries: the top agency of the tree (the city), else a generic name."""
    from django.db import DatabaseError

    from shebao.core.models import Agency

    try:
        top = Agency.objects.filter(parent__isnull=True).order_by("path").first()
    except DatabaseError:  # not migrated yet
        return DEFAULT_AGENCY
    return top.name if top else DEFAULT_AGENCY


class Command(BaseCommand):
    help = (
        "在 SHEBAO_SIGNING_DIR（默认 var/signing）生成演示用的 CA 证书和经办机构签名证书"
        "（ca.pem、agency.key、agency.pem），已存在则不变。仅用于开发和演示；生产环境请配置正式证书。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--agency", default="", help="证书主体名称（CN），默认取机构树顶层机构的名称")
        parser.add_argument("--renew", action="store_true", help="重新签发机构证书（CA 不变）")

    def handle(self, *args, agency: str = "", renew: bool = False, **options) -> None:
        if signing_required():
            raise CommandError("SHEBAO_SIGNING_REQUIRED 已开启（生产环境）：不生成演示证书，请配置正式的签名证书")
        directory = signing_dir()
        created = create_demo_material(directory, agency_name=agency or default_agency_name(), renew_agency=renew)
        info = certificate_info()
        what = "、".join(k for k, v in (("演示 CA", created["ca"]), ("机构证书", created["agency"])) if v)
        head = f"已生成{what}" if what else "签名证书已存在，未做修改"
        self.stdout.write(self.style.SUCCESS(f"{head}（{directory}）"))
        if info:
            self.stdout.write(f"主体：{info.subject}\n有效期至：{info.not_after:%Y-%m-%d}\nSHA-256：{info.sha256}")
