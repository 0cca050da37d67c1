"""SMTP over TLS: STARTTLS when the server offers it (smtp://), TLS from the start (smtps://)."""

from __future__ import annotations

import shutil
import ssl
import subprocess

import pytest
from aiosmtpd.controller import Controller

from notify.delivery import deliver_row
from tests.notify.conftest import RecordingHandler, free_port
from tests.notify.helpers import fresh, queue


@pytest.fixture
def certificate(tmp_path, monkeypatch):  # noqa: ANN001, ANN201
    """A self-signed certificate for 127.0.0.1 that this test's TLS clients trust."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # read by ssl.create_default_context()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


class TlsRecorder(RecordingHandler):
    def __init__(self) -> None:
        super().__init__()
        self.encrypted: list[bool] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
        tls = server.transport.get_extra_info("ssl_object") is not None  # smtps
        self.encrypted.append(tls or session.ssl is not None)  # or after STARTTLS
        return await super().handle_DATA(server, session, envelope)


def test_starttls_is_used_when_the_server_offers_it(session, use_settings, certificate):
    handler, port = TlsRecorder(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port,
                            tls_context=certificate, require_starttls=True)
    controller.start()
    try:
        use_settings(smtp_url=f"smtp://127.0.0.1:{port}")
        row = queue(session)
        assert deliver_row(row.id) == "sent", fresh(row.id).error_code
    finally:
        controller.stop()
    assert handler.encrypted == [True]
    assert len(handler.messages) == 1


def test_smtps_speaks_tls_from_the_start(session, use_settings, certificate):
    handler, port = TlsRecorder(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, ssl_context=certificate)
    controller.start()
    try:
        use_settings(smtp_url=f"smtps://127.0.0.1:{port}")
        row = queue(session)
        assert deliver_row(row.id) == "sent", fresh(row.id).error_code
    finally:
        controller.stop()
    assert handler.encrypted == [True]


def test_an_untrusted_certificate_is_not_accepted(session, use_settings, certificate,
                                                  monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE")
    handler, port = TlsRecorder(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, ssl_context=certificate)
    controller.start()
    try:
        use_settings(smtp_url=f"smtps://127.0.0.1:{port}")
        row = queue(session)
        assert deliver_row(row.id) == "pending"
    finally:
        controller.stop()
    assert fresh(row.id).error_code == "smtp_network"
    assert handler.messages == []
