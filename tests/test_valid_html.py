"""Every public page, in every language and every state, is valid HTML to the W3C Nu HTML Checker
(and, through `nu_problems`, the supervisors' dashboard: tests/triage/test_dashboard.py).

The pages are gathered with the test client (tests/public_pages.py), written to files and checked
in one run of the checker: its Java start-up is the slow part. The checker is `vnu.jar` from the
`vnu-jar` npm package (`make vnu`; CI installs it), found through VNU_JAR or in .cache/vnu.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from tests.conftest import IN_CI
from tests.intake.conftest import NOW
from tests.public_pages import gather
from tests.triage.conftest import login_fast, make_staff, make_team  # noqa: F401 - staff fixtures
from yhteys.settings import PROJECT_ROOT, set_settings

pytestmark = [pytest.mark.sqlite_only, pytest.mark.slow]

DEFAULT_JAR = PROJECT_ROOT / ".cache/vnu/node_modules/vnu-jar/build/dist/vnu.jar"


def checker_command() -> list[str]:
    """`java -jar vnu.jar`; skip on a laptop without them, fail in CI."""
    jar = Path(os.environ.get("VNU_JAR") or DEFAULT_JAR)
    java = shutil.which("java")
    missing = []
    if java is None:
        missing.append("java (apt-get install default-jre-headless)")
    if not jar.is_file():
        missing.append(f"the Nu HTML Checker at {jar} (make vnu, or set VNU_JAR)")
    if missing:
        message = "missing " + " and ".join(missing)
        if IN_CI:
            pytest.fail(message + " (CI must install it: see .ci/run)")
        pytest.skip(message)
    assert java is not None
    return [java, "-Xss1m", "-jar", str(jar)]


def test_every_public_page_is_valid_html(settings, tmp_path):
    command = checker_command()
    from starlette.testclient import TestClient

    from yhteys import ratelimit
    from yhteys.app import create_app

    # The forms check dates against a fixed today; many requests come from one test browser.
    # A WhatsApp number of ours, so the pages show how to prove a client's number.
    value = replace(settings, frozen_now=NOW, rate_limit_submissions=100_000,
                    whatsapp_display_number="+358 40 000 0000")
    set_settings(value)
    ratelimit._limiter_for.cache_clear()
    try:
        with TestClient(create_app(value), follow_redirects=False) as client:
            pages = gather(client, value.database_url, value.status_link_idle_days)
    finally:
        ratelimit._limiter_for.cache_clear()

    problems = nu_problems(command, tmp_path, [(p.label, p.lang, p.html) for p in pages])
    languages = {page.lang for page in pages}
    assert len(languages) >= 12, languages  # the 11 languages and the language choice
    assert not problems, f"{len(problems)} HTML error(s) in {len(pages)} pages:\n" + "\n".join(
        problems
    )


def nu_problems(command: list[str], tmp_path: Path,
                pages: list[tuple[str, str, str]]) -> list[str]:
    """The checker's errors in (label, language, html) pages, in one run. Staff pages use it too
    (the dashboard: tests/triage/test_dashboard.py)."""
    folder = tmp_path / "pages"
    folder.mkdir()
    # A page the checker must refuse: proof that it read the files, not only that it ran.
    canary = folder / "canary.html"
    canary.write_text("<!doctype html><html lang=en><title>x</title><p><div>x</p>")
    files: dict[str, str] = {}
    for number, (label, lang, html) in enumerate(pages):
        path = folder / f"{number:04d}-{lang}.html"
        path.write_text(html, encoding="utf-8")
        files[str(path)] = label
    result = subprocess.run(  # noqa: S603 - our own arguments
        [*command, "--errors-only", "--format", "json", "--exit-zero-always", str(canary),
         *sorted(files)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stderr or result.stdout)
    problems, canary_seen = [], False
    for message in report["messages"]:
        path = message.get("url", "").removeprefix("file:")
        if path == str(canary):
            canary_seen = True
            continue
        where = f"line {message.get('lastLine', '?')}"
        extract = (message.get("extract") or "").replace("\n", " ")[:160]
        problems.append(f"{files.get(path, path)} {where}: {message['message']}\n      {extract}")
    assert canary_seen, f"the checker did not report the invalid canary page: {report}"
    return problems


def staff_pages(client, case_refs: dict[str, str], form: dict[str, str]) -> list[tuple[str, str]]:  # noqa: ANN001
    """The board in each staff language, after a claim without JavaScript, and each case page."""
    import re

    pages = []
    for lang in ("en", "fi", "sv"):
        client.headers["accept-language"] = lang
        pages.append((f"{lang} board", client.get("/triage/board").text))
        for state, ref in case_refs.items():
            pages.append((f"{lang} case page ({state})", client.get(f"/triage/cases/{ref}").text))
    client.headers["accept-language"] = "en"
    board = client.get("/triage/board").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', board).group(1)
    ref = case_refs["new"]
    version = re.search(rf'action="/triage/cases/{ref}/claim"[^>]*>\s*'
                        r'<input[^>]*>\s*<input type="hidden" name="version" value="(\d+)"',
                        board).group(1)
    claimed = client.post(f"/triage/cases/{ref}/claim", data={
        **form, "csrf_token": token, "version": version, "from": "board"})
    landing = claimed.headers["location"].split("#")[0]
    pages.append(("board after a claim", client.get(landing).text))
    refused = client.post(f"/triage/cases/{ref}/claim", data={
        "csrf_token": token, "version": version})
    pages.append(("case page after a refused claim", refused.text))
    pages.append(("filtered board", client.get("/triage/board?overdue=1&priority=urgent").text))
    search = client.get("/triage/search").text
    pages.append(("search", search))
    token = re.search(r'name="csrf_token" value="([^"]+)"', search).group(1)
    for typed in ("Amina", "040 123 4567", "x"):  # found, not found, too short
        found = client.post("/triage/search", data={"csrf_token": token, "q": typed})
        pages.append((f"search for {typed!r}", found.text))
    pages.append(("calls today", client.get("/triage/calls-today").text))
    return pages


def test_the_board_and_the_case_page_are_valid_html(settings, tmp_path, make_team,  # noqa: ANN001, F811
                                                    make_staff, login_fast) -> None:  # noqa: F811
    """The staff pages people work in all day: the board and the case page, logged in."""
    command = checker_command()
    from datetime import timedelta

    from sqlmodel import Session, select
    from starlette.testclient import TestClient

    from intake.models import Case
    from tests.triage.casework_factories import client_writes, make_case
    from triage.casework import actions
    from triage.casework.models import RoutingRule
    from yhteys.app import create_app
    from yhteys.clock import now
    from yhteys.db import get_engine

    team = make_team("Advice")
    with Session(get_engine()) as db:
        db.add(RoutingRule(team_id=team.id))
        db.commit()
    me = make_staff(display_name="Aino", teams=[team], languages=["fi", "ar"])
    other = make_staff(display_name="Basel", teams=[team])
    refs = {"new": make_case(name="Rahel", details={"no_place_tonight": True}).reference}
    late = make_case(name="Late")
    with Session(get_engine()) as db:
        def work(name: str, user, *steps: str) -> str:  # noqa: ANN001
            case = make_case(name=name, language="ar", interpreter_needed=True)
            row = db.get(Case, case.id)
            actions.claim(db, row, row.version, user, None)
            for step in steps:
                if step == "close":
                    actions.close(db, row, row.version, user, "advised", None)
                else:
                    actions.change_state(db, row, row.version, user, step, None)
            db.commit()
            return case.reference

        refs["assigned"] = work("\u202eAmina", me)
        refs["in_progress"] = work("Omar", other, "in_progress")
        refs["waiting_client"] = work("Sara", me, "waiting_client")
        refs["closed"] = work("Leena", me, "close")
        row = db.get(Case, late.id)
        row.due_at = now() - timedelta(hours=5)  # overdue, and not urgent
        db.add(row)
        db.commit()
        assigned = db.exec(select(Case).where(Case.reference == refs["assigned"])).one()
    client_writes(assigned.id)
    with TestClient(create_app(settings), base_url="http://testserver",
                    follow_redirects=False) as client:
        login_fast(client, me)
        pages = staff_pages(client, refs, {"board_query": "overdue=1"})
    assert all("<html" in html for _label, html in pages)
    problems = nu_problems(command, tmp_path, [(label, "staff", html) for label, html in pages])
    assert not problems, f"{len(problems)} HTML error(s) in {len(pages)} pages:\n" + "\n".join(
        problems
    )

