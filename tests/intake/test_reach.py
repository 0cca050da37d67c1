"""One policy for reaching the client, the same for every notice (intake.reach).

Once the acknowledgement (intake) and the "an advisor replied" notice (triage) decided the
channel each their own way: a client who chose phone and allowed messages got an SMS
acknowledgement but never the reply notice.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from intake.models import Case
from intake.reach import NOTICES, reach

EMAIL, PHONE, BACKUP_PHONE = "amal@example.org", "+358401234567", "+358501234567"
ADDRESS = {"email": EMAIL, "phone": PHONE, "sms": PHONE, "whatsapp": PHONE, "none": ""}
BACKUP_ADDRESS = {"email": "b@example.org", "phone": BACKUP_PHONE, "sms": BACKUP_PHONE,
                  "whatsapp": BACKUP_PHONE, "": ""}


def _case(contact: str, backup: str = "", *, may_leave: bool = False, proven: bool = False,
          language: str = "sv") -> Case:
    return Case(
        reference="CDF-HJK-MNP", kind="other", language=language, ui_locale="fi", message="x",
        contact_channel=contact, contact_address=ADDRESS[contact], may_leave_message=may_leave,
        backup_channel=backup, backup_address=BACKUP_ADDRESS[backup], status_secret_hash="0",
        whatsapp_proven_at=datetime(2026, 12, 1, tzinfo=UTC) if proven else None,
    )


def _ways(case: Case, notice: str) -> list[str] | None:
    way = reach(case, notice)
    if way is None:
        return None
    return [way.channel] + [channel for channel, _ in way.fallback]


# (contact, backup, may leave a message, WhatsApp proven) -> channels, in order, per notice.
TABLE = [
    # contact    backup      leave  proven  case_received          advisor_replied
    ("email",    "",         False, False,  ["email"],             ["email"]),
    ("sms",      "email",    False, False,  ["sms", "email"],      ["sms", "email"]),
    ("phone",    "",         True,  False,  ["sms"],               ["sms"]),  # the bug
    ("phone",    "",         False, False,  None,                  None),
    ("phone",    "email",    False, False,  ["email"],             ["email"]),
    ("phone",    "phone",    True,  False,  ["sms", "sms"],        ["sms", "sms"]),
    ("none",     "",         True,  False,  None,                  None),
    ("none",     "email",    False, False,  ["email"],             ["email"]),
    ("whatsapp", "",         False, False,  ["whatsapp"],          None),
    ("whatsapp", "",         False, True,   ["whatsapp"],          ["whatsapp"]),
    ("whatsapp", "email",    False, False,  ["whatsapp", "email"], ["email"]),
    ("email",    "whatsapp", False, False,  ["email", "whatsapp"], ["email"]),
    ("email",    "whatsapp", False, True,   ["email", "whatsapp"], ["email", "whatsapp"]),
    ("sms",      "sms",      False, False,  ["sms", "sms"],        ["sms", "sms"]),
]


@pytest.mark.parametrize(("contact", "backup", "leave", "proven", "received", "replied"), TABLE)
def test_each_notice_goes_the_way_the_policy_says(contact, backup, leave, proven, received,
                                                 replied):
    case = _case(contact, backup, may_leave=leave, proven=proven)
    assert _ways(case, "case_received") == received
    assert _ways(case, "advisor_replied") == replied


CHOICES = list(itertools.product(
    ["email", "phone", "sms", "whatsapp", "none"], ["", "email", "phone", "sms", "whatsapp"],
    [False, True], [False, True], NOTICES,
))


@pytest.mark.parametrize(("contact", "backup", "leave", "proven", "notice"), CHOICES)
def test_what_no_combination_of_choices_may_do(contact, backup, leave, proven, notice):
    case = _case(contact, backup, may_leave=leave, proven=proven)
    way = reach(case, notice)
    ways = [] if way is None else [(way.channel, way.address), *way.fallback]
    assert all(channel != "phone" for channel, _ in ways)  # a call cannot be queued
    if not leave:  # a phone the person did not allow messages on gets none
        assert (PHONE if contact == "phone" else None) not in {a for _, a in ways}
    if not proven and notice != "case_received":
        assert all(channel != "whatsapp" for channel, _ in ways)
    assert len(ways) == len(set(ways))
    if contact == "none" and backup == "":
        assert way is None
    if way is not None:
        assert way.locale == "sv"  # her language, when the service speaks it


def test_the_language_is_hers_then_the_pages_then_finnish():
    assert reach(_case("email", language="so"), "case_received").locale == "so"  # hers, offered
    assert reach(_case("email", language="am"), "case_received", page_locale="en").locale == "en"
    assert reach(_case("email", language="am"), "advisor_replied").locale == "fi"  # her ui_locale
