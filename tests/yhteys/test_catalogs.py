"""Every message shown to people is translated in every offered language."""

import pytest

from yhteys import catalogs
from yhteys.i18n import DOMAINS, LANGUAGES


@pytest.mark.sqlite_only
@pytest.mark.parametrize("locale", sorted(LANGUAGES))
@pytest.mark.parametrize("domain", DOMAINS)
def test_catalog_is_complete(locale, domain):
    missing = list(catalogs.missing(locale, domain))
    assert not missing, (
        f"{len(missing)} messages untranslated in {locale}/{domain}.po "
        f"(run `make messages`, then translate): {missing[:10]}"
    )
