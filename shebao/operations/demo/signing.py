"""111002 数字认证 demo: the demo CA and the city agency's signing certificate in `SHEBAO_SIGNING_DIR`
(idempotent, the same as `manage.py signing_setup`; never when signing material is required, i.e. production)."""

from __future__ import annotations

from shebao.core.signing import create_demo_material, signing_dir, signing_required


def load(ctx) -> None:
    """Make sure the demo documents are signed: create the demo CA and agency certificate if missing."""
    if signing_required():
        return
    city = ctx.agencies.get("city")
    create_demo_material(signing_dir(), agency_name=city.name if city else "社会保险经办机构")
