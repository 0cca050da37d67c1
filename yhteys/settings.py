"""Settings, read once from the environment.

Every field here is documented in the README (a test checks it). Defaults are for a developer's
laptop; `check_production` refuses the ones that would be unsafe in production.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

DEV_SECRET = "dev-only-secret-change-me"  # noqa: S105 - the known value production refuses
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(RuntimeError):
    """Raised when the settings are unsafe for the environment they are used in."""


@dataclass(frozen=True)
class Settings:
    env: str = "development"  # YHTEYS_ENV
    database_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'yhteys.db'}"  # DATABASE_URL
    redis_url: str = ""  # REDIS_URL
    secret_key: str = DEV_SECRET  # SECRET_KEY
    base_url: str = "http://127.0.0.1:8000"  # BASE_URL
    host: str = "127.0.0.1"  # HOST
    port: int = 8000  # PORT
    web_workers: int = 1  # WEB_WORKERS
    var_dir: Path = PROJECT_ROOT / "var"  # VAR_DIR
    upload_dir: Path = PROJECT_ROOT / "var" / "uploads"  # UPLOAD_DIR
    mail_dir: Path = PROJECT_ROOT / "var" / "mail"  # MAIL_DIR
    smtp_url: str = ""  # SMTP_URL
    mail_from: str = "Yhteys <no-reply@yhteys.invalid>"  # MAIL_FROM
    staff_mail_to: str = ""  # STAFF_MAIL_TO
    whatsapp_token: str = ""  # WHATSAPP_TOKEN
    whatsapp_phone_number_id: str = ""  # WHATSAPP_PHONE_NUMBER_ID
    whatsapp_api_base: str = "https://graph.facebook.com/v21.0"  # WHATSAPP_API_BASE
    whatsapp_app_secret: str = ""  # WHATSAPP_APP_SECRET
    whatsapp_verify_token: str = ""  # WHATSAPP_VERIFY_TOKEN
    whatsapp_template: str = "yhteys_update"  # WHATSAPP_TEMPLATE
    sms_api_url: str = ""  # SMS_API_URL
    sms_api_token: str = ""  # SMS_API_TOKEN
    sms_sender: str = "RedCross"  # SMS_SENDER
    trusted_proxies: tuple[str, ...] = ()  # TRUSTED_PROXIES
    rate_limit_submissions: int = 10  # RATE_LIMIT_SUBMISSIONS
    rate_limit_window: int = 3600  # RATE_LIMIT_WINDOW
    csrf_max_age: int = 6 * 3600  # CSRF_MAX_AGE
    outbox_alert_minutes: int = 30  # OUTBOX_ALERT_MINUTES
    outbox_max_attempts: int = 8  # OUTBOX_MAX_ATTEMPTS
    retention_days: int = 365  # RETENTION_DAYS
    inactive_days: int = 365  # INACTIVE_DAYS
    session_idle_minutes: int = 30  # SESSION_IDLE_MINUTES
    demo_data: bool = False  # DEMO_DATA
    frozen_now: datetime | None = None  # YHTEYS_NOW
    log_level: str = "INFO"  # LOG_LEVEL
    data_keys: tuple[str, ...] = ()  # DATA_KEYS
    # client links and WhatsApp
    status_link_idle_days: int = 90  # STATUS_LINK_IDLE_DAYS
    whatsapp_display_number: str = ""  # WHATSAPP_DISPLAY_NUMBER
    open_link_minutes: int = 30  # OPEN_LINK_MINUTES
    notice_link_days: int = 7  # NOTICE_LINK_DAYS
    # Partner API and mail transport
    api_anonymous: bool = False  # API_ANONYMOUS
    smtp_ca_file: str = ""  # SMTP_CA_FILE
    # rate limits
    rate_limit_submissions_per_address: int = 200  # RATE_LIMIT_SUBMISSIONS_PER_ADDRESS
    # attachments
    keep_original_pdf: bool = False  # KEEP_ORIGINAL_PDF
    # operations: logs, readiness, metrics
    log_format: str = ""  # LOG_FORMAT
    ready_outbox_minutes: int = 60  # READY_OUTBOX_MINUTES
    metrics_allow: tuple[str, ...] = ("127.0.0.1", "::1")  # METRICS_ALLOW
    metrics_token: str = ""  # METRICS_TOKEN
    metrics_dir: Path | None = None  # METRICS_DIR

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
ENV_NAMES: dict[str, str] = {
    "env": "YHTEYS_ENV",
    "database_url": "DATABASE_URL",
    "redis_url": "REDIS_URL",
    "secret_key": "SECRET_KEY",
    "base_url": "BASE_URL",
    "host": "HOST",
    "port": "PORT",
    "web_workers": "WEB_WORKERS",
    "var_dir": "VAR_DIR",
    "upload_dir": "UPLOAD_DIR",
    "mail_dir": "MAIL_DIR",
    "smtp_url": "SMTP_URL",
    "mail_from": "MAIL_FROM",
    "staff_mail_to": "STAFF_MAIL_TO",
    "whatsapp_token": "WHATSAPP_TOKEN",
    "whatsapp_phone_number_id": "WHATSAPP_PHONE_NUMBER_ID",
    "whatsapp_api_base": "WHATSAPP_API_BASE",
    "whatsapp_app_secret": "WHATSAPP_APP_SECRET",
    "whatsapp_verify_token": "WHATSAPP_VERIFY_TOKEN",
    "whatsapp_template": "WHATSAPP_TEMPLATE",
    "sms_api_url": "SMS_API_URL",
    "sms_api_token": "SMS_API_TOKEN",
    "sms_sender": "SMS_SENDER",
    "trusted_proxies": "TRUSTED_PROXIES",
    "rate_limit_submissions": "RATE_LIMIT_SUBMISSIONS",
    "rate_limit_window": "RATE_LIMIT_WINDOW",
    "csrf_max_age": "CSRF_MAX_AGE",
    "outbox_alert_minutes": "OUTBOX_ALERT_MINUTES",
    "outbox_max_attempts": "OUTBOX_MAX_ATTEMPTS",
    "retention_days": "RETENTION_DAYS",
    "inactive_days": "INACTIVE_DAYS",
    "session_idle_minutes": "SESSION_IDLE_MINUTES",
    "demo_data": "DEMO_DATA",
    "frozen_now": "YHTEYS_NOW",
    "log_level": "LOG_LEVEL",
    "data_keys": "DATA_KEYS",
    "status_link_idle_days": "STATUS_LINK_IDLE_DAYS",
    "whatsapp_display_number": "WHATSAPP_DISPLAY_NUMBER",
    "open_link_minutes": "OPEN_LINK_MINUTES",
    "notice_link_days": "NOTICE_LINK_DAYS",
    # Partner API and mail transport
    "api_anonymous": "API_ANONYMOUS",
    "smtp_ca_file": "SMTP_CA_FILE",
    # rate limits
    "rate_limit_submissions_per_address": "RATE_LIMIT_SUBMISSIONS_PER_ADDRESS",
    # attachments
    "keep_original_pdf": "KEEP_ORIGINAL_PDF",
    # operations: logs, readiness, metrics
    "log_format": "LOG_FORMAT",
    "ready_outbox_minutes": "READY_OUTBOX_MINUTES",
    "metrics_allow": "METRICS_ALLOW",
    "metrics_token": "METRICS_TOKEN",
    "metrics_dir": "METRICS_DIR",
}


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
