"""The closed lists the forms offer, as stable codes with labels in the page's language.

Codes are what is stored and what the API takes; labels are only for people. Keep codes stable:
triage rules and reports read them.
"""

from __future__ import annotations

from yhteys.i18n import INTERPRETER_LANGUAGES
from yhteys.i18n import lazy_gettext as _l

# URL slug of each kind of request.
KIND_SLUGS = {
    "family_reunification": "family-reunification",
    "tracing": "tracing",
    "social_services": "social-services",
    "other": "other",
}
SLUG_KINDS = {slug: kind for kind, slug in KIND_SLUGS.items()}

KINDS = {
    "family_reunification": _l("Family reunification"),
    "tracing": _l("Tracing a missing relative"),
    "social_services": _l("Social services"),
    "other": _l("Something else"),
}
KIND_INTROS = {
    "family_reunification": _l(
        "Help with bringing your family to Finland: the application, the visit to the embassy, "
        "the decision."
    ),
    "tracing": _l(
        "You have lost contact with a family member because of war, disaster or migration. "
        "The Red Cross can search for them around the world."
    ),
    "social_services": _l(
        "Help with housing, health care, food, money, children or other everyday needs."
    ),
    "other": _l("Any other question about life in Finland as a migrant."),
}

CHANNELS = {
    "email": _l("Email"),
    "phone": _l("Phone call"),
    "sms": _l("Text message (SMS)"),
    "whatsapp": _l("WhatsApp"),
    "none": _l("No contact: I will check my status page"),
}
PHONE_CHANNELS = frozenset({"phone", "sms", "whatsapp"})
BACKUP_CHANNELS = {k: v for k, v in CHANNELS.items() if k != "none"}

DAYS = {
    "weekdays": _l("Any weekday"),
    "mon": _l("Monday"),
    "tue": _l("Tuesday"),
    "wed": _l("Wednesday"),
    "thu": _l("Thursday"),
    "fri": _l("Friday"),
}

YES_NO_UNKNOWN = {"yes": _l("Yes"), "no": _l("No"), "unknown": _l("I don't know")}
YES_NO = {"yes": _l("Yes"), "no": _l("No")}

SPONSOR_STATUSES = {
    "refugee_status": _l("Refugee status (asylum)"),
    "quota_refugee": _l("Quota refugee"),
    "subsidiary_protection": _l("Subsidiary protection"),
    "temporary_protection": _l("Temporary protection"),
    "other_permit": _l("Another residence permit (work, studies, family)"),
    "finnish_citizen": _l("Finnish citizen"),
    "no_permit_or_unknown": _l("No residence permit, or I don't know"),
}

MEMBER_RELATIONSHIPS = {
    "spouse": _l("Spouse or partner"),
    "child": _l("Child"),
    "parent": _l("Parent"),
    "sibling": _l("Brother or sister"),
    "other": _l("Someone else"),
}

STAGES = {
    "not_applied": _l("We have not applied yet"),
    "applied": _l("We have applied"),
    "identity_visit_booked": _l("The visit to the embassy is booked"),
    "identity_visit_done": _l("The visit to the embassy is done"),
    "decision_received": _l("We got a positive decision"),
    "negative_decision": _l("We got a negative decision"),
}

HELP_WANTED = {
    "how_to_apply": _l("How to apply and who can apply"),
    "application": _l("Filling in the application"),
    "embassy_visit": _l("The visit to the embassy and travel to it"),
    "costs": _l("Fees, travel and other costs"),
    "appeal": _l("Appealing a negative decision"),
    "after_arrival": _l("What to do when the family arrives"),
    "other": _l("Something else"),
}

SEXES = {
    "female": _l("Female"),
    "male": _l("Male"),
    "other": _l("Other"),
    "unknown": _l("I don't know"),
}

TRACING_RELATIONSHIPS = {
    "spouse": _l("Spouse or partner"),
    "child": _l("Child"),
    "parent": _l("Parent"),
    "sibling": _l("Brother or sister"),
    "grandparent": _l("Grandparent"),
    "grandchild": _l("Grandchild"),
    "other_relative": _l("Another relative"),
    "other": _l("Someone else"),
}

LAST_CONTACT_CHANNELS = {
    "in_person": _l("We met"),
    "phone": _l("Phone call"),
    "messaging_app": _l("Messaging app (WhatsApp, Viber, Telegram...)"),
    "social_media": _l("Social media"),
    "letter": _l("Letter"),
    "through_someone": _l("Through another person"),
    "other": _l("Other"),
}

SEPARATIONS = {
    "conflict": _l("War or armed conflict"),
    "disaster": _l("Natural disaster"),
    "migration_route": _l("On the way (migration route)"),
    "detention": _l("Arrest or detention"),
    "other": _l("Something else"),
}

TOPICS = {
    "housing": _l("Housing or a place to sleep"),
    "health": _l("Health care"),
    "food": _l("Food"),
    "income": _l("Money and income"),
    "family": _l("Children and family"),
    "work": _l("Work"),
    "education": _l("Education and language courses"),
    "legal_status": _l("Residence permit and legal status"),
    "other": _l("Something else"),
}

# The status page says where a case is in plain words; staff states map onto four sentences.
STATE_TEXTS = {
    "new": _l("We have received your request. An advisor will look at it soon."),
    "assigned": _l("An advisor is handling your request."),
    "in_progress": _l("An advisor is handling your request."),
    "waiting_client": _l("The advisor is waiting for your answer. Please read the latest message."),
    "closed": _l(
        "Your request is closed. You can still write here, or send a new request if you need "
        "help again."
    ),
}


def language_codes() -> list[str]:
    return list(INTERPRETER_LANGUAGES)
