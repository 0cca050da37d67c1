"""The closed lists the forms offer, as stable codes with labels in the page's language.

Codes are what is stored and what the API takes; labels are only for people. Keep codes stable:
triage rules and reports read them.
"""

from __future__ import annotations

from yhteys.i18n import INTERPRETER_LANGUAGES, lazy_gettext

# URL slug of each kind of request.
KIND_SLUGS = {
    "family_reunification": "family-reunification",
    "tracing": "tracing",
    "social_services": "social-services",
    "other": "other",
}
SLUG_KINDS = {slug: kind for kind, slug in KIND_SLUGS.items()}

KINDS = {
    "family_reunification": lazy_gettext("Family reunification"),
    "tracing": lazy_gettext("Tracing a missing relative"),
    "social_services": lazy_gettext("Social services"),
    "other": lazy_gettext("Something else"),
}
KIND_INTROS = {
    "family_reunification": lazy_gettext(
        "Help with bringing your family to Finland: the application, the visit to the embassy, "
        "the decision."
    ),
    "tracing": lazy_gettext(
        "You have lost contact with a family member because of war, disaster or migration. "
        "The Red Cross can search for them around the world."
    ),
    "social_services": lazy_gettext(
        "Help with housing, health care, food, money, children or other everyday needs."
    ),
    "other": lazy_gettext("Any other question about life in Finland as a migrant."),
}

CHANNELS = {
    "email": lazy_gettext("Email"),
    "phone": lazy_gettext("Phone call"),
    "sms": lazy_gettext("Text message (SMS)"),
    "whatsapp": lazy_gettext("WhatsApp"),
    "none": lazy_gettext("No contact: I will check my status page"),
}
PHONE_CHANNELS = frozenset({"phone", "sms", "whatsapp"})
BACKUP_CHANNELS = {k: v for k, v in CHANNELS.items() if k != "none"}

DAYS = {
    "weekdays": lazy_gettext("Any weekday"),
    "mon": lazy_gettext("Monday"),
    "tue": lazy_gettext("Tuesday"),
    "wed": lazy_gettext("Wednesday"),
    "thu": lazy_gettext("Thursday"),
    "fri": lazy_gettext("Friday"),
}

YES_NO_UNKNOWN = {
    "yes": lazy_gettext("Yes"),
    "no": lazy_gettext("No"),
    "unknown": lazy_gettext("I don't know"),
}
YES_NO = {"yes": lazy_gettext("Yes"), "no": lazy_gettext("No")}

SPONSOR_STATUSES = {
    "refugee_status": lazy_gettext("Refugee status (asylum)"),
    "quota_refugee": lazy_gettext("Quota refugee"),
    "subsidiary_protection": lazy_gettext("Subsidiary protection"),
    "temporary_protection": lazy_gettext("Temporary protection"),
    "other_permit": lazy_gettext("Another residence permit (work, studies, family)"),
    "finnish_citizen": lazy_gettext("Finnish citizen"),
    "no_permit_or_unknown": lazy_gettext("No residence permit, or I don't know"),
}

MEMBER_RELATIONSHIPS = {
    "spouse": lazy_gettext("Spouse or partner"),
    "child": lazy_gettext("Child"),
    "parent": lazy_gettext("Parent"),
    "sibling": lazy_gettext("Brother or sister"),
    "other": lazy_gettext("Someone else"),
}

STAGES = {
    "not_applied": lazy_gettext("We have not applied yet"),
    "applied": lazy_gettext("We have applied"),
    "identity_visit_booked": lazy_gettext("The visit to the embassy is booked"),
    "identity_visit_done": lazy_gettext("The visit to the embassy is done"),
    "decision_received": lazy_gettext("We got a positive decision"),
    "negative_decision": lazy_gettext("We got a negative decision"),
}

HELP_WANTED = {
    "how_to_apply": lazy_gettext("How to apply and who can apply"),
    "application": lazy_gettext("Filling in the application"),
    "embassy_visit": lazy_gettext("The visit to the embassy and travel to it"),
    "costs": lazy_gettext("Fees, travel and other costs"),
    "appeal": lazy_gettext("Appealing a negative decision"),
    "after_arrival": lazy_gettext("What to do when the family arrives"),
    "other": lazy_gettext("Something else"),
}

SEXES = {
    "female": lazy_gettext("Female"),
    "male": lazy_gettext("Male"),
    "other": lazy_gettext("Other"),
    "unknown": lazy_gettext("I don't know"),
}

TRACING_RELATIONSHIPS = {
    "spouse": lazy_gettext("Spouse or partner"),
    "child": lazy_gettext("Child"),
    "parent": lazy_gettext("Parent"),
    "sibling": lazy_gettext("Brother or sister"),
    "grandparent": lazy_gettext("Grandparent"),
    "grandchild": lazy_gettext("Grandchild"),
    "other_relative": lazy_gettext("Another relative"),
    "other": lazy_gettext("Someone else"),
}

LAST_CONTACT_CHANNELS = {
    "in_person": lazy_gettext("We met"),
    "phone": lazy_gettext("Phone call"),
    "messaging_app": lazy_gettext("Messaging app (WhatsApp, Viber, Telegram...)"),
    "social_media": lazy_gettext("Social media"),
    "letter": lazy_gettext("Letter"),
    "through_someone": lazy_gettext("Through another person"),
    "other": lazy_gettext("Other"),
}

SEPARATIONS = {
    "conflict": lazy_gettext("War or armed conflict"),
    "disaster": lazy_gettext("Natural disaster"),
    "migration_route": lazy_gettext("On the way (migration route)"),
    "detention": lazy_gettext("Arrest or detention"),
    "other": lazy_gettext("Something else"),
}

TOPICS = {
    "housing": lazy_gettext("Housing or a place to sleep"),
    "health": lazy_gettext("Health care"),
    "food": lazy_gettext("Food"),
    "income": lazy_gettext("Money and income"),
    "family": lazy_gettext("Children and family"),
    "work": lazy_gettext("Work"),
    "education": lazy_gettext("Education and language courses"),
    "legal_status": lazy_gettext("Residence permit and legal status"),
    "other": lazy_gettext("Something else"),
}

# The status page says where a case is in plain words; staff states map onto four sentences.
STATE_TEXTS = {
    "new": lazy_gettext("We have received your request. An advisor will look at it soon."),
    "assigned": lazy_gettext("An advisor is handling your request."),
    "in_progress": lazy_gettext("An advisor is handling your request."),
    "waiting_client": lazy_gettext(
        "The advisor is waiting for your answer. Please read the latest message."
    ),
    "closed": lazy_gettext(
        "Your request is closed. You can still write here, or send a new request if you need "
        "help again."
    ),
}


def language_codes() -> list[str]:
    return list(INTERPRETER_LANGUAGES)
