"""New passwords are checked against an offline list of common and leaked passwords."""

from __future__ import annotations

import re

import pytest

from triage.accounts.passwords import password_problem
from yhteys import i18n

# Long enough for the length rule, yet among the first guesses of any cracking list.
COMMON = ["password1234", "qwertyuiop123", "1q2w3e4r5t6y", "trustno1trustno1",
          "iloveyou12345", "Password123!", "baseball1234"]


@pytest.mark.parametrize("password", COMMON)
def test_common_and_leaked_passwords_are_refused(password):
    with i18n.use_locale("en"):
        problem = password_problem(password, email="pat@example.org")
    assert problem is not None and "common" in problem, (password, problem)


@pytest.mark.parametrize("password", ["correct horse battery staple", "my own long password",
                                      "punainen risti 2026", "kahvia ja pullaa torstaina"])
def test_long_unusual_passwords_pass(password):
    assert password_problem(password, email="pat@example.org") is None


def test_a_password_made_of_the_email_is_refused():
    email = "pat.virtanen@example.org"
    with i18n.use_locale("en"):
        built_from_it = password_problem("pat.virtanen2026", email=email)
        assert built_from_it is not None and "common" in built_from_it
        for itself in ("Pat.Virtanen", email, " PAT.VIRTANEN@example.org"):
            assert "email address" in (password_problem(itself, email=email) or ""), itself
    # Only her own address makes it guessable: for a colleague the same password is fine.
    assert password_problem("pat.virtanen2026", email="aino@example.org") is None


def test_the_message_is_translated():
    problems = {}
    for locale in ("fi", "sv", "en"):
        with i18n.use_locale(locale):
            problems[locale] = password_problem("password1234", email="pat@example.org")
    assert "common" in problems["en"]
    assert len(set(problems.values())) == 3, problems  # three languages, three texts


@pytest.fixture
def client(quick_client):  # noqa: ANN001, ANN201
    return quick_client


def test_the_password_page_shows_the_reason_beside_the_field(client, make_staff, login_fast):
    login_fast(client, make_staff())
    page = client.get("/triage/account/password")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    from tests.triage.conftest import STAFF_PASSWORD

    response = client.post("/triage/account/password", data={
        "csrf_token": token, "current": STAFF_PASSWORD, "new": "password1234",
        "repeat": "password1234"})
    assert response.status_code == 400
    field = re.search(r'id="new-error"[^>]*>([^<]+)<', response.text)
    assert field and "common" in field.group(1)
