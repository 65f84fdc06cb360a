"""申请材料清单: which documents a case of each item needs (declared per item), what came with it, what is owed.

A window case (staff at the counter) must come with a file for each required material of its item, unless the
clerk records 容缺受理 (accepting with materials owed) and its reason; the case page lists what is still owed
until it arrives. `case_open` checks every case this way (`materials_check`), so no item needs code of its own:
its services take `materials: SubmittedMaterials | None` and pass it on to `case_open`.

Online applications (employers, insured people) and batch cases (a roster workbook covering many people) are not
refused here: the clerk checks the materials when accepting them, and the case page shows what is owed.

Field names are the same in the service's errors, the UI form and the API's multipart body: `material_<n>` is
the n-th material (from 1) of the item's checklist, `materials_waiver` the 容缺受理 reason, and `materials` the
refusal that lists what is missing.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from . import validation as v
from .choices import Channel
from .errors import ApplicationError
from .items import Material, materials_for
from .uploads import validate_upload

MATERIALS_FIELD = "materials"
WAIVER_FIELD = "materials_waiver"
WAIVER_MAX_LENGTH = 200  # Case.materials_waiver
_FIELD_PREFIX = "material_"


def material_field(index: int) -> str:
    """The form / API field of the index-th material (from 1) of an item's checklist: `material_<index>`."""
    return f"{_FIELD_PREFIX}{index}"


def material_fields(item_code: str) -> list[tuple[str, Material]]:
    """(`material_<n>`, material) for each material of the item's checklist, in order."""
    return [(material_field(i), m) for i, m in enumerate(materials_for(item_code), start=1)]


def is_materials_field(name: str) -> bool:
    """Whether an error or form key belongs to the materials part of a submission."""
    return name in (MATERIALS_FIELD, WAIVER_FIELD) or (
        name.startswith(_FIELD_PREFIX) and name[len(_FIELD_PREFIX) :].isdigit()
    )


def required_materials(item_code: str) -> list[Material]:
    """The materials of the item that every case must have."""
    return [m for m in materials_for(item_code) if m.required]


@dataclass(frozen=True)
class MaterialFile:
    """One file handed in with an application: the material's name in the item's checklist and the upload."""

    name: str
    upload: object  # an UploadedFile (name, size, read, seek)


@dataclass(frozen=True)
class SubmittedMaterials:
    """申请材料 handed in with an application: files per checklist material, and the clerk's 容缺受理 reason.

    `waiver` is None when no 容缺受理 was recorded; any text (even blank, which is refused) means the clerk asks
    to accept the case with the missing materials owed.
    """

    files: tuple[MaterialFile, ...] = ()
    waiver: str | None = None

    @classmethod
    def from_fields(cls, item_code: str, files: Mapping[str, object], waiver: str | None = None):
        """From `material_<n>` fields of a form or multipart body (empty fields skipped); unknown n is refused."""
        by_field = dict(material_fields(item_code))
        chosen = []
        for key, upload in files.items():
            if upload in (None, ""):
                continue
            material = by_field.get(key)
            if material is None:
                raise ApplicationError(f"{key} 不是该业务的申请材料", field=MATERIALS_FIELD)
            chosen.append(MaterialFile(material.name, upload))
        return cls(files=tuple(chosen), waiver=waiver)

    @property
    def names(self) -> list[str]:
        """The material names of the files, as given."""
        return [f.name for f in self.files]


@dataclass(frozen=True)
class CheckedFile:
    """A submitted file that passed the type, size and content checks (its bytes read once)."""

    name: str  # the material's name: the attachment's kind
    original_name: str
    data: bytes
    ext: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class CheckedMaterials:
    """What `case_open` stores: the checked files, the 容缺受理 reason (when materials are owed), what is owed."""

    files: tuple[CheckedFile, ...] = ()
    waiver: str = ""
    missing: tuple[str, ...] = field(default_factory=tuple)


def _missing_message(missing: Iterable[str]) -> str:
    return f"缺少申请材料：{'、'.join(missing)}。请上传，或选择「容缺受理」并填写原因"


def materials_check(*, item_code: str, channel: str, materials: SubmittedMaterials | None) -> CheckedMaterials:
    """Check what came with a case (writes nothing): files of the checklist, the waiver, what is missing.

    A window case missing a required material is refused naming `materials`, unless 容缺受理 is recorded with a
    reason (NFKC-normalised, not blank, no control characters, at most 200 characters). Every problem is
    reported at once: a bad file under its `material_<n>`, a bad reason under `materials_waiver`.
    """
    materials = materials or SubmittedMaterials()
    errors = v.Errors()
    index = {m.name: i for i, m in enumerate(materials_for(item_code), start=1)}
    checked: list[CheckedFile] = []
    for f in materials.files:
        name = unicodedata.normalize("NFKC", str(f.name or "")).strip()
        if name not in index:
            expected = "、".join(index) or "无"
            errors.add(MATERIALS_FIELD, f"「{name[:50]}」不是该业务的申请材料（申请材料清单：{expected}）")
            continue
        key = material_field(index[name])
        upload = f.upload
        if hasattr(upload, "seek"):
            upload.seek(0)  # the same upload may be checked twice (the form's all-at-once report)
        result = errors.capture(validate_upload, upload, field=key)
        if result is not None:
            data, ext = result
            checked.append(CheckedFile(name, str(getattr(upload, "name", "") or "")[:255], data, ext))
    waiver = ""
    if materials.waiver is not None:
        if channel != Channel.WINDOW:
            errors.add(WAIVER_FIELD, "容缺受理只能由经办机构工作人员在窗口受理时办理")
        else:
            waiver = errors.capture(
                v.required,
                materials.waiver,
                WAIVER_FIELD,
                "容缺受理原因",
                max_length=WAIVER_MAX_LENGTH,
                multiline=True,
            )
    have = {f.name for f in materials.files}
    missing = tuple(m.name for m in required_materials(item_code) if m.name not in have)
    if missing and channel == Channel.WINDOW and materials.waiver is None:
        errors.add(MATERIALS_FIELD, _missing_message(missing))
    errors.raise_if_any()
    return CheckedMaterials(files=tuple(checked), waiver=(waiver or "") if missing else "", missing=missing)


def with_materials_errors(
    exc: ApplicationError, *, item_code: str, channel: str, materials: SubmittedMaterials | None
) -> ApplicationError:
    """A service's 400 plus the materials' own problems, so that a form reports every problem at once.

    Services check their fields before `case_open` checks the materials; when a field is wrong the materials were
    not looked at yet. This runs the same pure check and merges its errors (nothing is written either way).
    """
    if exc.status_code != 400 or any(is_materials_field(k) for k in exc.errors):
        return exc
    try:
        materials_check(item_code=item_code, channel=channel, materials=materials)
    except ApplicationError as more:
        errors = {k: list(msgs) for k, msgs in exc.errors.items()} or {"non_field_errors": [exc.message]}
        for key, msgs in more.errors.items():
            errors.setdefault(key, []).extend(msgs)
        return ApplicationError(exc.message, errors=errors)
    return exc


def materials_owed(case) -> list[str]:
    """Required materials of the case's item not yet among its attachments (shown on the case page)."""
    required = required_materials(case.item_id)
    if not required:
        return []
    have = set(case.attachments.values_list("kind", flat=True))
    return [m.name for m in required if m.name not in have]
