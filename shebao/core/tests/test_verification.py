"""Signed verification codes (generic: any app's document kind) and the public verification page."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.signing import Signer
from django.test import Client

from shebao.core.models import IssuedDocument
from shebao.core.verification import (
    DOCUMENT_KINDS,
    Certified,
    DocumentKind,
    check_public_base_url,
    document_code,
    document_issue,
    document_verify,
    register_document_kind,
)

pytestmark = pytest.mark.django_db

KIND = "test.certificate"


@pytest.fixture(autouse=True)
def kind():
    DOCUMENT_KINDS.pop(KIND, None)
    register_document_kind(DocumentKind(KIND, "参保缴费证明（测试）", "证明参保缴费情况"))
    yield
    DOCUMENT_KINDS.pop(KIND, None)


def _issue(agency, **fields):
    certified = Certified(
        fields=[("姓名", "张三"), *fields.items()],
        tables=[{"title": "明细", "headers": ["月份"], "rows": [["2026-01"]]}],
    )
    return document_issue(kind=KIND, certified=certified, agency=agency, object_type="person", object_id=7)


def test_kind_registered_twice_or_unknown_kind_is_refused(agencies):
    with pytest.raises(ImproperlyConfigured):
        register_document_kind(DocumentKind(KIND, "重复"))
    with pytest.raises(ImproperlyConfigured):
        document_issue(kind="no.such.kind", certified=Certified(), agency=agencies["a"])


def test_same_content_same_document_different_content_new_document(agencies):
    first = _issue(agencies["a"])
    assert _issue(agencies["a"]).pk == first.pk
    other = _issue(agencies["a"], 月数="12")
    assert other.pk != first.pk and other.code != first.code
    assert document_code(first) != document_code(other)
    assert IssuedDocument.objects.count() == 2


def test_valid_code_shows_issuer_time_and_content_without_login(agencies):
    doc = _issue(agencies["a"])
    result = document_verify(document_code(doc))
    assert result.valid and result.document == doc and result.kind.title == "参保缴费证明（测试）"
    res = Client().get(f"/verify/{document_code(doc)}/")
    assert res.status_code == 200
    page = res.content.decode()
    assert "核验结果：有效" in page and "上城区社会保险管理服务中心" in page and "证明参保缴费情况" in page
    assert "2026-01" in page


def test_code_signed_without_the_document_salt_or_with_secret_key_alone_is_invalid(agencies, settings):
    doc = _issue(agencies["a"])
    value = f"{doc.code}-{doc.digest[:12]}"
    plain = Signer(key=settings.SECRET_KEY, sep=".", algorithm="sha256").sign(value)  # no salt
    assert not document_verify(plain).valid
    settings.SHEBAO_DOCUMENT_KEY = ""
    fallback = document_code(doc)  # key derived from SECRET_KEY under the document salt
    assert document_verify(fallback).valid
    settings.SHEBAO_DOCUMENT_KEY = "k" * 40
    assert not document_verify(fallback).valid  # and the row's digest was made with the other key too
    assert document_verify(document_code(doc)).status == 400


@pytest.mark.parametrize("bad", ["", "abc", "a.b", "%E4%B8%AD.x", "-.-", "a" * 500])
def test_garbage_codes_are_4xx_never_500(bad, agencies):
    assert not document_verify(bad).valid
    client = Client()
    for url in (f"/verify/{bad}/", f"/api/v1/verify/{bad}/"):
        if bad:
            assert client.get(url).status_code in (400, 404)


def test_deploy_check_warns_when_qr_codes_would_point_at_a_private_address(settings):
    settings.SHEBAO_PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    assert [w.id for w in check_public_base_url()] == ["shebao.W001"]
    settings.SHEBAO_PUBLIC_BASE_URL = "https://shebao.example.gov.cn"
    assert check_public_base_url() == []
