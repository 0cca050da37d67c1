"""The console/file sink: what would be sent, written to MAIL_DIR, for development and `make run`.

Used for every channel whose provider is not configured. The log line carries the outbox id only.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from notify.channels.base import Outgoing, Sent
from notify.channels.email_message import email_bytes

log = logging.getLogger(__name__)


class ConsoleSink:
    name = "console"

    def __init__(self, mail_dir: Path, mail_from: str) -> None:
        self.mail_dir = mail_dir
        self.mail_from = mail_from

    def path_for(self, outgoing: Outgoing) -> Path:
        suffix = "eml" if outgoing.channel == "email" else "txt"
        return self.mail_dir / f"{outgoing.id:08d}-{outgoing.event}-{outgoing.channel}.{suffix}"

    def send(self, outgoing: Outgoing) -> Sent:
        if outgoing.channel == "email":
            content = email_bytes(outgoing, self.mail_from)
        else:
            content = (
                f"Channel: {outgoing.channel}\nTo: {outgoing.recipient}\n\n"
                f"{outgoing.message.short}\n"
            ).encode()
        path = self.path_for(outgoing)
        self.mail_dir.mkdir(parents=True, exist_ok=True)
        # One file per row, written whole: a resend replaces it instead of adding a second one.
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(content)
        os.replace(tmp, path)
        log.info("notification %d (%s) written to the mail sink", outgoing.id, outgoing.channel)
        return Sent(provider_id=f"console:{outgoing.id}")
