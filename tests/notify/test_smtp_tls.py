"""SMTP is always encrypted: STARTTLS is required on smtp://, smtps:// is TLS from the start,
certificates are verified (SMTP_CA_FILE for a private CA), and only an explicit
smtp+insecure:// to a loopback relay sends in clear.

Hostile finding: with a server (or a man in the middle) that did not offer STARTTLS, the password
and every message went out in clear. Real aiosmtpd servers, with and without STARTTLS.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from notify.channels.smtp import parse_smtp_url
from notify.delivery import deliver_row
from tests.notify.conftest import RecordingHandler, free_port
from tests.notify.helpers import fresh, queue


def _self_signed(tmp_path):  # noqa: ANN001, ANN202
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(
            "127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture
def certificate(tmp_path):  # noqa: ANN001, ANN201
    """A self-signed certificate for 127.0.0.1: (server context, path of the CA file)."""
    cert_path, key_path = _self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return context, str(cert_path)


class TlsRecorder(RecordingHandler):
    def __init__(self) -> None:
        super().__init__()
        self.encrypted: list[bool] = []
        self.logins: list[tuple[bytes, bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
        tls = server.transport.get_extra_info("ssl_object") is not None  # smtps
        self.encrypted.append(tls or session.ssl is not None)  # or after STARTTLS
        return await super().handle_DATA(server, session, envelope)

    def authenticator(self, server, session, envelope, mechanism, auth_data):  # noqa: ANN001, ANN201
        self.logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret/pw", handled=False)


def serve(handler: TlsRecorder, **options) -> tuple[Controller, int]:  # noqa: ANN003
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port,
                            authenticator=handler.authenticator,
                            auth_exclude_mechanism=["LOGIN"], **options)
    controller.start()
    return controller, port


def test_starttls_is_used_and_the_login_goes_inside_it(session, use_settings, certificate):
    context, ca_file = certificate
    handler = TlsRecorder()
    controller, port = serve(handler, tls_context=context, require_starttls=True)
    try:
        use_settings(smtp_url=f"smtp://mailer:s3cret%2Fpw@127.0.0.1:{port}", smtp_ca_file=ca_file)
        row = queue(session)
        assert deliver_row(row.id) == "sent", fresh(row.id).error_code
    finally:
        controller.stop()
    assert handler.encrypted == [True]
    assert handler.logins == [(b"mailer", b"s3cret/pw")]
    assert len(handler.messages) == 1


def test_wrong_credentials_are_kept_and_retried_slowly(session, use_settings, certificate):
    context, ca_file = certificate
    handler = TlsRecorder()
    controller, port = serve(handler, tls_context=context, require_starttls=True)
    try:
        use_settings(smtp_url=f"smtp://mailer:wrong@127.0.0.1:{port}", smtp_ca_file=ca_file)
        row = queue(session)
        # 535: our credentials are wrong. Not the client's fault: kept and retried slowly.
        assert deliver_row(row.id) == "pending"
    finally:
        controller.stop()
    assert handler.logins == [(b"mailer", b"wrong")]
    assert fresh(row.id).error_code == "smtp_auth"


def test_without_starttls_nothing_is_sent_in_clear(session, use_settings, certificate):
    _context, ca_file = certificate
    handler = TlsRecorder()
    # A server that offers no STARTTLS (as a man in the middle who strips it would), and would
    # take a password in clear.
    controller, port = serve(handler, auth_require_tls=False)
    try:
        use_settings(smtp_url=f"smtp://mailer:s3cret%2Fpw@127.0.0.1:{port}", smtp_ca_file=ca_file)
        row = queue(session)
        assert deliver_row(row.id) == "pending"  # kept: retried, then the outbox alert
    finally:
        controller.stop()
    failed = fresh(row.id)
    assert failed.error_code == "smtp_tls_unavailable"
    assert "STARTTLS" in failed.error_text
    assert handler.logins == []  # the password never left
    assert handler.attempts == [] and handler.messages == []


def test_smtps_speaks_tls_from_the_start(session, use_settings, certificate):
    context, ca_file = certificate
    handler = TlsRecorder()
    controller, port = serve(handler, ssl_context=context)
    try:
        use_settings(smtp_url=f"smtps://127.0.0.1:{port}", smtp_ca_file=ca_file)
        row = queue(session)
        assert deliver_row(row.id) == "sent", fresh(row.id).error_code
    finally:
        controller.stop()
    assert handler.encrypted == [True]


@pytest.mark.parametrize("scheme", ["smtps", "smtp"])
def test_an_untrusted_certificate_is_not_accepted(session, use_settings, certificate, scheme):
    context, _ca_file = certificate
    handler = TlsRecorder()
    options = ({"ssl_context": context} if scheme == "smtps"
               else {"tls_context": context, "require_starttls": True})
    controller, port = serve(handler, **options)
    try:
        use_settings(smtp_url=f"{scheme}://mailer:s3cret%2Fpw@127.0.0.1:{port}")  # no CA file
        row = queue(session)
        assert deliver_row(row.id) == "pending"
    finally:
        controller.stop()
    assert fresh(row.id).error_code == "smtp_tls"
    assert handler.logins == [] and handler.messages == []


def test_a_local_relay_may_be_used_without_tls_only_when_said_so(session, use_settings):
    handler = TlsRecorder()
    controller, port = serve(handler)
    try:
        use_settings(smtp_url=f"smtp+insecure://127.0.0.1:{port}")
        row = queue(session)
        assert deliver_row(row.id) == "sent", fresh(row.id).error_code
    finally:
        controller.stop()
    assert handler.encrypted == [False]


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    "url",
    ["smtp+insecure://mail.example.org:25", "smtp+insecure://10.0.0.5", "smtp://host?tls=none",
     "http://mail.example.org", "smtp://"],
)
def test_clear_text_to_another_host_is_refused(url):
    with pytest.raises(ValueError, match="SMTP_URL|smtp\\+insecure"):
        parse_smtp_url(url)


def test_a_wrong_smtp_url_is_a_clear_code_on_the_row(session, use_settings):
    use_settings(smtp_url="smtp+insecure://mail.example.org:25")
    row = queue(session)
    assert deliver_row(row.id) == "pending"
    assert fresh(row.id).error_code == "smtp_url"


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    ("url", "port", "security"),
    [("smtp://h", 587, "starttls"), ("smtps://h", 465, "tls"),
     ("smtp+insecure://localhost", 25, "none"), ("smtp+insecure://[::1]:2525", 2525, "none")],
)
def test_smtp_urls(url, port, security):
    target = parse_smtp_url(url)
    assert (target.port, target.security) == (port, security)
