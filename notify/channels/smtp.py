"""Email over SMTP, always encrypted: smtp:// (STARTTLS, required), smtps:// (TLS from the start).

A server that does not offer STARTTLS (or an attacker on the path who strips it) gets nothing:
neither the password nor a message goes out in clear; the row keeps `smtp_tls_unavailable` and
is retried slowly while the outbox alert tells supervisors. Certificates are verified against
the system's CAs, or only against SMTP_CA_FILE for a private CA. The one way to send in clear is
to say so: `smtp+insecure://` to a relay on this host's loopback address (localhost, 127.0.0.1,
::1); any other host is refused.

Each worker thread keeps one connection open and reuses it, which is what makes hundreds of
messages a second possible; a connection that went stale is replaced before anything is sent on it.
"""

from __future__ import annotations

import contextlib
import ipaddress
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


STARTTLS, TLS, NONE = "starttls", "tls", "none"
SCHEMES = {"smtp": STARTTLS, "smtps": TLS, "smtp+insecure": NONE}
DEFAULT_PORTS = {STARTTLS: 587, TLS: 465, NONE: 25}
URL_HELP = ("SMTP_URL must look like smtp://user:pass@host:587 (STARTTLS), smtps://host:465 "
            "(TLS) or smtp+insecure://localhost:25 (a relay on this host, without TLS)")


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    security: str  # starttls | tls | none
    username: str
    password: str

    @property
    def tls(self) -> bool:  # smtps://
        return self.security == TLS


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_smtp_url(url: str) -> SmtpTarget:
    parsed = urlparse(url)
    security = SCHEMES.get(parsed.scheme)
    if security is None or not parsed.hostname or parsed.query:
        raise ValueError(URL_HELP)
    if security == NONE and not is_loopback(parsed.hostname):
        raise ValueError("smtp+insecure:// sends in clear: only to a relay on this host "
                         "(localhost, 127.0.0.1 or ::1)")
    return SmtpTarget(
        host=parsed.hostname,
        port=parsed.port or DEFAULT_PORTS[security],
        security=security,
        username=unquote(parsed.username or ""),
        password=unquote(parsed.password or ""),
    )


class TlsUnavailable(Exception):  # noqa: N818 - a condition of the server, not a bug
    """The server did not offer STARTTLS: nothing may be sent on this connection."""


class SmtpChannel:
    name = "smtp"

    def __init__(self, url: str, mail_from: str, *, timeout: float = TIMEOUT,
                 ca_file: str = "") -> None:
        # A wrong SMTP_URL is our settings' fault: every send says so on the row.
        try:
            self.target: SmtpTarget | None = parse_smtp_url(url)
        except ValueError as exc:
            self.target, self.url_error = None, str(exc)
        self.mail_from = mail_from
        self.envelope_from = sender_address(mail_from)
        self.timeout = timeout
        self.ca_file = ca_file
        self._local = threading.local()

    # -- connections -----------------------------------------------------------------------
    def _context(self) -> ssl.SSLContext:
        # Verified certificates and host names (the default context); a private CA replaces
        # the system's list rather than widening it.
        return ssl.create_default_context(cafile=self.ca_file or None)

    def _connect(self) -> smtplib.SMTP:
        t = self.target
        assert t is not None
        if t.security == TLS:
            return self._login(smtplib.SMTP_SSL(t.host, t.port, timeout=self.timeout,
                                                context=self._context()))
        conn = smtplib.SMTP(t.host, t.port, timeout=self.timeout)
        if t.security == STARTTLS:
            try:
                conn.ehlo()
                if not conn.has_extn("starttls"):
                    raise TlsUnavailable
                try:
                    conn.starttls(context=self._context())
                except smtplib.SMTPResponseException:  # offered, then refused (454, 5xx)
                    raise TlsUnavailable from None
                conn.ehlo()
            except BaseException:
                with contextlib.suppress(Exception):
                    conn.close()
                raise
        return self._login(conn)

    def _login(self, conn: smtplib.SMTP) -> smtplib.SMTP:
        if self.target is not None and self.target.username:
            try:
                conn.login(self.target.username, self.target.password)
            except BaseException:  # not kept yet, so _drop() would not close it
                with contextlib.suppress(Exception):
                    conn.close()
                raise
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
        if self.target is None:
            raise Transient("smtp_url", self.url_error, 300.0)
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
        except TlsUnavailable:
            # The server's (or the path's) fault, not the client's address: keep the message,
            # retry slowly, let the outbox alert reach supervisors. Never fall back to clear.
            self._drop()
            raise Transient(
                "smtp_tls_unavailable",
                "The mail server does not offer STARTTLS; nothing was sent: check SMTP_URL",
                300.0,
            ) from None
        except ssl.SSLError as exc:
            # A certificate that does not verify (or a failed handshake): nothing was sent.
            self._drop()
            raise Transient(
                "smtp_tls", f"TLS with the mail server failed ({type(exc).__name__})", 300.0
            ) from None
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
