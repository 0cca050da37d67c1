"""Channels behind one interface (`base.Channel`), chosen by settings.

A channel whose provider is not configured goes to the console/file sink, so development and
`make run` show what would be sent without sending anything.
"""

from __future__ import annotations

from functools import lru_cache

from notify.channels.base import Channel
from yhteys.settings import Settings


@lru_cache(maxsize=16)
def _build(kind: str, settings: Settings) -> Channel:
    if kind == "smtp":
        from notify.channels.smtp import SmtpChannel

        return SmtpChannel(settings.smtp_url, settings.mail_from, ca_file=settings.smtp_ca_file)
    if kind == "whatsapp":
        from notify.channels.whatsapp import WhatsAppChannel

        return WhatsAppChannel(
            settings.whatsapp_api_base,
            settings.whatsapp_phone_number_id,
            settings.whatsapp_token,
            settings.whatsapp_template,
        )
    if kind == "sms":
        from notify.channels.sms import SmsChannel

        return SmsChannel(settings.sms_api_url, settings.sms_api_token, settings.sms_sender)
    from notify.channels.console import ConsoleSink

    return ConsoleSink(settings.mail_dir, settings.mail_from)


def provider_for(channel: str, settings: Settings) -> str:
    if channel == "email" and settings.smtp_url:
        return "smtp"
    if channel == "whatsapp" and settings.whatsapp_token and settings.whatsapp_phone_number_id:
        return "whatsapp"
    if channel == "sms" and settings.sms_api_url:
        return "sms"
    return "console"


def channel_for(channel: str, settings: Settings) -> Channel:
    return _build(provider_for(channel, settings), settings)
