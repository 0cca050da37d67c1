"""docs/architecture.md names only paths that exist: the tour must match the code."""

import re

import pytest

from yhteys.settings import PROJECT_ROOT

pytestmark = pytest.mark.sqlite_only

DOC = PROJECT_ROOT / "docs" / "architecture.md"
PATH = re.compile(r"`((?:yhteys|intake|notify|triage|templates|locales|migrations|tests|docs)"
                  r"/[^`\s]*|alembic\.ini)`")


def test_every_path_the_tour_names_exists():
    named = set(PATH.findall(DOC.read_text(encoding="utf-8")))
    assert len(named) > 30  # the tour names the modules it talks about
    missing = []
    for path in sorted(named):
        concrete = path.split("<", 1)[0].rstrip("/")  # templates/notify/<event>/ -> its folder
        if "{" in concrete:
            concrete = concrete.split("{", 1)[0].rstrip("/")
        if not (PROJECT_ROOT / concrete).exists():
            missing.append(path)
    assert not missing, f"docs/architecture.md names paths that do not exist: {missing}"
