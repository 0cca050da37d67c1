"""Every message shown to people is translated in every offered language."""

import pytest

from yhteys import catalogs
from yhteys.i18n import LANGUAGES, domains, languages_of

REQUIRED = [(lang, domain) for domain in domains() for lang in sorted(languages_of(domain))]


@pytest.mark.sqlite_only
@pytest.mark.parametrize(("locale", "domain"), REQUIRED)
def test_catalog_is_complete(locale, domain):
    missing = list(catalogs.missing(locale, domain))
    assert not missing, (
        f"{len(missing)} messages untranslated in {locale}/{domain}.po "
        f"(run `make messages`, then translate): {missing[:10]}"
    )


@pytest.mark.sqlite_only
@pytest.mark.parametrize("locale", sorted(set(LANGUAGES) - {"en"}))
def test_the_same_words_are_translated_the_same_way_in_every_domain(locale):
    """Each domain is looked up on its own, so a message may only mean two things when a
    context (pgettext) says so; without one, two domains must agree."""
    seen: dict[str, dict[str, str]] = {}
    for domain in domains():
        for message in catalogs.read(locale, domain):
            if message.id and not message.context and message.string:
                key = message.id if isinstance(message.id, str) else message.id[0]
                string = message.string if isinstance(message.string, str) else message.string[0]
                seen.setdefault(key, {})[domain] = string
    differing = {k: v for k, v in seen.items() if len(set(v.values())) > 1}
    assert not differing, f"{locale}: agree, or add a context (pgettext): {differing}"


@pytest.mark.sqlite_only
def test_a_module_and_a_template_read_their_own_domain():
    from yhteys import i18n

    assert i18n.domain_of("triage/accounts/audit_views.py") == "accounts"
    assert i18n.domain_of("triage/hours_admin.py") == "casework"  # a staff page
    assert i18n.domain_of("triage/casework/case_views.py") == "casework"
    assert i18n.domain_of("intake/hours/page.py") == "hours"
    assert i18n.template_domain("triage/accounts/audit.html") == "accounts"
    assert i18n.template_domain("triage/hours/index.html") == "casework"
    assert i18n.template_domain("notify/staff_new_case/body.txt") == "staff_notices"
    assert i18n.template_domain("notify/case_received/body.txt") == "notify"
    assert i18n.template_domain("triage/casework/case.html") == "casework"
    assert i18n.template_domain("base.html") == "yhteys"


@pytest.mark.sqlite_only
@pytest.mark.parametrize(("locale", "domain"), REQUIRED)
def test_no_translation_changes_a_placeholder_or_stays_fuzzy(locale, domain):
    progress = catalogs.progress(locale, domain)
    assert progress.bad_placeholders == 0, f"{locale}/{domain}: a translation lost a %(...)s"
    assert progress.fuzzy == 0, f"{locale}/{domain}: {progress.fuzzy} fuzzy translations"


@pytest.mark.sqlite_only
def test_staff_texts_are_asked_only_in_the_staff_languages():
    from yhteys.i18n import STAFF_LANGUAGES, staff_domains

    assert staff_domains() == {"accounts", "casework", "dashboard", "staff_notices"}
    for domain in staff_domains():
        assert set(languages_of(domain)) == set(STAFF_LANGUAGES)
    assert set(languages_of("intake")) == set(LANGUAGES)


@pytest.mark.sqlite_only
def test_the_translations_command_reports_every_language(capsys):
    from yhteys.cli import main

    assert main(["translations"]) == 0
    out = capsys.readouterr().out
    assert "fi       intake" in out and "complete" in out


@pytest.mark.sqlite_only
def test_make_messages_updates_every_domain(tmp_path, monkeypatch):
    """`make messages` runs `update` with no domain named: every domain's catalogs are written."""
    monkeypatch.setattr(catalogs, "LOCALES_DIR", tmp_path)
    assert catalogs.main(["update"]) == 0
    for domain in domains():
        for locale in languages_of(domain):
            assert catalogs.po_path(locale, domain).is_file(), (locale, domain)
