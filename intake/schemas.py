"""The input schemas: what a person may send, field by field, for each kind of request.

Plain dataclasses whose fields carry their parser (`intake.fields`). They describe the request,
never the table: `intake.validation` turns a parsed request into a Case, and `intake.openapi`
turns these same classes into the API's JSON Schema, so the two can never disagree.

Every field asks only what an advisor needs to help; no identity numbers anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from intake import choices
from intake.fields import (
    Boolean,
    Choice,
    Date,
    Integer,
    ListOf,
    MultiChoice,
    Nested,
    PartialDate,
    Text,
    Time,
    spec,
)

NAME_MAX = 200
ADDRESS_MAX = 320
MESSAGE_MAX = 5000


@dataclass
class ContactWindow:
    """A time when a call-back suits: a weekday, and optionally from-to."""

    day: str = spec(Choice(choices.DAYS, required=True), doc="`weekdays` or mon-fri.")
    start: str = spec(Time(), doc="From, local time (Europe/Helsinki).")
    end: str = spec(Time(), doc="Until, local time; later than `start`.")


@dataclass
class Consents:
    process: bool = spec(
        Boolean(), doc="Required: the service may use the information to handle the request."
    )
    search: bool = spec(
        Boolean(), doc="Tracing only, required there: the Red Cross may search for the persons."
    )
    share_contact: bool = spec(
        Boolean(),
        doc="Tracing only, optional: if a person is found, they may get the requester's contact.",
    )


@dataclass
class CaseInput:
    """What every request has. Stored in the columns of the case."""

    kind: str = spec(Choice(choices.KINDS, required=True))
    language: str = spec(
        Choice(choices.language_codes, required=True),
        doc="The language the person prefers (code from the list of interpreter languages).",
    )
    name: str = spec(Text(NAME_MAX, required=True), doc="A name or a nickname: either is enough.")
    contact_channel: str = spec(Choice(choices.CHANNELS, required=True))
    contact_address: str = spec(
        Text(ADDRESS_MAX),
        doc="Email address, or phone number (normalised to E.164, Finland assumed); "
        "required unless `contact_channel` is `none`.",
    )
    may_leave_message: bool = spec(
        Boolean(), doc="A voicemail or a text message may be left if nobody answers."
    )
    contact_windows: list[ContactWindow] = spec(ListOf(ContactWindow, 7))
    backup_channel: str = spec(Choice(choices.BACKUP_CHANNELS), doc="Optional second way.")
    backup_address: str = spec(Text(ADDRESS_MAX), doc="Required with `backup_channel`.")
    area: str = spec(Text(120), doc="Municipality or area, optional.")
    interpreter_needed: bool = spec(Boolean())
    interpreter_language: str = spec(
        Choice(choices.language_codes),
        doc="With `interpreter_needed`; the preferred language when left out.",
    )
    message: str = spec(Text(MESSAGE_MAX, required=True, multiline=True))
    consents: Consents = spec(Nested(Consents))


# --- Family reunification ------------------------------------------------------------------------


@dataclass
class FamilyMember:
    relationship: str = spec(Choice(choices.MEMBER_RELATIONSHIPS, required=True))
    age: int | None = spec(Integer(0, 120))
    country: str = spec(Text(80), doc="Where the family member lives now.")


@dataclass
class FamilyReunificationDetails:
    sponsor_status: str = spec(
        Choice(choices.SPONSOR_STATUSES, required=True),
        doc="Residence status of the family member in Finland (the sponsor).",
    )
    decision_date: date | None = spec(
        Date(), doc="The day the sponsor received the decision on that status."
    )
    sponsor_minor: str = spec(Choice(choices.YES_NO), doc="Is the sponsor under 18?")
    family_before_finland: str = spec(
        Choice(choices.YES_NO_UNKNOWN),
        doc="Did the family exist before the sponsor came to Finland?",
    )
    members: list[FamilyMember] = spec(ListOf(FamilyMember, 15, required=True))
    stage: str = spec(Choice(choices.STAGES, required=True))
    applied_on: date | None = spec(Date(), doc="When the application was made, if it was.")
    help_wanted: list[str] = spec(MultiChoice(choices.HELP_WANTED))


# --- Tracing -------------------------------------------------------------------------------------


@dataclass
class SoughtPerson:
    name: str = spec(Text(NAME_MAX, required=True))
    name_original: str = spec(Text(NAME_MAX), doc="The name in its original script.")
    other_spellings: str = spec(Text(300), doc="Other spellings or names used.")
    sex: str = spec(Choice(choices.SEXES))
    birth_date: date | None = spec(Date())
    approximate_age: int | None = spec(Integer(0, 120), doc="When the birth date is not known.")
    relationship: str = spec(Choice(choices.TRACING_RELATIONSHIPS, required=True))
    nationality: str = spec(Text(80))
    last_place: str = spec(Text(200), doc="Last known place: village, town, camp, country.")
    last_seen: str = spec(PartialDate(), doc="When they were there.")
    last_contact_date: str = spec(PartialDate())
    last_contact_channel: str = spec(Choice(choices.LAST_CONTACT_CHANNELS))
    minor_when_separated: str = spec(Choice(choices.YES_NO_UNKNOWN))


@dataclass
class TracingDetails:
    persons: list[SoughtPerson] = spec(ListOf(SoughtPerson, 5, required=True))
    separation: str = spec(Choice(choices.SEPARATIONS), doc="Circumstances of the separation.")
    other_organisation: str = spec(
        Choice(choices.YES_NO_UNKNOWN), doc="Does another organisation already search?"
    )
    other_organisation_name: str = spec(Text(200))


# --- Social services -----------------------------------------------------------------------------


@dataclass
class SocialServicesDetails:
    topics: list[str] = spec(MultiChoice(choices.TOPICS, required=True))
    municipality: str = spec(Text(120), doc="Where the person lives or stays now.")
    children_with_you: str = spec(Choice(choices.YES_NO))
    children_count: int | None = spec(Integer(0, 20))
    no_place_tonight: bool = spec(Boolean(), doc="No safe place to sleep tonight.")
    health_emergency: bool = spec(Boolean(), doc="An urgent health problem.")
    in_danger: bool = spec(Boolean(), doc="In danger or threatened.")


@dataclass
class OtherDetails:
    """Nothing beyond the common part: the message says it."""


DETAILS: dict[str, type] = {
    "family_reunification": FamilyReunificationDetails,
    "tracing": TracingDetails,
    "social_services": SocialServicesDetails,
    "other": OtherDetails,
}
