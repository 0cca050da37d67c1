"""The canary: a unique marker in every field a person can fill in, followed through a case's life.

Four cases (one of each kind) are sent through the public HTML forms with a marker of their own in
every free-text field, every row of the repeating parts, both addresses, a file's name and
content; the client then writes on her status page (a message and a photo), and from her proven
WhatsApp number. An advisor views, claims, notes, re-prioritises (with a reason), replies, downloads
a file and closes each case; every outbox row is delivered to the console sink; a year later
`yhteys anonymise` runs. Along the way the test asserts that no marker is found:

- in any log record, of any logger, at DEBUG (LOG_LEVEL=DEBUG, and sqlalchemy, dramatiq, uvicorn,
  multipart, PIL... forced to DEBUG too);
- in any URL the browsers requested, any Location header, or any link or form action on a page;
- in any notification beyond what its channel needs: an outbox row's context, opened sealed values
  and fallbacks carry no marker, its recipient only the address it is sent to; a rendered
  message (MAIL_DIR) carries none beyond its own To line;
- after anonymisation, in the database (SQLite: the file and its -wal after a checkpoint;
  PostgreSQL: pg_dump, or every row as text) and in UPLOAD_DIR, where no file is left.

MAIL_DIR is the development stand-in for the providers: its files are messages already *sent*,
which retention cannot recall, so an address may stay in a To line there after anonymisation;
nothing else may be in them at any time. And at every step no status secret (nor the WhatsApp
code derived from it, nor a staff session token) is found in the database: it keeps hashes and
sealed values only.

Markers are random hex, one per field, so a leak names its field; addresses carry theirs in the
email's local part, phone numbers are random (found by their E.164 digits).
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import hmac
import html
import io
import json
import logging
import re
import secrets
import shutil
import subprocess
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin
from sqlalchemy import text
from sqlmodel import Session, select

from intake.references import secret_hash
from notify.models import Notification
from tests.intake.conftest import SLUGS, form_data, hidden, reference_on, status_link
from tests.triage.conftest import login_fast, make_staff, make_team  # noqa: F401 - fixtures
from yhteys.db import engine_for
from yhteys.settings import set_settings

NOW = datetime.fromisoformat("2026-12-01T12:00:00+02:00")
WEBHOOK_SECRET = "canary-webhook-secret"
KINDS = ("family_reunification", "tracing", "social_services", "other")


# --- Markers -------------------------------------------------------------------------------------


class Markers:
    """Needles (lowercase hex, or a phone number's E.164 digits) and the field each names."""

    def __init__(self) -> None:
        self.fields: dict[str, str] = {}
        self.addresses: set[str] = set()  # needles of addresses: a channel may carry these

    def _needle(self, field: str) -> str:
        needle = secrets.token_hex(6)
        self.fields[needle] = field
        return needle

    def text(self, field: str, prefix: str = "") -> str:
        return f"{prefix}CANARY-{self._needle(field)}"

    def email(self, field: str) -> str:
        needle = self._needle(field)
        self.addresses.add(needle)
        return f"canary-{needle}@example.org"

    def phone(self, field: str) -> str:
        subscriber = "40" + "".join(secrets.choice("0123456789") for _ in range(7))
        self.fields["358" + subscriber] = field
        self.addresses.add("358" + subscriber)
        return f"+358 {subscriber[:2]} {subscriber[2:5]} {subscriber[5:]}"

    def found(self, data: bytes | str, *, allow: set[str] = frozenset()) -> list[str]:
        """The fields whose marker is in `data` (case-insensitive; digits of a phone number
        found even when spaced or dashed)."""
        raw = data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")
        haystacks = [raw.lower()]
        if not isinstance(data, bytes) or len(raw) < 1_000_000:
            haystacks.append(re.sub(rb"(?<=\d)[ ().-](?=\d)", b"", raw))
        return sorted(
            {field for needle, field in self.fields.items()
             if needle not in allow and any(needle.encode() in h for h in haystacks)}
        )


def _pdf(marker: str) -> bytes:
    """A one-page PDF whose text is the marker: it survives cleaning (the advisor must be able
    to read it) and is sealed at rest (it must never be found in UPLOAD_DIR)."""
    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 100))
    page = pdf.pages[0]
    page.obj.Contents = pdf.make_stream(f"BT 10 50 Td ({marker}) Tj ET".encode())
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    return out.getvalue()


def _pdf_text(data: bytes) -> str:
    """What a PDF's pages say (its streams come back compressed from cleaning)."""
    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        return "".join(page.obj.Contents.read_bytes().decode("latin-1") for page in pdf.pages)


def _png(marker: str) -> bytes:
    # A text chunk: photos are re-encoded without metadata, so this one is never stored.
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", marker)
    buffer = io.BytesIO()
    Image.new("RGB", (6, 6), (10, 120, 30)).save(buffer, format="PNG", pnginfo=info)
    return buffer.getvalue()


def _answers(kind: str, m: Markers) -> dict:
    """A whole form of `kind` with a marker in every field that takes text."""
    k = kind
    channels = {
        "family_reunification": ("email", "sms"),
        "tracing": ("sms", "email"),
        "social_services": ("whatsapp", "email"),
        "other": ("phone", "whatsapp"),
    }[kind]
    data = form_data(
        kind,
        name=m.text(f"{k}.name", "Amal "),
        message=m.text(f"{k}.message", "I need advice.\n"),
        contact_channel=channels[0],
        backup_channel=channels[1],
        contact_address_phone="",
        contact_address_email="",
        backup_address_phone="",
        backup_address_email="",
    )
    for slot, channel in zip(("contact", "backup"), channels, strict=True):
        if channel == "email":
            data[f"{slot}_address_email"] = m.email(f"{k}.{slot}_address")
        else:
            data[f"{slot}_address_phone"] = m.phone(f"{k}.{slot}_address")
    if "area" in data:
        data["area"] = "092"  # a choice of municipality codes: no text of hers to plant
    if kind == "family_reunification":
        for row in (0, 2):
            data[f"details.members.{row}.country"] = m.text(f"{k}.members.{row}.country")
    if kind == "tracing":
        for row in (0, 1):
            person = f"details.persons.{row}"
            data.update({
                f"{person}.name": m.text(f"{k}.persons.{row}.name", "Karim "),
                f"{person}.name_original": m.text(f"{k}.persons.{row}.name_original", "كريم "),
                f"{person}.other_spellings": m.text(f"{k}.persons.{row}.other_spellings"),
                f"{person}.relationship": "sibling",
                f"{person}.nationality": m.text(f"{k}.persons.{row}.nationality"),
                f"{person}.last_place": m.text(f"{k}.persons.{row}.last_place", "Tripoli "),
            })
        data["details.other_organisation_name"] = m.text(f"{k}.other_organisation_name")
    if kind == "social_services":
        data["details.municipality"] = "091"
    return data


# --- Fixtures ------------------------------------------------------------------------------------


@pytest.fixture
def settings(settings):  # noqa: ANN001, ANN201 - the shared fixture, for the canary
    value = replace(settings, frozen_now=NOW, log_level="DEBUG",
                    whatsapp_app_secret=WEBHOOK_SECRET)
    set_settings(value)
    return value


class Seen:
    """Every URL requested, every Location answered, every link and form action on a page (and,
    alike, every cookie set)."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    def request(self, request) -> None:  # noqa: ANN001
        self.urls.append(str(request.url))

    def response(self, response) -> None:  # noqa: ANN001
        if "location" in response.headers:
            self.urls.append(response.headers["location"])
        self.urls += response.headers.get_list("set-cookie")
        response.read()
        if "html" in response.headers.get("content-type", ""):
            for link in re.findall(r'(?:href|src|action)="([^"]*)"', response.text):
                self.urls.append(html.unescape(link))


@pytest.fixture
def seen() -> Seen:
    return Seen()


@pytest.fixture
def client(app, seen):  # noqa: ANN001, ANN201 - no lifespan: the test runs the outbox itself
    from starlette.testclient import TestClient

    from yhteys import ratelimit

    ratelimit._limiter_for.cache_clear()
    test_client = TestClient(app, base_url="http://testserver", follow_redirects=False,
                             headers={"accept-language": "en"})
    test_client.event_hooks = {"request": [seen.request], "response": [seen.response]}
    yield test_client
    ratelimit._limiter_for.cache_clear()


LOUD = ("sqlalchemy", "sqlalchemy.engine", "sqlalchemy.engine.Engine", "sqlalchemy.pool",
        "dramatiq", "uvicorn", "uvicorn.error", "multipart", "python_multipart", "PIL",
        "httpx", "httpcore", "asyncio", "psycopg", "alembic", "aiosmtpd")


@pytest.fixture
def logs(caplog):  # noqa: ANN001, ANN201
    """caplog at DEBUG for every logger, also those with a level of their own or no propagation."""
    caplog.set_level(logging.DEBUG)
    names = set(LOUD) | {n for n, lg in logging.root.manager.loggerDict.items()
                         if isinstance(lg, logging.Logger) and lg.level != logging.NOTSET}
    for name in sorted(names):
        caplog.set_level(logging.DEBUG, logger=name)
    lone = [lg for lg in logging.root.manager.loggerDict.values()
            if isinstance(lg, logging.Logger) and not lg.propagate]
    for logger in lone:
        logger.addHandler(caplog.handler)
    yield caplog
    for logger in lone:
        logger.removeHandler(caplog.handler)


# --- Looking everywhere --------------------------------------------------------------------------


def database_dump(database_url: str) -> bytes:
    """Everything the database holds, as bytes a thief with a copy would have."""
    engine = engine_for(database_url)
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(FULL)")
        path = Path(database_url.split("///", 1)[1])
        wal = path.with_name(path.name + "-wal")
        return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    if shutil.which("pg_dump"):
        url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        return subprocess.run(["pg_dump", "--no-owner", url], capture_output=True,
                              check=True, timeout=120).stdout
    rows = []
    with engine.connect() as conn:
        tables = conn.execute(text(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        )).scalars().all()
        for table in tables:
            rows += conn.execute(text(f'SELECT t::text FROM "{table}" t')).scalars().all()  # noqa: S608
    return "\n".join(rows).encode()


def tables_holding(database_url: str, m: Markers) -> dict[str, list[str]]:
    """For a failure message: which tables hold which markers (rows read back as text)."""
    from sqlalchemy import inspect as sa_inspect

    engine = engine_for(database_url)
    where: dict[str, list[str]] = {}
    with engine.connect() as conn:
        for table in sa_inspect(conn).get_table_names():
            rows = conn.execute(text(f'SELECT * FROM "{table}"')).all()  # noqa: S608
            for field in m.found(repr(rows)):
                where.setdefault(field, []).append(table)
    return where


def folder_bytes(folder: Path) -> list[tuple[str, bytes]]:
    if not folder.exists():
        return []
    return [(str(p.relative_to(folder)), p.read_bytes()) for p in sorted(folder.rglob("*"))
            if p.is_file()]


def mail_texts(data: bytes) -> tuple[str, str]:
    """(the To line, everything else decoded): a sink file is an email or a short text."""
    if data.startswith(b"Channel: "):
        head, _, body = data.decode().partition("\n\n")
        to = [line for line in head.splitlines() if line.startswith("To: ")]
        rest = [line for line in head.splitlines() if not line.startswith("To: ")]
        return "\n".join(to), "\n".join(rest) + "\n" + body
    message = email.message_from_bytes(data, policy=email.policy.default)
    parts = [f"{k}: {v}" for k, v in message.items() if k.lower() != "to"]
    for part in message.walk():
        if not part.is_multipart():
            parts.append(part.get_content())
    return f"To: {message['to']}", "\n".join(parts)


def log_text(records: list[logging.LogRecord]) -> list[tuple[str, str]]:
    lines = []
    for record in records:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record still shows its parts
            message = f"{record.msg!r} {record.args!r}"
        lines.append((record.name, f"{message} {record.__dict__!r}"))
    return lines


# --- The people ----------------------------------------------------------------------------------


def submit(client, kind: str, m: Markers) -> dict:  # noqa: ANN001
    slug = SLUGS[kind]
    page = client.get(f"/en/request/{slug}").text
    k = kind
    files = [("files", (m.text(f"{k}.file_name") + ".pdf", _pdf(m.text(f"{k}.file_content")),
                        "application/pdf"))]
    body = {"csrf_token": hidden(page, "csrf_token"),
            "idempotency_key": hidden(page, "idempotency_key"), **_answers(kind, m)}
    response = client.post(f"/en/request/{slug}", data=body, files=files)
    assert response.status_code == 200, response.text[:2000]
    link = status_link(response.text)
    code = re.search(r'<p class="reference" dir="ltr">(YH-[^<]+)</p>', response.text)
    return {"kind": kind, "reference": reference_on(response.text), "link": link,
            "secret": link.rsplit("/", 1)[1], "code": code.group(1) if code else None}


def client_writes(client, case: dict, m: Markers) -> None:  # noqa: ANN001
    path = case["link"].removeprefix("http://testserver")
    page = client.get(path)
    assert page.status_code == 200
    k = case["kind"]
    files = [("files", (m.text(f"{k}.reply_file_name") + ".png",
                        _png(m.text(f"{k}.reply_file_metadata")), "image/png"))]
    response = client.post(path, data={"csrf_token": hidden(page.text, "csrf_token"),
                                       "body": m.text(f"{k}.status_reply", "Thank you. ")},
                           files=files)
    assert response.status_code == 303, response.text[:2000]
    assert client.get(response.headers["location"]).status_code == 200


def whatsapp(client, number: str, text_: str, message_id: str) -> None:  # noqa: ANN001
    message = {"from": re.sub(r"\D", "", number), "id": message_id,
               "timestamp": str(int(NOW.timestamp())), "type": "text", "text": {"body": text_}}
    payload = {"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [
        {"field": "messages", "value": {"messaging_product": "whatsapp", "messages": [message]}}
    ]}]}
    raw = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(WEBHOOK_SECRET.encode(), raw, hashlib.sha256).hexdigest()
    response = client.post("/hooks/whatsapp", content=raw, headers={
        "content-type": "application/json", "x-hub-signature-256": signature})
    assert response.status_code == 200


def _form(page: str) -> dict:
    return {"csrf_token": hidden(page, "csrf_token"),
            "version": re.search(r'name="version" value="(\d+)"', page).group(1)}


def advisor_works(client, case: dict, m: Markers) -> str:  # noqa: ANN001
    """View, claim, note, priority with a reason, reply, download a file, close; returns what
    the advisor saw (the case pages and the file)."""
    k = case["kind"]
    base = f"/triage/cases/{case['reference']}"
    steps = [
        ("claim", {}),
        ("note", {"note": m.text(f"{k}.staff_note", "Internal: ")}),
        ("priority", {"priority": "high", "priority_reason": m.text(f"{k}.priority_reason")}),
        ("reply", {"reply": m.text(f"{k}.staff_reply", "Hello. "), "do": "send"}),
        ("close", {"outcome": "advised"}),
    ]
    page = client.get(base)
    assert page.status_code == 200
    assert m.fields and m.found(page.text), "the case page shows what the person wrote"
    download = re.search(rf'href="({re.escape(base)}/attachments/\d+)"', page.text)
    assert download, "the case page links the file"
    file = client.get(download.group(1))
    assert file.status_code == 200
    seen = [page.text, _pdf_text(file.content)]
    for action, fields in steps:
        response = client.post(f"{base}/{action}", data={**_form(page.text), **fields})
        assert response.status_code == 303, (action, response.text[:2000])
        page = client.get(response.headers["location"])
        assert page.status_code == 200
        seen.append(page.text)
    return "\n".join(seen)


def deliver_everything(settings) -> int:  # noqa: ANN001
    from notify.delivery import deliver_row
    from notify.models import UNSENT_STATES

    sent = 0
    for _round in range(5):  # a fallback queues a new row
        with Session(engine_for(settings.database_url)) as db:
            ids = db.exec(select(Notification.id).where(
                Notification.state.in_(UNSENT_STATES))).all()
        if not ids:
            return sent
        for row_id in ids:
            assert deliver_row(row_id) in {"sent", "failed"}, row_id
            sent += 1
    raise AssertionError("the outbox does not empty")


# --- Checks --------------------------------------------------------------------------------------


def no_secret_in_dump(settings, secrets_: dict[str, str], when: str) -> None:  # noqa: ANN001
    dump = database_dump(settings.database_url)
    found = [name for name, value in secrets_.items() if value.encode() in dump]
    assert not found, f"{when}: working secrets in the database dump: {found}"


def check_outbox(settings, m: Markers, cases: list[dict]) -> None:  # noqa: ANN001
    from notify.outbox import sealed_values

    with Session(engine_for(settings.database_url)) as db:
        rows = db.exec(select(Notification)).all()
        assert rows, "the cases were notified"
        for row in rows:
            opened = sealed_values(row)
            assert set(opened) <= {"status_url"}, (row.id, sorted(opened))
            carried = json.dumps([row.context, opened, row.subject_key, row.provider_id,
                                  row.error_text])
            assert not m.found(carried), (row.event, m.found(carried))
            # The recipient and fallbacks: the channel needs these addresses, nothing else.
            addresses = json.dumps([row.recipient, row.fallback])
            assert not m.found(addresses, allow=m.addresses), (row.event, m.found(addresses))
        references = {row.reference for row in rows}
    assert {c["reference"] for c in cases} <= references


def check_mail(settings, m: Markers, cases: list[dict]) -> int:  # noqa: ANN001
    files = folder_bytes(settings.mail_dir)
    decoded = []
    for name, data in files:
        assert not m.found(name), name
        to, rest = mail_texts(data)
        assert not m.found(rest), (name, m.found(rest))
        assert not m.found(to, allow=m.addresses), (name, m.found(to))
        decoded.append(rest)
    # The messages were read, not skipped: each case's reference is in one of them.
    assert all(any(c["reference"] in text_ for text_ in decoded) for c in cases)
    return len(files)


def check_uploads(settings, m: Markers, *, anonymised: bool) -> None:  # noqa: ANN001
    files = folder_bytes(settings.upload_dir)
    for name, data in files:
        assert not m.found(name), f"a stored file is named after what the person sent: {name}"
        # Attachments are sealed at rest: not even a file's own content is readable there.
        assert not m.found(data), (name, m.found(data))
    if anonymised:
        assert files == [], "files outlived the anonymisation"


def check_logs(records: list[logging.LogRecord], m: Markers, secrets_: dict[str, str]) -> None:
    leaks = {}
    for name, line in log_text(records):
        if found := m.found(line):
            leaks.setdefault(name, set()).update(found)
        # The test's own HTTP client logs the URLs it requests (a status link's path); the app
        # must never log a secret.
        if name != "httpx2" and (found := [k for k, v in secrets_.items() if v in line]):
            leaks.setdefault(name, set()).update(found)
    assert not leaks, f"markers or secrets in log records: {leaks}"


def test_no_marker_leaks_anywhere_and_none_survives_anonymisation(
    client, settings, use_settings, logs, seen, make_team, make_staff, login_fast, capsys,  # noqa: F811
):
    from triage.casework.models import RoutingRule
    from yhteys.cli import main

    m = Markers()
    control = m.text("control.team_name")  # proves the dump and the log capture can see markers
    team = make_team(control, email="queue@example.org")
    with Session(engine_for(settings.database_url)) as db:
        db.add(RoutingRule(team_id=team.id))
        db.commit()
    advisor = make_staff(teams=[team], languages=["fi", "en", "ar"])
    logging.getLogger("sqlalchemy.engine.Engine").debug("control %s", control)
    assert m.found(logs.text) == ["control.team_name"]
    del m.fields[control.removeprefix("CANARY-")]

    # 1. Four requests through the public forms, every text field and a file marked.
    cases = [submit(client, kind, m) for kind in KINDS]
    secrets_ = {f"{c['kind']}.status_secret": c["secret"] for c in cases}
    wa_case = next(c for c in cases if c["kind"] == "social_services")
    assert wa_case["code"], "the WhatsApp case shows its code"
    secrets_["whatsapp_code"] = wa_case["code"]
    dump = database_dump(settings.database_url)
    assert control.encode() in dump
    assert secret_hash(cases[0]["secret"]).encode() in dump, "the dump holds the case table"
    no_secret_in_dump(settings, secrets_, "after submission")
    check_uploads(settings, m, anonymised=False)

    # 2. The acknowledgements go out.
    assert deliver_everything(settings) >= 4
    check_outbox(settings, m, cases)
    check_mail(settings, m, cases)
    no_secret_in_dump(settings, secrets_, "after the acknowledgements")

    # 3. The client writes on her status page, and on WhatsApp from her proven number.
    for case in cases:
        client_writes(client, case, m)
    wa_number = _case_addresses(settings, wa_case["reference"])["contact_address"]
    whatsapp(client, wa_number, f"{wa_case['code']} " + m.text("whatsapp.first_message"),
             "wamid.canary1")
    whatsapp(client, wa_number, m.text("whatsapp.second_message", "Still here. "),
             "wamid.canary2")
    assert len(_bodies(settings, wa_case["reference"])) == 3, "both WhatsApp messages arrived"
    check_uploads(settings, m, anonymised=False)

    # 4. An advisor works every case to the end.
    secrets_["staff_session"] = login_fast(client, advisor)
    assert client.get("/triage/board").status_code == 200
    shown = "\n".join(advisor_works(client, case, m) for case in cases)
    # Every marker went in (a field dropped on the way would prove nothing), except the photo's
    # metadata, which is stripped on arrival.
    missing = set(m.fields.values()) - set(m.found(html.unescape(shown)))
    assert missing == {f"{c['kind']}.reply_file_metadata" for c in cases}, missing
    no_secret_in_dump(settings, secrets_, "after casework")

    # 5. Every notification is delivered.
    deliver_everything(settings)
    check_outbox(settings, m, cases)
    assert check_mail(settings, m, cases) >= 8
    no_secret_in_dump(settings, secrets_, "after the notifications")

    # 6. A year after closing, `yhteys anonymise` (the hourly job) erases the cases.
    use_settings(frozen_now=NOW + timedelta(days=settings.retention_days + 1))
    assert main(["anonymise"]) == 0
    printed = capsys.readouterr()
    assert "4 closed cases anonymised" in printed.out
    deliver_everything(settings)
    for case in cases:
        assert client.get(case["link"].removeprefix("http://testserver")).status_code == 404

    dump = database_dump(settings.database_url)
    assert not m.found(dump), (
        f"left in the database after anonymisation: {m.found(dump)} "
        f"(tables: {tables_holding(settings.database_url, m)})")
    no_secret_in_dump(settings, secrets_, "after anonymisation")
    check_uploads(settings, m, anonymised=True)
    check_outbox(settings, m, cases)
    check_mail(settings, m, cases)

    # 7. Nothing reached a URL, a cookie, a log line or the console, at any step.
    leaked_urls = {u: m.found(u) for u in seen.urls if m.found(u)}
    assert not leaked_urls, f"markers in URLs or cookies: {leaked_urls}"
    assert len(seen.urls) > 50
    check_logs(logs.records, m, secrets_)
    later = capsys.readouterr()
    assert not m.found(printed.out + printed.err + later.out + later.err)


def _case_addresses(settings, reference: str) -> dict[str, str]:  # noqa: ANN001
    from intake.models import Case

    with Session(engine_for(settings.database_url)) as db:
        case = db.exec(select(Case).where(Case.reference == reference)).one()
        return {"contact_address": case.contact_address, "backup_address": case.backup_address}


def _bodies(settings, reference: str) -> list[str]:  # noqa: ANN001
    from intake.models import Case, CaseMessage

    with Session(engine_for(settings.database_url)) as db:
        case = db.exec(select(Case).where(Case.reference == reference)).one()
        return list(db.exec(select(CaseMessage.body).where(CaseMessage.case_id == case.id)))


# --- The canary's findings, each on its own ------------------------------------------------------


@pytest.mark.sqlite_only
def test_sqlite_zeroes_what_it_deletes_whatever_the_build_defaults_to():
    """Without secure_delete an anonymised case stays readable in the file's free space (the
    canary finds it there on builds, unlike Debian's, that default to off)."""
    import sqlite3

    from yhteys.db import _sqlite_pragmas

    connection = sqlite3.connect(":memory:")
    connection.execute("PRAGMA secure_delete=OFF")
    _sqlite_pragmas(connection, None)
    assert connection.execute("PRAGMA secure_delete").fetchone()[0] == 1
    connection.close()


@pytest.mark.sqlite_only
def test_sql_result_rows_never_reach_a_log_line(caplog):  # noqa: ANN001
    from yhteys.logs import SQL_LOGGER, configure_logging

    configure_logging("INFO")
    caplog.set_level(logging.DEBUG, logger=SQL_LOGGER)
    logging.getLogger(SQL_LOGGER).debug("Row %r", ("Amal", "amal@example.org"))
    assert "Row (values hidden)" in caplog.text
    assert "amal@example.org" not in caplog.text


def test_retention_forgets_whatsapp_numbers_whose_window_has_closed(settings):  # noqa: ANN001
    from notify.models import WhatsAppWindow
    from triage.retention import run_once
    from yhteys.clock import now

    with Session(engine_for(settings.database_url)) as db:
        db.add(WhatsAppWindow(number="+358401110001", last_inbound_at=now() - timedelta(hours=25)))
        db.add(WhatsAppWindow(number="+358401110002", last_inbound_at=now() - timedelta(hours=2)))
        db.commit()
    run_once()
    with Session(engine_for(settings.database_url)) as db:
        assert [w.number for w in db.exec(select(WhatsAppWindow))] == ["+358401110002"]
