"""The API base of every business item: "submit a case for item X (on object Y)".

    class PersonTerminateApi(ItemCaseApi):
        \"\"\"01010203 社会保险关系终止: …\"\"\"

        item_code = "01010203"
        summary = "01010203 社会保险关系终止"

        class InputSerializer(serializers.Serializer):
            reason = StrictChoiceField(choices=TerminationReason.choices)
            ...

        def get_subject(self, request, person_id):
            return person_get_for(actor=request.user, person_id=person_id)

        def submit(self, request, data, person):
            return person_terminate(actor=request.user, person=person, **data)

The base checks the handle grant before anything else (403), parses the body strictly (unknown fields refused),
fetches the subject within scope (404), calls the one service and answers 201 with the case. Its OpenAPI
operation (summary, request, the documented 4xx responses) is declared once, here. An operation whose service
returns more than a case (a bulk upload with rejected rows) overrides `respond` and `schema_responses`.

申请材料: when the item declares a materials checklist, the body may carry them, in one of two forms:
- JSON: the item's fields plus `materials_waiver` (容缺受理 reason, staff at the window only) — no files;
- `multipart/form-data`: the same fields as form fields (lists as repeated keys, `name[0]`; objects as
  `name.<key>`; lists of objects as `name[0]<key>`, e.g. `lines[0]receivable`), `materials_waiver`, and the
  files: `material_<n>` is the n-th material (from 1) of the item's 申请材料清单, one file each
  (pdf/jpg/png/xlsx, size-capped, content checked).
The grant is checked before the body (and any upload in it) is parsed. `submit` passes `self.materials` (what was
handed in) to the service, which passes it on to `case_open`: a window case without its required materials is
refused (400, field `materials`) unless `materials_waiver` gives the reason. An operation that takes no materials
(the bulk roster upload: see decisions.md) sets `takes_materials = False`.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser, MultiPartParser

from ..access import require_grant
from ..choices import Action
from ..errors import ApplicationError
from ..materials import (
    WAIVER_FIELD,
    WAIVER_MAX_LENGTH,
    SubmittedMaterials,
    is_materials_field,
    material_fields,
    with_materials_errors,
)
from ..records import channel_for
from .base import ShebaoApi, StrictCharField, responses
from .serializers import CaseDetailSerializer, case_response

JSON, MULTIPART = "application/json", "multipart/form-data"


class ItemCaseSchema(AutoSchema):
    """The request body of an item's operation: JSON and, for an item with materials, multipart with the files.

    Built when the schema is generated (the registry is complete by then), from the operation class's
    `input_serializers()`.
    """

    api_class: type[ItemCaseApi] | None = None

    def get_request_serializer(self):
        api = self.api_class
        return (
            api.input_serializers() if api.takes_materials and material_fields(api.item_code) else api.InputSerializer
        )


def _with_meta(name: str, bases: tuple, attrs: dict, ref_name: str) -> type:
    meta_base = getattr(bases[0], "Meta", object)
    return type(name, bases, {**attrs, "Meta": type("Meta", (meta_base,), {"ref_name": ref_name})})


class ItemCaseApi(ShebaoApi):
    """Base of the APIs that open a case of one catalogue item (set `item_code`, `InputSerializer`, `submit`)."""

    item_code: str = ""
    summary: str = ""
    action: str = Action.HANDLE
    parser_classes = (JSONParser, MultiPartParser)
    takes_materials = True  # the item's 申请材料清单 may come with the body (files, 容缺受理)
    materials: SubmittedMaterials | None = None  # what was handed in with the application (set on POST)

    class InputSerializer(serializers.Serializer):
        """No input."""

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.item_code:
            return
        cls.catalog_codes = (cls.item_code,)
        if "post" not in cls.__dict__:  # document the shared `post` once per subclass, with its own serializer

            def post(self, request, *args, **kw):
                return ItemCaseApi._post(self, request, *args, **kw)

            post.__doc__ = cls.__doc__
            post.kwargs = {"schema": type(f"{cls.__name__}Schema", (ItemCaseSchema,), {"api_class": cls})}
            cls.post = extend_schema(
                summary=cls.summary or f"{cls.item_code}",
                responses=cls.schema_responses(),
            )(post)

    @classmethod
    def input_serializers(cls) -> dict[str, type[serializers.Serializer]]:
        """Media type → input serializer: `InputSerializer` (+ `materials_waiver`) for JSON, and for an item with a
        materials checklist the same plus a `material_<n>` file field per material for multipart."""
        built = cls.__dict__.get("_input_serializers")
        if built is not None:
            return built
        stem = cls.__name__.removesuffix("Api")
        base = cls.InputSerializer
        checklist = material_fields(cls.item_code) if cls.takes_materials else []
        if not checklist:
            built = {JSON: base, MULTIPART: base}
        else:
            waiver = StrictCharField(
                required=False,
                allow_blank=True,
                max_length=WAIVER_MAX_LENGTH,
                help_text="容缺受理原因（仅窗口经办人员）：缺少必交材料时填写，受理后尚欠材料在业务经办单上列出",
            )
            json_input = _with_meta("InputSerializer", (base,), {WAIVER_FIELD: waiver}, f"{stem}Input")
            files = {
                key: serializers.FileField(
                    required=False,
                    allow_empty_file=True,
                    max_length=255,
                    help_text=f"申请材料{key.removeprefix('material_')}：{m.name}"
                    + ("（窗口受理必交，或填写 materials_waiver）" if m.required else "（如有）")
                    + (f"。{m.note}" if m.note else ""),
                )
                for key, m in checklist
            }
            multipart = _with_meta("InputSerializer", (json_input,), files, f"{stem}MultipartInput")
            built = {JSON: json_input, MULTIPART: multipart}
        cls._input_serializers = built
        return built

    @classmethod
    def schema_responses(cls) -> dict:
        """The documented responses: 201 with the case, and the errors."""
        return responses({201: CaseDetailSerializer}, body=True)

    def get_subject(self, request, **kwargs):
        """The scoped object the case is about (a unit, a person), or None for items that create one."""
        return None

    def submit(self, request, data: dict, subject):
        """Call the item's service and return the case."""
        raise NotImplementedError

    def respond(self, request, result):
        """The answer to a successful `submit`: 201 with the case."""
        return case_response(result, request, code=status.HTTP_201_CREATED)

    def _post(self, request, *args, **kwargs):
        require_grant(request.user, self.item_code, self.action)  # the grant before any work (and any upload)
        inputs = self.input_serializers()
        media = MULTIPART if (request.content_type or "").startswith(MULTIPART) else JSON
        data = dict(self.parse_body(inputs.get(media, inputs[JSON])))
        waiver = data.pop(WAIVER_FIELD, None)
        files = {key: data.pop(key) for key in [k for k in data if is_materials_field(k)]}
        self.materials = SubmittedMaterials.from_fields(self.item_code, files, waiver)
        subject = self.get_subject(request, **kwargs)
        try:
            result = self.submit(request, data, subject)
        except ApplicationError as exc:
            if not self.takes_materials:
                raise
            merged = with_materials_errors(
                exc, item_code=self.item_code, channel=channel_for(request.user), materials=self.materials
            )
            if merged is exc:
                raise
            raise merged from None
        return self.respond(request, result)
