import pytest

from yhteys import i18n


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "fi"),
        ("", "fi"),
        ("sv-FI,sv;q=0.9,en;q=0.8", "sv"),
        ("de-DE,en;q=0.5", "en"),
        ("en;q=0.2, fi;q=0.9", "fi"),
        ("xx, yy;q=0.1", "fi"),
        ("en;q=0", "fi"),
        ("en;q=abc, sv", "sv"),
    ],
)
def test_negotiate_accept_language(header, expected):
    assert i18n.negotiate(header) == expected


def test_direction():
    assert i18n.text_direction("ar") == "rtl"
    assert i18n.text_direction("fa") == "rtl"
    assert i18n.text_direction("fi") == "ltr"


def test_use_locale_restores_previous():
    i18n.set_locale("sv")
    with i18n.use_locale("en"):
        assert i18n.get_locale() == "en"
    assert i18n.get_locale() == "sv"
