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
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser

from ..access import require_grant
from ..choices import Action
from .base import ShebaoApi, responses
from .serializers import CaseDetailSerializer, case_response


class ItemCaseApi(ShebaoApi):
    """Base of the APIs that open a case of one catalogue item (set `item_code`, `InputSerializer`, `submit`)."""

    item_code: str = ""
    summary: str = ""
    action: str = Action.HANDLE
    parser_classes = (JSONParser,)

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
            cls.post = extend_schema(
                summary=cls.summary or f"{cls.item_code}",
                request=cls.InputSerializer,
                responses=cls.schema_responses(),
            )(post)

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
        require_grant(request.user, self.item_code, self.action)  # the grant before any work
        data = self.parse_body(self.InputSerializer)
        subject = self.get_subject(request, **kwargs)
        result = self.submit(request, data, subject)
        return self.respond(request, result)
