# Parameters: whether a legal reference is confirmed is a flag for administrators, not a note in the text that
# clerks, employers and insured people read (legal references are printed in the due notes of cases).

import re

from django.db import migrations, models

_MARK = re.compile(r"\s*[（(]\s*(?:unverified|待核实)\s*[)）]", re.IGNORECASE)


def strip_markers(apps, schema_editor):
    Parameter = apps.get_model("core", "Parameter")
    Case = apps.get_model("core", "Case")
    for param in Parameter.objects.filter(legal_reference__iregex=r"unverified|待核实"):
        param.legal_reference = _MARK.sub("", param.legal_reference)
        param.verified = False
        param.save(update_fields=["legal_reference", "verified"])
    for case in Case.objects.filter(due_note__iregex=r"unverified|待核实").only("pk", "due_note"):
        case.due_note = _MARK.sub("", case.due_note)
        case.save(update_fields=["due_note"])


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_merge_20261128_0424"),
    ]

    operations = [
        migrations.AddField(
            model_name="parameter",
            name="verified",
            field=models.BooleanField(
                default=True,
                help_text="政策依据是否已与正式文件核对；仅机构管理员可见，不向经办人员和群众显示",
                verbose_name="依据已核实",
            ),
        ),
        migrations.RunPython(strip_markers, migrations.RunPython.noop),
    ]
