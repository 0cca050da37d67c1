"""Tables owned by `notify`: the outbox of notifications and the WhatsApp service windows.

A notification row is written in the same transaction as the change that causes it, so a
notification exists exactly when its cause does. The row carries only what the message needs: the
case reference and a link (`context`), never case details; a link that opens a case rests only
sealed (`sealed`) and only until the row is done.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import JSON, Column, DateTime, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from yhteys.clock import now
from yhteys.db import empty_dict, empty_list

CLIENT_EVENTS = ("case_received", "advisor_replied", "whatsapp_reply", "open_link")
# Answers to a message the client has just sent: free text inside the 24-hour window, never the
# template, and no link.
REPLY_EVENTS = ("whatsapp_reply",)
# About a staff member's own account (triage.accounts.notices): no case, so no reference; the
# set-password link of the first two is a secret and travels sealed.
ACCOUNT_EVENTS = ("staff_account_created", "staff_password_reset", "staff_totp_reset",
                  "staff_role_granted", "staff_role_removed")
# The breach digest lists case references (`references`, comma-separated), never one case.
DIGEST_EVENTS = ("staff_breach_digest",)
STAFF_EVENTS = ("staff_new_case", "staff_case_assigned", "staff_sla_breach",
                "staff_outbox_alert", "staff_urgency_raised") + ACCOUNT_EVENTS + DIGEST_EVENTS
EVENTS = CLIENT_EVENTS + STAFF_EVENTS
CHANNELS = ("email", "sms", "whatsapp")

# Life of a row. pending -> sending -> sent -> delivered -> read; failed (permanent), dead (gave
# up after retries). Provider statuses only ever move a row forwards along STATE_RANK.
STATES = ("pending", "sending", "sent", "delivered", "read", "failed", "dead")
UNSENT_STATES = ("pending", "sending")
STATE_RANK = {"pending": 0, "sending": 1, "sent": 2, "delivered": 3, "read": 4}


def _tz() -> DateTime:
    return DateTime(timezone=True)


def new_token() -> str:
    """A row's stable token: the SMTP Message-ID and the idempotency key sent to providers."""
    return secrets.token_hex(16)


class Notification(SQLModel, table=True):
    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint(
            "event", "channel", "recipient", "subject_key", name="uq_notification_key"
        ),
        Index("ix_notification_due", "state", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event: str = Field(max_length=32)
    channel: str = Field(max_length=16)
    recipient: str = Field(max_length=320)  # an address: shown to staff, never logged
    locale: str = Field(max_length=8)
    subject_key: str = Field(max_length=120)  # what it is about, e.g. "case:17" or "message:42"
    reference: str = Field(default="", max_length=16, index=True)  # the case reference, if any
    context: dict[str, str] = Field(
        default_factory=empty_dict, sa_column=Column(JSON, nullable=False))
    fallback: list[list[str]] = Field(
        default_factory=empty_list, sa_column=Column(JSON, nullable=False))
    # Secrets the message needs (a status link) as one sealed JSON object (yhteys.crypto), blanked
    # as soon as nothing can send the row again: a dump of the table opens no case.
    sealed: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    # Stable per row: the SMTP Message-ID and the idempotency key sent to HTTP providers.
    token: str = Field(default_factory=new_token, max_length=32, unique=True)

    state: str = Field(default="pending", max_length=16)
    attempts: int = 0  # claims so far; also the fencing token of the current claim
    next_attempt_at: datetime = Field(default_factory=now, sa_type=_tz())
    enqueued_at: datetime | None = Field(default=None, sa_type=_tz())  # last handed to the broker
    lease_until: datetime | None = Field(default=None, sa_type=_tz())  # a claim expires here
    mode: str = Field(default="", max_length=16)  # "template": WhatsApp outside the 24-hour window
    provider_id: str = Field(default="", max_length=128, index=True)
    error_code: str = Field(default="", max_length=32)  # short code, e.g. "smtp_550"
    error_text: str = Field(default="", max_length=200)  # our own words, never a provider's

    created_at: datetime = Field(default_factory=now, sa_type=_tz(), index=True)
    updated_at: datetime = Field(default_factory=now, sa_type=_tz())
    sent_at: datetime | None = Field(default=None, sa_type=_tz())
    delivered_at: datetime | None = Field(default=None, sa_type=_tz())
    read_at: datetime | None = Field(default=None, sa_type=_tz())


class WhatsAppWindow(SQLModel, table=True):
    """When a number last wrote to us: free text may be sent for 24 hours after that."""

    __tablename__ = "whatsapp_window"

    number: str = Field(primary_key=True, max_length=20)  # E.164, "+358..."
    last_inbound_at: datetime = Field(sa_type=_tz())


class WhatsAppInbound(SQLModel, table=True):
    """Ids of inbound WhatsApp messages already handled: webhooks arrive at least once."""

    __tablename__ = "whatsapp_inbound"

    message_id: str = Field(primary_key=True, max_length=128)
    received_at: datetime = Field(sa_type=_tz(), index=True)
