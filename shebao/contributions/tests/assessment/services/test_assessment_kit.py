"""020301 应缴额核定 through the batch item kit (`shebao.testing_batch.BatchItemTestCase`, an `ItemTestCase`)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from shebao.contributions.models import Receivable
from shebao.contributions.services.assessment import assessment_start
from shebao.testing import Submission
from shebao.testing_batch import BatchItemTestCase

from ..builders import unit

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("020301")]


class TestAssessmentKit(BatchItemTestCase):
    item_code = "020301"
    bad_field = "month"
    saved_models = (Receivable,)

    def prepare(self, kit):
        return unit(kit.agencies["a"], persons=2, bases=("6000.00",))

    def start(self, kit, prepared):
        return Submission(
            service=assessment_start,
            kwargs={"region": "330102", "month": "2026-10"},
            api_url=reverse("api-contributions:assessments"),
            api_body={"region": "330102", "month": "2026-10"},
            ui_url=reverse("contributions:assessment-home"),
            ui_form={"region": "330102", "month": "2026-10"},
        )

    def bad_start(self, kit, prepared):
        return Submission(
            service=assessment_start,
            kwargs={"region": "330102", "month": "2026-13"},
            api_url=reverse("api-contributions:assessments"),
            api_body={"region": "330102", "month": "2026-13"},
            ui_url=reverse("contributions:assessment-home"),
            ui_form={"region": "330102", "month": "2026-13"},
        )

    def check_done(self, kit, prepared, run):
        _employer, people = prepared
        lines = Receivable.objects.filter(batch_run=run)
        assert lines.count() == 2 * 4  # 110 210 310 410 for each of the two employees
        assert {r.person_id for r in lines} == {p.pk for p in people}
        pension = lines.get(person=people[0], insurance_type_id="110")
        assert (pension.employer_amount, pension.individual_amount) == (Decimal("960.00"), Decimal("480.00"))
