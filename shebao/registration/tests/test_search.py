"""Search as clerks search: name contains, last digits of an ID number or USCC, NFKC input, pinyin order, no ID in
URLs (the form posts; numbers stay behind a session token), and bad input never a 500."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from shebao.registration.selectors import employer_search, normalise_query, person_search

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("01010101", "01010201")]

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.fixture
def people(make_employer, make_person):
    employer = make_employer(name="杭州龙井茶叶有限公司")
    return {name: make_person(employer, name=name) for name in ("欧阳晓明", "张晓", "王明", "吕伟", "吕安")}


def _names(qs) -> list[str]:
    return list(qs.values_list("name", flat=True))


def test_name_contains_not_only_prefix(clerk, people):
    assert set(_names(person_search(actor=clerk, q="晓明"))) == {"欧阳晓明"}
    assert set(_names(person_search(actor=clerk, q="晓"))) == set()  # one character means the surname
    assert set(_names(person_search(actor=clerk, q="吕"))) == {"吕伟", "吕安"}
    assert set(_names(person_search(actor=clerk, q="明"))) == set()
    assert set(_names(person_search(actor=clerk, q="阳晓"))) == {"欧阳晓明"}


def test_last_digits_of_the_id_number(clerk, people):
    person = people["张晓"]
    for n in (4, 6, 10):
        found = _names(person_search(actor=clerk, q=person.id_number[-n:]))
        assert "张晓" in found
    assert _names(person_search(actor=clerk, q=person.id_number)) == ["张晓"]
    assert _names(person_search(actor=clerk, q=person.id_number[-3:])) == []  # too short to mean anything


def test_full_width_digits_find_the_same_person_and_arabic_indic_find_nothing(clerk, people):
    person = people["王明"]
    assert _names(person_search(actor=clerk, q=person.id_number.translate(FULL_WIDTH))) == ["王明"]
    assert _names(person_search(actor=clerk, q=person.id_number[-6:].translate(FULL_WIDTH))) == ["王明"]
    assert _names(person_search(actor=clerk, q=person.id_number[:17].translate(ARABIC_INDIC))) == []
    assert normalise_query("\x00") is None and normalise_query("王\u202e明") is None
    assert normalise_query(" 王明 ") == "王明"


def test_names_in_pinyin_order_on_postgresql(clerk, people):
    names = _names(person_search(actor=clerk))
    if connection.vendor == "postgresql":
        # lǚ, ōu, wáng, zhāng: pinyin order, not code-point order (吕 U+5415 < 张 U+5F20 < 欧 U+6B27 < 王 U+738B)
        assert names == ["吕安", "吕伟", "欧阳晓明", "王明", "张晓"]
    else:
        assert names == sorted(names)


def test_employer_by_name_contains_and_uscc_last_digits(clerk, people):
    employer = people["王明"].employer
    assert _names(employer_search(actor=clerk, q="龙井茶")) == [employer.name]
    assert _names(employer_search(actor=clerk, q=employer.uscc[-6:])) == [employer.name]
    assert _names(employer_search(actor=clerk, q=employer.uscc.translate(FULL_WIDTH))) == [employer.name]
    assert _names(employer_search(actor=clerk, q="\x00")) == []


@pytest.mark.parametrize("kind", ["person", "employer"])
def test_nul_and_control_characters_are_not_a_500(client, clerk, people, kind):
    client.force_login(clerk)
    url = reverse(f"registration:{kind}-list")
    for q in ("\x00", "王\x00", "\u202e", "١٢٣٤٥٦"):
        expected = 400 if "\x00" in q else 200  # NUL is refused for every request by RefuseNulMiddleware
        assert client.get(url, {"q": q}).status_code == expected
        response = client.post(url, {"q": q}, follow=True)
        assert response.status_code == expected
    response = client.get(reverse(f"api-registration:{kind}s"), {"q": "\x00"})
    assert response.status_code in (200, 400)


def test_searching_by_id_number_puts_no_number_in_any_url(client, clerk, people):
    person = people["张晓"]
    client.force_login(clerk)
    url = reverse("registration:person-list")
    for q in (person.id_number, person.id_number[-6:]):
        response = client.post(url, {"q": q, "status": ""})
        assert response.status_code == 303
        location = response["Location"]
        assert "?t=" in location and person.id_number[-4:] not in location
        page = client.get(location)
        results = page.content.decode().split('id="person-results"', 1)[1]
        assert "张晓" in results and person.id_number not in results
        for hop in client.post(url, {"q": q}, follow=True).redirect_chain:
            assert person.id_number[-4:] not in hop[0]
    # htmx: the partial comes back and the address bar is set to the token URL, not the number
    response = client.post(url, {"q": person.id_number}, headers={"HX-Request": "true"}, follow=True)
    assert response.status_code == 200 and "张晓" in response.content.decode()
    assert "?t=" in response["HX-Push-Url"] and person.id_number[-4:] not in response["HX-Push-Url"]
    # name searches may stay in the URL
    response = client.post(url, {"q": "张晓"})
    assert response.status_code == 303 and "q=" in response["Location"]


def test_search_token_is_per_user_and_per_list(client, clerk, clerk_b, people):
    client.force_login(clerk)
    location = client.post(reverse("registration:person-list"), {"q": people["吕伟"].id_number})["Location"]
    token = location.split("t=", 1)[1]
    html = client.get(reverse("registration:employer-list"), {"t": token}).content.decode()
    assert "查询已失效" in html  # a person search token means nothing on the employer list
    client.force_login(clerk_b)
    html = client.get(location).content.decode()
    assert "查询已失效" in html and "吕伟" not in html.split('id="person-results"', 1)[1]


def test_search_form_posts_with_csrf(client, clerk, people):
    client.force_login(clerk)
    html = client.get(reverse("registration:person-list")).content.decode()
    form = html.split('<form class="card mb-3"', 1)[1].split("</form>", 1)[0]
    assert 'method="post"' in form and "csrfmiddlewaretoken" in form
