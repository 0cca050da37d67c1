"""Demo cases: valid, varied, made through the real service, and made only once."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from sqlmodel import Session, select

from intake import demo
from intake.models import CaseMessage
from intake.validation import validate
from tests.intake.conftest import all_cases
from yhteys.db import engine_for


def test_every_demo_request_is_valid():
    kinds, languages = set(), set()
    for n in range(1, demo.COUNT + 1):
        request = demo.demo_request(n)
        result = validate(request, strict=True)
        assert result.ok, (n, result.errors.codes())
        kinds.add(request["kind"])
        languages.add(request["language"])
    assert kinds == {"family_reunification", "tracing", "social_services", "other"}
    assert len(languages) >= 8


def test_demo_requests_are_the_same_on_every_run():
    seventeenth = demo.demo_request(17)
    others = [demo.demo_request(n) for n in (18, 1, 16)]
    assert demo.demo_request(17) == seventeenth  # whatever was drawn in between
    assert all(other != seventeenth for other in others)  # yet each request its own
    # Another process, with another string-hash seed, draws the same request.
    script = ("import json; from intake import demo; "
              "print(json.dumps(demo.demo_request(17), sort_keys=True, default=str))")
    other_run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                               check=True, env={**os.environ, "PYTHONHASHSEED": "12345"})
    assert json.loads(other_run.stdout) == json.loads(
        json.dumps(seventeenth, sort_keys=True, default=str))


def test_seeding_twice_adds_nothing_the_second_time(settings):
    assert demo.seed_cases(count=25) == 25
    first = all_cases(settings)
    assert demo.seed_cases(count=25) == 0
    assert [c.reference for c in all_cases(settings)] == [c.reference for c in first]
    created = sorted(c.created_at for c in first)
    assert created[0] < created[-1]  # spread over time, not all "now"
    with Session(engine_for(settings.database_url)) as db:
        assert len(db.exec(select(CaseMessage)).all()) == 5
