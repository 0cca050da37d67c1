"""Email over SMTP: smtp:// (STARTTLS when the server offers it), smtps:// (TLS from the start).

Each worker thread keeps one connection open and reuses it, which is what makes hundreds of
messages a second possible; a connection that went stale is replaced before anything is sent on it.
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import unquote, urlparse

from notify.channels.base import Outgoing, Permanent, Sent, Transient
from notify.channels.email_message import email_bytes, message_id, sender_address

TIMEOUT = 20.0  # seconds per SMTP command; keep the outbox lease well above this
IDLE_CHECK = 5.0  # a connection idle longer than this is checked with NOOP before use


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    tls: bool  # smtps://
    username: str
    password: str


def parse_smtp_url(url: str) -> SmtpTarget:
    parsed = urlparse(url)
    if parsed.scheme not in {"smtp", "smtps"} or not parsed.hostname:
        raise ValueError("SMTP_URL must look like smtp://user:pass@host:587 or smtps://host:465")
    tls = parsed.scheme == "smtps"
    return SmtpTarget(
        host=parsed.hostname,
        port=parsed.port or (465 if tls else 587),
        tls=tls,
        username=unquote(parsed.username or ""),
        password=unquote(parsed.password or ""),
    )


class SmtpChannel:
    name = "smtp"

    def __init__(self, url: str, mail_from: str, *, timeout: float = TIMEOUT) -> None:
        self.target = parse_smtp_url(url)
        self.mail_from = mail_from
        self.envelope_from = sender_address(mail_from)
        self.timeout = timeout
        self._local = threading.local()

    # -- connections -----------------------------------------------------------------------
    def _connect(self) -> smtplib.SMTP:
        t = self.target
        context = ssl.create_default_context()
        if t.tls:
            conn: smtplib.SMTP = smtplib.SMTP_SSL(
                t.host, t.port, timeout=self.timeout, context=context
            )
        else:
            conn = smtplib.SMTP(t.host, t.port, timeout=self.timeout)
            conn.ehlo()
            if conn.has_extn("starttls"):
                conn.starttls(context=context)
                conn.ehlo()
        if t.username:
            conn.login(t.username, t.password)
        return conn

    def _connection(self) -> smtplib.SMTP:
        conn = getattr(self._local, "conn", None)
        if conn is not None and time.monotonic() - self._local.used > IDLE_CHECK:
            try:
                if conn.noop()[0] != 250:
                    raise smtplib.SMTPServerDisconnected("noop refused")
            except (smtplib.SMTPException, OSError):
                self._drop()
                conn = None
        if conn is None:
            conn = self._local.conn = self._connect()
        self._local.used = time.monotonic()
        return conn

    def _drop(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            with contextlib.suppress(Exception):  # closing a broken connection
                conn.close()

    def close(self) -> None:
        self._drop()

    # -- sending ---------------------------------------------------------------------------
    def send(self, outgoing: Outgoing) -> Sent:
        data = email_bytes(outgoing, self.mail_from)
        try:
            conn = self._connection()
            refused = conn.sendmail(self.envelope_from, [outgoing.recipient], data)
        except smtplib.SMTPRecipientsRefused as exc:
            self._reset()
            code = next(iter(exc.recipients.values()))[0] if exc.recipients else 550
            raise _by_code(code, "recipient") from None
        except smtplib.SMTPAuthenticationError:
            # Our settings, not the client's address: keep the message and retry slowly; the
            # outbox alert tells supervisors that nothing is going out.
            self._drop()
            raise Transient(
                "smtp_auth", "The mail server refused our credentials: check SMTP_URL", 300.0
            ) from None
        except smtplib.SMTPSenderRefused as exc:
            self._reset()
            raise _by_code(exc.smtp_code, "sender") from None
        except smtplib.SMTPResponseException as exc:
            self._drop()
            raise _by_code(exc.smtp_code, "message") from None
        except (smtplib.SMTPException, OSError) as exc:
            # Connection refused, reset, timed out, TLS failure: the server may have the message
            # or not; the same Message-ID goes out on the retry.
            self._drop()
            text = f"Mail server unreachable ({type(exc).__name__})"
            raise Transient("smtp_network", text) from None
        if refused:
            code = next(iter(refused.values()))[0]
            raise _by_code(code, "recipient")
        return Sent(provider_id=message_id(outgoing, self.mail_from))

    def _reset(self) -> None:
        conn = getattr(self._local, "conn", None)
        try:
            if conn is not None:
                conn.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()


def _by_code(code: int, what: str) -> Transient | Permanent:
    if 400 <= code < 500:
        return Transient(f"smtp_{code}", f"Mail server asked to try again later ({code})")
    texts = {
        "recipient": "The mail server refused the address",
        "sender": "The mail server refused the sender address",
        "message": "The mail server refused the message",
    }
    # A refused address may still be reached on the person's other channel.
    return Permanent(f"smtp_{code}", f"{texts[what]} ({code})", use_fallback=what == "recipient")
