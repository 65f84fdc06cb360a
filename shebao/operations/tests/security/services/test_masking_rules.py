"""1107 masking rules as core applies them: each rule on each kind of field, the defaults, a non-entitled viewer,
anonymous users, and the rule source registered by the operations app (rows in MaskingRule)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from shebao.conftest import make_user
from shebao.core.choices import Role
from shebao.core.masking import DEFAULT_RULES, HIDDEN_TEXT, apply_rule, mask_for, rules_for_role
from shebao.operations.models import MaskingRule

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("1107")]

ID = "110105198001010011"


@pytest.mark.parametrize(
    ("rule", "kind", "value", "shown"),
    [
        ("full", "id_number", ID, ID),
        ("mask_middle", "id_number", ID, "110105********0011"),
        ("last4", "id_number", ID, "**************0011"),
        ("hidden", "id_number", ID, HIDDEN_TEXT),
        ("mask_middle", "phone", "13800135678", "138****5678"),
        ("mask_middle", "name", "张三丰", "张**"),
        ("mask_middle", "address", "浙江省杭州市上城区解放路1号", "浙江省杭州市****"),
        ("last4", "bank_account", "6222020200001234567", "***************4567"),
        ("mask_middle", "id_number", "", ""),
    ],
)
def test_each_rule_shows_the_value_as_documented(rule, kind, value, shown):
    assert apply_rule(rule, kind, value) == shown


def test_defaults_are_seeded_and_read_back_through_the_registered_source(agencies):
    assert MaskingRule.objects.count() == sum(len(r) for r in DEFAULT_RULES.values())
    assert rules_for_role(Role.FINANCE)["id_number"] == "mask_middle"
    MaskingRule.objects.filter(role=Role.FINANCE, kind="address").update(rule="hidden")
    finance = make_user(Role.FINANCE, agencies["a"])
    assert mask_for(finance, "address", "浙江省杭州市") == HIDDEN_TEXT


def test_non_entitled_and_anonymous_viewers_never_see_a_full_value(agencies, clerk):
    assert mask_for(clerk, "id_number", ID) == ID
    assert mask_for(clerk, "id_number", ID, entitled=False) == "110105********0011"
    assert mask_for(AnonymousUser(), "id_number", ID) == HIDDEN_TEXT
