"""Settings, read once from the environment.

Each field carries its environment variable and its meaning; the README's settings table is
their output (`yhteys settings`, or `python -m yhteys.settings`; a test compares the two).
Defaults are for a developer's laptop; `check_production` refuses the ones that would be unsafe
in production.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

DEV_SECRET = "dev-only-secret-change-me"  # noqa: S105 - the known value production refuses
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(RuntimeError):
    """Raised when the settings are unsafe for the environment they are used in."""


def setting(default: Any, env: str, meaning: str, *, shown: str = "") -> Any:  # noqa: ANN401
    """A field of Settings: its environment variable and its row of the README's table (the
    default as `shown` there when the value itself would not read well)."""
    return field(default=default, metadata={"env": env, "meaning": meaning, "shown": shown})


@dataclass(frozen=True)
class Settings:
    """Every setting, in the order of the README's table (`yhteys settings` prints it)."""

    env: str = setting(
        "development", "YHTEYS_ENV",
        "`production` turns on the start-up checks, HSTS and required TOTP for staff",
    )
    database_url: str = setting(
        f"sqlite:///{PROJECT_ROOT / 'var' / 'yhteys.db'}", "DATABASE_URL",
        "SQLite file or `postgresql://user@host/db` (psycopg 3)",
        shown="`sqlite:///var/yhteys.db`",
    )
    redis_url: str = setting(
        "", "REDIS_URL",
        "Redis for jobs and shared rate limits; empty means in-process jobs (one web process)",
    )
    secret_key: str = setting(
        DEV_SECRET, "SECRET_KEY",
        "signs CSRF tokens and keys client hashes; at least 32 characters in production",
        shown="a development value",
    )
    base_url: str = setting(
        "http://127.0.0.1:8000", "BASE_URL",
        "public address used in status links and notifications; `https://` in production",
    )
    host: str = setting(
        "127.0.0.1", "HOST",
        "address `yhteys serve` listens on",
    )
    port: int = setting(
        8000, "PORT",
        "port `yhteys serve` listens on",
    )
    web_workers: int = setting(
        1, "WEB_WORKERS",
        "web processes of `yhteys serve`; more than one needs `REDIS_URL`",
    )
    submission_threads: int = setting(
        0, "SUBMISSION_THREADS",
        "threads per web process that store form submissions, more wait their turn; 0 chooses "
        "for the database: 4 on PostgreSQL (more contend for Python's interpreter lock: fewer "
        "submissions a second, not more), 40 on SQLite (its threads mostly wait for the one "
        "writer's turn)",
    )
    var_dir: Path = setting(
        PROJECT_ROOT / "var", "VAR_DIR",
        "folder for the SQLite file, uploads and the mail sink",
        shown="`var/`",
    )
    upload_dir: Path = setting(
        PROJECT_ROOT / "var" / "uploads", "UPLOAD_DIR",
        "attachments, outside the web root, never served to the public",
        shown="`$VAR_DIR/uploads`",
    )
    mail_dir: Path = setting(
        PROJECT_ROOT / "var" / "mail", "MAIL_DIR",
        "the console mail sink writes each message here",
        shown="`$VAR_DIR/mail`",
    )
    smtp_url: str = setting(
        "", "SMTP_URL",
        "`smtp://user:pass@host:587` (STARTTLS, required: a server that does not offer it gets "
        "nothing and the row shows `smtp_tls_unavailable`) or `smtps://...:465` (TLS); "
        "certificates are verified. `smtp+insecure://localhost:25` sends in clear, only to a "
        "relay on this host's loopback address. Empty means console sink",
    )
    mail_from: str = setting(
        "Yhteys <no-reply@yhteys.invalid>", "MAIL_FROM",
        "sender of every email; neutral, exposes nobody",
    )
    staff_mail_to: str = setting(
        "", "STAFF_MAIL_TO",
        "fallback address for staff alerts when no team address is set",
    )
    whatsapp_token: str = setting(
        "", "WHATSAPP_TOKEN",
        "WhatsApp Cloud API bearer token; empty means WhatsApp messages go to the console sink",
    )
    whatsapp_phone_number_id: str = setting(
        "", "WHATSAPP_PHONE_NUMBER_ID",
        "the sending phone number id of the Cloud API",
    )
    whatsapp_api_base: str = setting(
        "https://graph.facebook.com/v21.0", "WHATSAPP_API_BASE",
        "Graph API base URL (tests point it at a local server)",
    )
    whatsapp_app_secret: str = setting(
        "", "WHATSAPP_APP_SECRET",
        "app secret that signs webhook bodies (`X-Hub-Signature-256`)",
    )
    whatsapp_verify_token: str = setting(
        "", "WHATSAPP_VERIFY_TOKEN",
        "token the webhook verification challenge must carry",
    )
    whatsapp_display_number: str = setting(
        "", "WHATSAPP_DISPLAY_NUMBER",
        "the service's WhatsApp number as people should see it (`+358 40 123 4567`); shown with "
        "the code that connects a request to WhatsApp",
    )
    whatsapp_conversations: bool = setting(
        True, "WHATSAPP_CONVERSATIONS",
        "a message from a number with no request of its own starts a short guided conversation "
        "that makes one; off: it gets the answer that points to the form",
    )
    whatsapp_conversation_hours: int = setting(
        24, "WHATSAPP_CONVERSATION_HOURS",
        "an unfinished WhatsApp conversation is forgotten after this many hours without a message",
    )
    whatsapp_template: str = setting(
        "yhteys_update", "WHATSAPP_TEMPLATE",
        "approved template used outside the 24-hour window",
    )
    sms_api_url: str = setting(
        "", "SMS_API_URL",
        "HTTP SMS provider endpoint; empty means SMS goes to the console sink",
    )
    sms_api_token: str = setting(
        "", "SMS_API_TOKEN",
        "bearer token of the SMS provider",
    )
    sms_sender: str = setting(
        "RedCross", "SMS_SENDER",
        "sender name of text messages",
    )
    trusted_proxies: tuple[str, ...] = setting(
        (), "TRUSTED_PROXIES",
        "comma-separated addresses/networks whose `X-Forwarded-For` is believed",
    )
    rate_limit_submissions: int = setting(
        10, "RATE_LIMIT_SUBMISSIONS",
        "new cases one browser (or one API client address) may send per window; three times as "
        "many replies on a status page",
    )
    rate_limit_window: int = setting(
        3600, "RATE_LIMIT_WINDOW",
        "the rate-limit window, seconds (it slides: see *Rate limits*)",
    )
    csrf_max_age: int = setting(
        6 * 3600, "CSRF_MAX_AGE",
        "seconds a form stays valid before it asks to be sent again",
    )
    outbox_alert_minutes: int = setting(
        30, "OUTBOX_ALERT_MINUTES",
        "unsent notifications older than this alert supervisors",
    )
    outbox_max_attempts: int = setting(
        8, "OUTBOX_MAX_ATTEMPTS",
        "delivery attempts before a notification is marked dead",
    )
    status_link_idle_days: int = setting(
        90, "STATUS_LINK_IDLE_DAYS",
        "a status link unused this many days stops working (`0`: never); the client or staff can "
        "also end it at once",
    )
    open_link_minutes: int = setting(
        30, "OPEN_LINK_MINUTES",
        "a single-use link asked for with \"Open my request\" (reference and contact address) opens"
        " the request within this many minutes, once",
    )
    notice_link_days: int = setting(
        7, "NOTICE_LINK_DAYS",
        "the single-use link in each notice to the client opens her request within this many "
        "days, once",
    )
    retention_days: int = setting(
        365, "RETENTION_DAYS",
        "closed cases are anonymised this many days after closing",
    )
    inactive_days: int = setting(
        365, "INACTIVE_DAYS",
        "an open case with no change and no message for this many days is closed as "
        "\"not_reachable\" (then anonymised after `RETENTION_DAYS`)",
    )
    session_idle_minutes: int = setting(
        30, "SESSION_IDLE_MINUTES",
        "staff sessions end after this much inactivity",
    )
    demo_data: bool = setting(
        False, "DEMO_DATA",
        "seed demo data at start (development only; refused in production)",
    )
    frozen_now: datetime | None = setting(
        None, "YHTEYS_NOW",
        "freeze the application clock at an ISO instant with offset (tests, demos)",
    )
    log_level: str = setting(
        "INFO", "LOG_LEVEL",
        "log level; log lines never carry personal data",
    )
    data_keys: tuple[str, ...] = setting(
        (), "DATA_KEYS",
        "comma-separated keys that encrypt files and secrets at rest; the first seals, all open "
        "(rotation: see *Keys* under *Running in production*). Required in production; keep them "
        "out of the database host's backups",
        shown="empty (development: derived from `SECRET_KEY`)",
    )
    api_anonymous: bool = setting(
        False, "API_ANONYMOUS",
        "`true` lets `POST /api/v1/cases` take requests without a partner API key (the old open "
        "API, limited per client by `RATE_LIMIT_SUBMISSIONS`); a key that is sent is still "
        "checked",
    )
    smtp_ca_file: str = setting(
        "", "SMTP_CA_FILE",
        "PEM file of the CA that signed the mail server's certificate (a private CA); empty means"
        " the system's CAs",
    )
    rate_limit_submissions_per_address: int = setting(
        200, "RATE_LIMIT_SUBMISSIONS_PER_ADDRESS",
        "new cases all browsers behind one address (a reception centre's Wi-Fi) may send together"
        " per window; three times as many replies",
    )
    keep_original_pdf: bool = setting(
        False, "KEEP_ORIGINAL_PDF",
        "`true` stores PDFs exactly as sent instead of the copy rewritten without scripts, "
        "embedded files and metadata (they are checked either way)",
    )
    log_format: str = setting(
        "", "LOG_FORMAT",
        "`json`: one JSON object per line (`time`, `level`, `logger`, `message`, `request_id`); "
        "`text`: one readable line",
        shown="`json` in production, `text` otherwise",
    )
    ready_outbox_minutes: int = setting(
        60, "READY_OUTBOX_MINUTES",
        "`/readyz` fails when the oldest unsent notification is older than this (`0`: only "
        "reported)",
    )
    metrics_allow: tuple[str, ...] = setting(
        ("127.0.0.1", "::1"), "METRICS_ALLOW",
        "addresses/networks that may read `/metrics` without a token",
    )
    metrics_token: str = setting(
        "", "METRICS_TOKEN",
        "bearer token that opens `/metrics` from any address (`Authorization: Bearer ...`)",
    )
    metrics_dir: Path | None = setting(
        None, "METRICS_DIR",
        "folder where the processes of one host share their metrics (`PROMETHEUS_MULTIPROC_DIR` "
        "wins if set); give `yhteys worker` on the same host the same value",
        shown="empty (`$VAR_DIR/metrics` with several web workers)",
    )
    # Who runs this service (yhteys/organisation.py).
    org_name: str = setting(
        "Finnish Red Cross", "ORG_NAME",
        "the national society that runs the service, shown as written in every language (footer, "
        "emails, accessibility statement); the service's own name, \"Red Cross advice for "
        "migrants\", is translated",
    )
    org_logo: Path | None = setting(
        None, "ORG_LOGO",
        "an `.svg` or `.png` file of the society's logo, served by the app at `/organisation-logo` "
        "(no request to another host); shown 24 px high in the header of a phone (32 px on a "
        "wider screen), its text alternative is `ORG_NAME`",
        shown="empty (a built-in emblem)",
    )
    org_email: str = setting(
        "", "ORG_EMAIL",
        "the society's contact email, in the footer of every public page, the clients' emails "
        "and the accessibility statement",
    )
    org_phone: str = setting(
        "", "ORG_PHONE",
        "the society's contact phone, as people should see it (`+358 20 701 2000`); shown beside "
        "`ORG_EMAIL`. With neither, the statement points to the contact form",
    )
    emergency_number: str = setting(
        "112", "EMERGENCY_NUMBER",
        "the emergency number in the footer and in every emergency notice, in every language",
    )
    accessibility_statement_url: str = setting(
        "", "ACCESSIBILITY_STATEMENT_URL",
        "the society's own accessibility statement; the footer links to it and "
        "`/{locale}/accessibility` redirects to it",
        shown="empty (the built-in statement)",
    )
    accessibility_statement_date: str = setting(
        "2026-12-06", "ACCESSIBILITY_STATEMENT_DATE",
        "when the built-in statement was last checked against the service (ISO date); set it "
        "when your society reviews the statement",
    )
    accessibility_authority: str = setting(
        "Etelä-Suomen aluehallintovirasto", "ACCESSIBILITY_AUTHORITY",
        "the authority a person can complain to about accessibility, named in the built-in "
        "statement",
    )
    accessibility_authority_url: str = setting(
        "https://www.saavutettavuusvaatimukset.fi", "ACCESSIBILITY_AUTHORITY_URL",
        "its web address (empty: the name alone)",
    )


    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def json_logs(self) -> bool:
        """LOG_FORMAT, or by default JSON lines in production and plain text elsewhere."""
        return (self.log_format or ("json" if self.is_production else "text")) == "json"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def https(self) -> bool:
        return self.base_url.startswith("https://")


# Environment variable for each field; the README documents exactly these names.
ENV_NAMES: dict[str, str] = {f.name: f.metadata["env"] for f in fields(Settings)}
TABLE_HEADER = "| variable | default | meaning |\n| --- | --- | --- |"


def _shown(value: object) -> str:
    if value is None or value in ("", ()):
        return "empty"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, tuple):
        return f"`{','.join(value)}`"
    return f"`{value}`"


def table() -> str:
    """The README's settings table, generated from the fields above."""
    rows = [TABLE_HEADER]
    for f in fields(Settings):
        shown = f.metadata["shown"] or _shown(f.default)
        rows.append(f"| `{f.metadata['env']}` | {shown} | {f.metadata['meaning']} |")
    return "\n".join(rows)


def _parse(name: str, kind: type | str, raw: str):  # noqa: ANN202 - one small converter
    kind = str(kind)
    if "int" in kind and "Path" not in kind:
        return int(raw)
    if "bool" in kind:
        return raw.lower() in {"1", "true", "yes", "on"}
    if "Path" in kind:
        return Path(raw).expanduser()
    if "tuple" in kind:
        return tuple(p.strip() for p in raw.split(",") if p.strip())
    if "datetime" in kind:
        parsed = datetime.fromisoformat(raw)
        if parsed.tzinfo is None:
            raise SettingsError(f"{ENV_NAMES[name]} must carry a UTC offset, e.g. +02:00")
        return parsed
    return raw


def load(environ: dict[str, str] | None = None) -> Settings:
    """Build Settings from an environment mapping (os.environ by default)."""
    environ = dict(os.environ if environ is None else environ)
    values: dict[str, Any] = {}
    for f in fields(Settings):
        env_name = ENV_NAMES.get(f.name)
        if env_name is None:
            continue
        raw = environ.get(env_name, "").strip()
        if raw:
            values[f.name] = _parse(f.name, f.type, raw)
    var_dir = values.get("var_dir")
    if isinstance(var_dir, Path):
        values.setdefault("upload_dir", var_dir / "uploads")
        values.setdefault("mail_dir", var_dir / "mail")
        values.setdefault("database_url", f"sqlite:///{var_dir / 'yhteys.db'}")
    settings = Settings(**values)
    if settings.log_format not in {"", "json", "text"}:
        raise SettingsError("LOG_FORMAT must be json or text")
    check_organisation(settings)
    if settings.is_production:
        check_production(settings)
    return settings


def check_production(settings: Settings) -> None:
    """Refuse settings that would be unsafe with real people's data, and say why."""
    problems: list[str] = []
    if settings.secret_key == DEV_SECRET or len(settings.secret_key) < 32:
        problems.append("SECRET_KEY is the development default or shorter than 32 characters")
    if not settings.data_keys:
        problems.append("DATA_KEYS is empty (files and secrets at rest need a key: "
                        "yhteys generate-key)")
    if settings.frozen_now is not None:
        problems.append("YHTEYS_NOW freezes the clock (sessions, lockouts, links and retention "
                        "would never expire); it is for tests and demos only")
    if not settings.https:
        problems.append("BASE_URL must start with https:// (status links carry secrets)")
    if settings.is_sqlite:
        path = settings.database_url.split("///", 1)[-1]
        tmp = tempfile.gettempdir()
        if path in {"", ":memory:"} or path.startswith((tmp, "/tmp", "/var/tmp")):  # noqa: S108
            problems.append("DATABASE_URL points SQLite at memory or a temporary directory")
    if problems:
        raise SettingsError("Refusing to start in production: " + "; ".join(problems) + ".")


LOGO_TYPES = {".svg": "image/svg+xml", ".png": "image/png"}


def check_organisation(settings: Settings) -> None:
    """A logo the app can serve from its own origin, and web addresses people can open."""
    logo = settings.org_logo
    if logo is not None:
        if logo.suffix.lower() not in LOGO_TYPES:
            raise SettingsError("ORG_LOGO must be an .svg or .png file")
        if not logo.is_file():
            raise SettingsError(f"ORG_LOGO: no file at {logo}")
    try:
        date.fromisoformat(settings.accessibility_statement_date)
    except ValueError:
        raise SettingsError("ACCESSIBILITY_STATEMENT_DATE must be a date: 2026-12-06") from None
    for name in ("accessibility_statement_url", "accessibility_authority_url"):
        value = getattr(settings, name)
        if value and not value.startswith(("https://", "http://")):
            raise SettingsError(f"{ENV_NAMES[name]} must start with https://")


def public_origin(settings: Settings) -> str:
    """scheme://host[:port] of BASE_URL, used to check the Origin header of form posts."""
    parsed = urlparse(settings.base_url)
    return f"{parsed.scheme}://{parsed.netloc}"


_current: Settings | None = None


def get_settings() -> Settings:
    global _current
    if _current is None:
        _current = load()
    return _current


def set_settings(settings: Settings | None) -> None:
    """Replace the process-wide settings (the app factory and tests use this)."""
    global _current
    _current = settings


if __name__ == "__main__":
    print(table())
