"""Every question of the request forms, defined once: the one home of what we ask.

A `Question` says everything the product needs to know about one answer: its path in the
request (`details.persons.*.name`), its label and hint (written once, in the intake domain), how
it is typed in, its choices, its parser (`intake.fields`, so also whether it is required), which
kinds ask it, when it is shown, its privacy class, whether it is an urgency signal, whether a
short WhatsApp conversation asks it, and its export column.

Everything else is derived from `FORM`, the questions in the order and the fieldsets the page
shows them in: the form (`templates/intake/_questions.html` walks it), the input schemas the
validator parses (`intake.schemas`), the API's JSON Schema (`intake.openapi`), the status page's
"What you told us" (`intake.summary`), the staff case page's answers
(`triage.casework.answers`), the urgency signals read from plain answers
(`triage.casework.urgency`) and the export columns (`export_columns`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from intake import choices, municipalities
from intake.fields import (
    Boolean,
    Choice,
    Date,
    FieldType,
    Integer,
    MigriNumber,
    MultiChoice,
    PartialDate,
    Text,
    Time,
)
from yhteys.i18n import INTERPRETER_LANGUAGES, lazy_gettext

NAME_MAX = 200
ADDRESS_MAX = 320
MESSAGE_MAX = 5000

ALL_KINDS = frozenset(choices.KINDS)

# Privacy classes: what an export, a report or a log may carry.
PERSONAL = "personal"  # identifies or reaches a person
SENSITIVE = "sensitive"  # status, health, danger, free text: harm if it leaks
STATISTICAL = "statistical"  # a code that may be counted without naming anyone

# How an answer is typed in; the form renderer has one branch for each.
INPUTS = frozenset({
    "text", "textarea", "select", "radios", "checkbox", "checkboxes", "date", "partial_date",
    "number", "time", "tel", "email", "address",
})


@dataclass(frozen=True)
class Shown:
    """Asked only when another answer (`key`, a full path) is one of `values`."""

    key: str
    values: frozenset[str]


@dataclass(frozen=True)
class Urgency:
    """The answer is an urgency signal `code`. With `when`, the signal is simply "the answer is
    `when`"; without, triage computes it from this answer and others (an age, a deadline)."""

    code: str
    priority: str  # urgent | high
    when: object = None


@dataclass(frozen=True)
class Question:
    node_type: ClassVar[str] = "question"  # for the form renderer
    key: str  # its path in the request; "*" stands for the row of a group
    label: Any  # lazy, intake domain
    parser: FieldType
    input: str
    kinds: frozenset[str] = ALL_KINDS
    hint: Any = None
    doc: str = ""  # for API users, in English
    options: Mapping[str, Any] | None = None  # code -> label; the parser's own when it has one
    privacy: str = PERSONAL
    urgency: Urgency | None = None
    whatsapp: bool = False
    shown_if: Shown | None = None
    export: str = ""
    status_page: bool = True  # "What you told us" repeats it
    case_page: bool = True  # the staff case page's answers list it (common columns have their
    # own places on that page)
    autocomplete: str = ""
    inputmode: str = ""
    css: str = ""
    native: bool = False  # options are language names, each in its own language
    place_names: bool = False  # options are Finnish place names: left to right on every page
    email_hint: Any = None  # an address: `hint` is the phone input's, this the email input's

    def __post_init__(self) -> None:
        if self.input not in INPUTS:
            raise ValueError(f"{self.key}: no input type {self.input!r}")

    @property
    def name(self) -> str:
        return self.key.rsplit(".", 1)[-1]

    @property
    def required(self) -> bool:
        return bool(getattr(self.parser, "required", False))

    @property
    def choices(self) -> Mapping[str, Any]:
        if self.options is not None:
            return self.options
        options = getattr(self.parser, "options", None)
        return options if isinstance(options, Mapping) else {}

    @property
    def column(self) -> str:
        return self.export or self.key.replace("details.", "").replace(".*.", "_")


@dataclass(frozen=True)
class Group:
    """A repeating group: rows of the same questions (family members, sought persons)."""

    node_type: ClassVar[str] = "group"  # for the form renderer

    key: str
    label: Any
    questions: tuple[Question, ...]
    schema_name: str  # the component name of a row in the API
    max_rows: int
    rows_shown: int  # empty rows a new form shows
    required: bool = False  # at least one row
    row_title: Any = None  # "Person %(n)s"
    hint: Any = None
    add_label: Any = None  # the no-JavaScript "add a row" button; None: no button
    kinds: frozenset[str] = ALL_KINDS
    doc: str = ""
    export: str = ""  # column prefix: person_1_name
    fieldset_class: str = ""
    row_tag: str = "fieldset"
    row_class: str = "row"
    hint_tag: str = "p"
    status_page: bool = True
    case_page: bool = True

    @property
    def name(self) -> str:
        return self.key.rsplit(".", 1)[-1]

    @property
    def min_rows(self) -> int:
        return 1 if self.required else 0


@dataclass(frozen=True)
class Section:
    """A fieldset of the form; `items` are questions, groups or sections."""

    node_type: ClassVar[str] = "section"  # for the form renderer

    legend: Any
    items: tuple[Any, ...]
    hint: Any = None
    hint_tag: str = "p"
    optional: bool = False  # the legend says "(optional)", so its fields do not
    kinds: frozenset[str] = ALL_KINDS


@dataclass(frozen=True)
class Include:
    """A piece of the form that is not a question (a notice, the file input, the consents'
    privacy link): a template of its own."""

    node_type: ClassVar[str] = "include"  # for the form renderer

    template: str
    kinds: frozenset[str] = ALL_KINDS
    key: str = ""  # the field it holds, if any (errors link to it)


Node = Question | Group | Section | Include


def _kinds(*names: str) -> frozenset[str]:
    return frozenset(names)


FR = _kinds("family_reunification")
TRACING = _kinds("tracing")
SOCIAL = _kinds("social_services")
NOT_SOCIAL = ALL_KINDS - SOCIAL

# An address is typed into a phone input or an email input (the right keyboard on a phone).
PHONE_LABEL = lazy_gettext("Phone number")
EMAIL_LABEL = lazy_gettext("Email address")
YEAR_MONTH_DAY = lazy_gettext("Year is enough if you do not know the day or month.")

# --- The common part: every kind asks it ---------------------------------------------------------

ABOUT_YOU = Section(lazy_gettext("About you"), (
    Question(
        "name", lazy_gettext("Your name or a nickname"), Text(NAME_MAX, required=True), "text",
        hint=lazy_gettext("Any name we can use when we contact you."),
        doc="A name or a nickname: either is enough.", autocomplete="nickname", whatsapp=True,
        case_page=False,
    ),
    Question(
        "language", lazy_gettext("Your language"),
        Choice(choices.language_codes, required=True), "select",
        options=INTERPRETER_LANGUAGES, native=True, autocomplete="language",
        hint=lazy_gettext("The language you would like us to use."),
        doc="The language the person prefers (code from the list of interpreter languages).",
        privacy=STATISTICAL, whatsapp=True, case_page=False,
    ),
    Question(
        "interpreter_needed", lazy_gettext("I need an interpreter"), Boolean(), "checkbox",
        privacy=STATISTICAL, status_page=False, case_page=False,
    ),
    Question(
        "interpreter_language", lazy_gettext("Interpreter's language"),
        Choice(choices.language_codes), "select", options=INTERPRETER_LANGUAGES, native=True,
        hint=lazy_gettext("If it is not the language above."),
        doc="With `interpreter_needed`; the preferred language when left out.",
        shown_if=Shown("interpreter_needed", frozenset({"yes"})), privacy=STATISTICAL,
        case_page=False,
    ),
))

MESSAGE = Section(lazy_gettext("Your message"), (
    Question(
        "message", lazy_gettext("How can we help you?"),
        Text(MESSAGE_MAX, required=True, multiline=True), "textarea",
        hint=lazy_gettext(
            "Write in your own words, in any language. At most %(max)s characters.",
            max=MESSAGE_MAX,
        ),
        privacy=SENSITIVE, whatsapp=True, status_page=False, case_page=False,
    ),
))

CONTACT_WINDOWS = Group(
    "contact_windows", lazy_gettext("When may we call you?"), (
        Question(
            "contact_windows.*.day", lazy_gettext("Day"),
            Choice(choices.DAYS, required=True), "select",
            doc="`weekdays` or mon-fri.", css="col", privacy=STATISTICAL,
        ),
        Question(
            "contact_windows.*.start", lazy_gettext("From"), Time(), "time",
            doc="From, local time (Europe/Helsinki).", css="col", privacy=STATISTICAL,
        ),
        Question(
            "contact_windows.*.end", lazy_gettext("Until"), Time(), "time",
            doc="Until, local time; later than `start`.", css="col", privacy=STATISTICAL,
        ),
    ),
    schema_name="ContactWindow", max_rows=7, rows_shown=2,
    hint=lazy_gettext("For a call back. Leave empty if any time is fine."), hint_tag="span",
    doc="A time when a call-back suits: a weekday, and optionally from-to.",
    export="contact_window", fieldset_class="rows", row_tag="div",
    status_page=False, case_page=False,
)

CONTACT = Section(lazy_gettext("How can we contact you?"), (
    Question(
        "contact_channel", lazy_gettext("Way of contact"),
        Choice(choices.CHANNELS, required=True), "radios", privacy=STATISTICAL,
        whatsapp=True, case_page=False,
    ),
    Question(
        "contact_address", lazy_gettext("Address or number"), Text(ADDRESS_MAX), "address",
        autocomplete="on",
        hint=lazy_gettext(
            "For a phone call, SMS or WhatsApp. Add the country code if it is not a Finnish "
            "number."
        ),
        email_hint=lazy_gettext("For email."),
        doc="Email address, or phone number (normalised to E.164, Finland assumed); "
        "required unless `contact_channel` is `none`.",
        shown_if=Shown("contact_channel", frozenset(choices.CHANNELS) - {"none"}),
        case_page=False,
    ),
    Question(
        "may_leave_message",
        lazy_gettext("You may leave a voicemail or a text message if I do not answer."),
        Boolean(), "checkbox",
        hint=lazy_gettext("Leave this unticked if someone else could see or hear it."),
        doc="A voicemail or a text message may be left if nobody answers.",
        privacy=STATISTICAL, status_page=False, case_page=False,
    ),
    Question(
        "consents.whatsapp_answers",
        lazy_gettext("My advisor's answers may come to me on WhatsApp."),
        Boolean(), "checkbox",
        hint=lazy_gettext(
            "WhatsApp belongs to the company Meta, and Meta processes the messages. Without "
            "this, WhatsApp only tells you that an answer is waiting, and you read it on the "
            "page of your request."
        ),
        doc="Optional, with WhatsApp as the way of contact: the advisor's answers may be sent "
        "as WhatsApp messages, which Meta processes. Without it, WhatsApp carries only a notice.",
        shown_if=Shown("contact_channel", frozenset({"whatsapp"})),
        privacy=STATISTICAL, export="consent_whatsapp_answers", status_page=False,
        case_page=False,
    ),
    CONTACT_WINDOWS,
    Section(lazy_gettext("Another way to reach you"), (
        Question(
            "backup_channel", lazy_gettext("Another way to reach you"),
            Choice(choices.BACKUP_CHANNELS), "select", doc="Optional second way.",
            privacy=STATISTICAL, case_page=False,
        ),
        Question(
            "backup_address", lazy_gettext("Address or number"), Text(ADDRESS_MAX), "address",
            autocomplete="off", doc="Required with `backup_channel`.", case_page=False,
        ),
    ), hint=lazy_gettext("If we cannot reach you the first way."), hint_tag="span", optional=True),
    # Not questions about her: how she finds her way back to the case (intake/reopen.py).
    Include("intake/_reopen_choices.html", key="pin"),
))

# Where she lives, a choice of municipalities (stored by code) with "I'd rather not say" first:
# every kind asks it, social services in its own part of the form.
MUNICIPALITY: dict[str, Any] = {
    "label": lazy_gettext("Municipality where you live or stay"),
    "parser": municipalities.MunicipalityChoice(), "input": "select",
    "options": municipalities.OPTIONS, "place_names": True, "autocomplete": "address-level2",
    "hint": lazy_gettext(
        "It helps us find help near you. If you do not want to tell us, choose "
        "“I'd rather not say”."
    ),
    "doc": "A municipality code (Statistics Finland), or `not_said` (\"I'd rather not say\"). "
    "A Finnish or Swedish municipality name is taken as its code.",
}
AREA = Question("area", **MUNICIPALITY, case_page=False, kinds=NOT_SOCIAL)

CONSENTS = Section(lazy_gettext("Your consent"), (
    Include("intake/_privacy_link.html"),
    Question(
        "consents.process",
        lazy_gettext(
            "I agree that the Red Cross uses the information I give here to handle my request."
        ),
        Boolean(), "checkbox",
        doc="Required: the service may use the information to handle the request.",
        privacy=STATISTICAL, export="consent_process", status_page=False, case_page=False,
    ),
    Question(
        "consents.search",
        lazy_gettext(
            "I agree that the Red Cross searches for the persons I name, also with Red Cross and "
            "Red Crescent societies in other countries."
        ),
        Boolean(), "checkbox", kinds=TRACING,
        doc="Tracing only, required there: the Red Cross may search for the persons.",
        privacy=STATISTICAL, export="consent_search", status_page=False, case_page=False,
    ),
    Question(
        "consents.share_contact",
        lazy_gettext("If a person is found, they may be given my contact details."),
        Boolean(), "checkbox", kinds=TRACING,
        hint=lazy_gettext(
            "Optional. Without this, we only tell you what we find and pass on a message."
        ),
        doc="Tracing only, optional: if a person is found, they may get the requester's contact.",
        privacy=STATISTICAL, export="consent_share_contact", status_page=False, case_page=False,
    ),
))

# --- Family reunification ------------------------------------------------------------------------

FAMILY_REUNIFICATION = (
    Section(lazy_gettext("The family member in Finland"), (
        Question(
            "details.sponsor_status", lazy_gettext("Residence status in Finland"),
            Choice(choices.SPONSOR_STATUSES, required=True), "radios", kinds=FR,
            doc="Residence status of the family member in Finland (the sponsor).",
            privacy=SENSITIVE, whatsapp=True,
        ),
        Question(
            "details.decision_date", lazy_gettext("Date the decision on this status was received"),
            Date(), "date", kinds=FR,
            hint=lazy_gettext("For example 27 3 2024. Leave empty if you do not know."),
            doc="The day the sponsor received the decision on that status.",
            urgency=Urgency("fr_deadline", "urgent"), whatsapp=True,
        ),
        Question(
            "details.sponsor_minor", lazy_gettext("Is the family member in Finland under 18?"),
            Choice(choices.YES_NO), "radios", kinds=FR, doc="Is the sponsor under 18?",
            privacy=STATISTICAL, urgency=Urgency("sponsor_minor", "urgent", when="yes"),
        ),
        Question(
            "details.family_before_finland",
            lazy_gettext("Did the family exist before coming to Finland?"),
            Choice(choices.YES_NO_UNKNOWN), "radios", kinds=FR,
            hint=lazy_gettext(
                "For example, you were married, or the children were born, before you came."
            ),
            doc="Did the family exist before the sponsor came to Finland?", privacy=STATISTICAL,
        ),
    ), hint=lazy_gettext(
        "The person living in Finland whose family would come here. It can be you."
    ), kinds=FR),
    Group(
        "details.members", lazy_gettext("Family members abroad"), (
            Question(
                "details.members.*.name", lazy_gettext("Name"), Text(NAME_MAX, required=True),
                "text", kinds=FR, doc="The family member's name.", autocomplete="off",
                css="col", privacy=SENSITIVE,
                whatsapp=True,  # a row needs its name: WhatsApp asks it for the first member
            ),
            Question(
                "details.members.*.relationship", lazy_gettext("Relationship to you"),
                Choice(choices.MEMBER_RELATIONSHIPS, required=True), "select", kinds=FR,
                css="col", privacy=STATISTICAL,
                whatsapp=True,  # a request needs one family member: WhatsApp asks about the first
            ),
            Question(
                "details.members.*.birth_date", lazy_gettext("Date of birth"), Date(), "date",
                kinds=FR, doc="The family member's date of birth.", privacy=SENSITIVE,
                urgency=Urgency("children_abroad", "high"),
            ),
            Question(
                "details.members.*.country", lazy_gettext("Country where they live now"),
                Text(80), "text", kinds=FR, doc="Where the family member lives now.",
                autocomplete="off", css="col",
            ),
        ),
        schema_name="FamilyMember", max_rows=15, rows_shown=1, required=True,
        row_title=lazy_gettext("Family member %(n)s"),
        hint=lazy_gettext("One family member on each line. Leave extra lines empty."),
        add_label=lazy_gettext("Add another family member"), kinds=FR, export="member",
    ),
    Section(lazy_gettext("The application"), (
        Question(
            "details.stage", lazy_gettext("Where is the application now?"),
            Choice(choices.STAGES, required=True), "radios", kinds=FR, privacy=STATISTICAL,
            whatsapp=True,
        ),
        Question(
            "details.applied_on", lazy_gettext("Date of the application"), Date(), "date",
            kinds=FR, hint=lazy_gettext("If you have applied. For example 27 3 2024."),
            doc="When the application was made, if it was.",
        ),
        Question(
            "details.migri_number", lazy_gettext("Application number at Migri"),
            MigriNumber(), "text", kinds=FR, autocomplete="off",
            hint=lazy_gettext("It is in the letters from Migri."),
            doc="The Finnish Immigration Service's application or diary number, as written "
            "in its letters (spaces normalised, letters upper case).",
            privacy=SENSITIVE,
        ),
        Question(
            "details.negative_decision_date",
            lazy_gettext("Date you received a negative decision"), Date(), "date", kinds=FR,
            hint=lazy_gettext("Only if you got one: there is a time limit to appeal."),
            doc="When the negative decision was received (served), if there was one: the "
            "appeal period runs from it.",
            privacy=SENSITIVE, urgency=Urgency("fr_appeal_deadline", "urgent"),
        ),
        Question(
            "details.help_wanted", lazy_gettext("What would you like help with?"),
            MultiChoice(choices.HELP_WANTED), "checkboxes", kinds=FR, privacy=STATISTICAL,
        ),
    ), kinds=FR),
)

# --- Tracing -------------------------------------------------------------------------------------


def _person(name: str, label: Any, parser: FieldType, kind: str, **more: Any) -> Question:
    return Question(f"details.persons.*.{name}", label, parser, kind, kinds=TRACING, **more)


TRACING_QUESTIONS = (
    Group(
        "details.persons", lazy_gettext("Who are you looking for?"), (
            _person(
                "name", lazy_gettext("Name"), Text(NAME_MAX, required=True), "text",
                hint=lazy_gettext("First name and family name, as well as you know them."),
                autocomplete="off", whatsapp=True,
            ),
            _person(
                "name_original", lazy_gettext("Name in the original script"), Text(NAME_MAX),
                "text", hint=lazy_gettext("For example in Arabic, Tigrinya or Cyrillic letters."),
                doc="The name in its original script.", autocomplete="off",
            ),
            _person(
                "other_spellings", lazy_gettext("Other spellings or other names"), Text(300),
                "text", doc="Other spellings or names used.", autocomplete="off",
            ),
            _person(
                "relationship", lazy_gettext("Relationship to you"),
                Choice(choices.TRACING_RELATIONSHIPS, required=True), "select",
                privacy=STATISTICAL, whatsapp=True,
            ),
            _person("sex", lazy_gettext("Sex"), Choice(choices.SEXES), "select",
                    privacy=STATISTICAL),
            _person(
                "birth_date", lazy_gettext("Date of birth"), Date(), "date",
                hint=lazy_gettext("For example 27 3 1990."),
                urgency=Urgency("sought_minor", "urgent"),
            ),
            _person(
                "approximate_age", lazy_gettext("Or approximate age now"), Integer(0, 120),
                "number", doc="When the birth date is not known.", privacy=STATISTICAL,
                urgency=Urgency("sought_minor", "urgent"),
            ),
            _person("nationality", lazy_gettext("Nationality"), Text(80), "text",
                    autocomplete="off"),
            _person(
                "last_place", lazy_gettext("Last known place"), Text(200), "text",
                hint=lazy_gettext("Village, town, camp or country."),
                doc="Last known place: village, town, camp, country.", autocomplete="off",
                whatsapp=True,
            ),
            _person(
                "last_seen", lazy_gettext("When were they there?"), PartialDate(),
                "partial_date", hint=YEAR_MONTH_DAY, doc="When they were there.",
            ),
            _person(
                "last_contact_date", lazy_gettext("When did you last have contact?"),
                PartialDate(), "partial_date", hint=YEAR_MONTH_DAY,
            ),
            _person(
                "last_contact_channel", lazy_gettext("How was the last contact?"),
                Choice(choices.LAST_CONTACT_CHANNELS), "select", privacy=STATISTICAL,
            ),
            _person(
                "minor_when_separated",
                lazy_gettext("Was the person under 18 when you were separated?"),
                Choice(choices.YES_NO_UNKNOWN), "radios", privacy=STATISTICAL,
                urgency=Urgency("separated_as_minor", "urgent"),
            ),
        ),
        schema_name="SoughtPerson", max_rows=5, rows_shown=1, required=True,
        row_title=lazy_gettext("Person %(n)s"),
        hint=lazy_gettext("Fill in what you know. Even a little can help the search."),
        add_label=lazy_gettext("Add another person"), kinds=TRACING, export="person",
        row_class="person",
    ),
    Section(lazy_gettext("The separation"), (
        Question(
            "details.separation", lazy_gettext("What separated you?"),
            Choice(choices.SEPARATIONS), "radios", kinds=TRACING,
            doc="Circumstances of the separation.", privacy=STATISTICAL,
        ),
        Question(
            "details.other_organisation",
            lazy_gettext("Is another organisation already searching for them?"),
            Choice(choices.YES_NO_UNKNOWN), "radios", kinds=TRACING,
            doc="Does another organisation already search?", privacy=STATISTICAL,
        ),
        Question(
            "details.other_organisation_name", lazy_gettext("Which organisation?"), Text(200),
            "text", kinds=TRACING, autocomplete="off",
            doc="With `other_organisation` other than `no`.",
            # Not only "yes": a person unsure whether it is searching may still know its name.
            shown_if=Shown("details.other_organisation", frozenset({"yes", "unknown", ""})),
        ),
    ), kinds=TRACING),
)

# --- Social services -----------------------------------------------------------------------------


def _urgent_now(name: str, label: Any, doc: str) -> Question:
    return Question(
        f"details.{name}", label, Boolean(), "checkbox", doc=doc,
        privacy=SENSITIVE, urgency=Urgency(name, "urgent", when=True), whatsapp=True,
    )


# Asked on every form, and the reasons she may give later on her status page for needing help
# today (intake.urgency): the same four, so what she says then reads as what the form asks.
URGENT_NOW = Section(lazy_gettext("Is it urgent?"), (
    _urgent_now("no_place_tonight", lazy_gettext("I have no safe place to sleep tonight"),
                "No safe place to sleep tonight."),
    _urgent_now("health_emergency", lazy_gettext("I have an urgent health problem"),
                "An urgent health problem."),
    _urgent_now("in_danger", lazy_gettext("I am in danger or threatened"),
                "In danger or threatened."),
    _urgent_now("child_without_care", lazy_gettext("A child is left without care"),
                "A child is left without care."),
))

SOCIAL_SERVICES = (
    Include("intake/_emergency_notice.html"),
    URGENT_NOW,
    Section(lazy_gettext("Your situation"), (
        Question(
            "details.topics", lazy_gettext("What do you need help with?"),
            MultiChoice(choices.TOPICS, required=True), "checkboxes", kinds=SOCIAL,
            hint=lazy_gettext("Choose all that fit."), privacy=STATISTICAL, whatsapp=True,
        ),
        Question("details.municipality", **MUNICIPALITY, kinds=SOCIAL, whatsapp=True),
        Question(
            "details.children_with_you", lazy_gettext("Do you have children with you?"),
            Choice(choices.YES_NO), "radios", kinds=SOCIAL, privacy=STATISTICAL,
            urgency=Urgency("children_with_client", "high", when="yes"),
        ),
        Question(
            "details.children_count", lazy_gettext("How many children?"), Integer(0, 20),
            "number", kinds=SOCIAL, privacy=STATISTICAL,
            shown_if=Shown("details.children_with_you", frozenset({"yes"})),
        ),
    ), kinds=SOCIAL),
)

# The whole form, top to bottom. Tests extend it (and put it back): keep it a list.
FORM: list[Node] = [
    ABOUT_YOU,
    *FAMILY_REUNIFICATION,
    *TRACING_QUESTIONS,
    *SOCIAL_SERVICES,
    MESSAGE,
    CONTACT,
    AREA,
    Section(
        lazy_gettext("Documents or photos"), (Include("intake/_files.html", key="files"),),
        optional=True,
    ),
    CONSENTS,
]

# Parts of the request that are no question (the kind is the page a person is on).
KIND = Question("kind", lazy_gettext("Kind of request"), Choice(choices.KINDS, required=True),
                "select", privacy=STATISTICAL, status_page=False, case_page=False)

# --- Reading the definitions ---------------------------------------------------------------------

_listeners: list[Callable[[], None]] = []


def on_change(listener: Callable[[], None]) -> Callable[[], None]:
    """Call `listener` when the definitions change (caches of what is derived from them)."""
    _listeners.append(listener)
    return listener


def changed() -> None:
    _items_of.clear()
    _questions_of.clear()
    for listener in _listeners:
        listener()


# What `items` and `questions` derive from FORM, per kind: every submission asks several times
# (reading, checking, assessing the form), and FORM changes only through `changed`.
_items_of: dict[str | None, tuple[Question | Group, ...]] = {}
_questions_of: dict[str | None, tuple[Question, ...]] = {}


def form(kind: str) -> list[Node]:
    """The form of one kind: its nodes, sections pruned to what the kind asks."""
    return [n for n in (_prune(node, kind) for node in FORM) if n is not None]


def _prune(node: Node, kind: str) -> Node | None:
    if kind not in node.kinds:
        return None
    if isinstance(node, Section):
        items = tuple(n for n in (_prune(i, kind) for i in node.items) if n is not None)
        asks = [i for i in items if not isinstance(i, Include)]
        if not asks and any(not isinstance(i, Include) for i in node.items):
            return None  # every question of it is another kind's
        return Section(node.legend, items, node.hint, node.hint_tag, node.optional, node.kinds)
    return node


def walk(nodes: list[Node] | tuple[Node, ...]) -> Iterator[Question | Group]:
    """Questions and groups in form order (a group before its own questions are not listed:
    read `group.questions`)."""
    for node in nodes:
        if isinstance(node, Section):
            yield from walk(node.items)
        elif isinstance(node, Question | Group):
            yield node


def form_order() -> list[str]:
    """The first part of every field name, top to bottom (the error summary's order)."""
    names: list[str] = []

    def visit(nodes: list[Node] | tuple[Node, ...]) -> None:
        for node in nodes:
            if isinstance(node, Section):
                visit(node.items)
            elif isinstance(node, Question) and node.input == "address":
                names.extend((f"{node.key}_phone", f"{node.key}_email"))
            elif isinstance(node, Question | Group) or node.key:
                names.append(node.key.split(".", 1)[0])

    visit(FORM)
    return list(dict.fromkeys(names))


def items(kind: str | None = None) -> list[Question | Group]:
    """Top-level questions and groups of one kind (or of every kind), in form order."""
    found = _items_of.get(kind)
    if found is None:
        found = _items_of[kind] = tuple(
            i for i in walk(FORM) if kind is None or kind in i.kinds)
    return list(found)


def questions(kind: str | None = None) -> list[Question]:
    """Every question of a kind, those of groups included, in form order."""
    found = _questions_of.get(kind)
    if found is None:
        result: list[Question] = []
        for item in items(kind):
            result.extend(item.questions if isinstance(item, Group) else (item,))
        found = _questions_of[kind] = tuple(
            q for q in result if kind is None or kind in q.kinds)
    return list(found)


def groups(kind: str | None = None) -> list[Group]:
    return [i for i in items(kind) if isinstance(i, Group)]


def by_key(kind: str | None = None) -> dict[str, Question | Group]:
    found: dict[str, Question | Group] = {}
    for item in items(kind):
        found[item.key] = item
        if isinstance(item, Group):
            found.update((q.key, q) for q in item.questions)
    return found


def details_items(kind: str) -> list[Question | Group]:
    """The kind-specific part of a request (Case.details), top level."""
    return [i for i in items(kind) if i.key.startswith("details.")]


def export_columns(kind: str, privacy: frozenset[str] | None = None) -> list[str]:
    """The column names an export of `kind` has, one per answer (groups: one per row and
    question, `person_1_name`), optionally only answers of the given privacy classes."""
    columns = ["reference", "kind"]
    for item in items(kind):
        if isinstance(item, Group):
            for n in range(1, item.max_rows + 1):
                columns.extend(
                    f"{item.export or item.name}_{n}_{q.name}"
                    for q in item.questions
                    if privacy is None or q.privacy in privacy
                )
        elif privacy is None or item.privacy in privacy:
            columns.append(item.column)
    return columns


def urgency_signals(kind: str) -> list[tuple[Question, Urgency]]:
    """The plain signals of a kind: this answer equal to that value (in form order)."""
    return [
        (q, q.urgency) for q in questions(kind)
        if q.urgency is not None and q.urgency.when is not None
    ]


def whatsapp_questions(kind: str) -> list[Question]:
    """What a short conversation on WhatsApp asks (the rest waits for the advisor's call)."""
    return [q for q in questions(kind) if q.whatsapp]
