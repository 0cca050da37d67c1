"""A request started on WhatsApp: a short guided conversation, one question at a time.

`step(state, incoming)` is the whole engine, a pure function: the state of a conversation and
what the person just sent go in, the next state and the messages to send come out. No database,
no clock, no network: storage and sending are intake.whatsapp_intake's, and the same engine runs
in a terminal (`yhteys whatsapp-try`).

The order: her language (from the service's languages, each named in its own script), the kind
of help, the questions the definitions mark as asked on WhatsApp (`questions.whatsapp_questions`)
with the form's own wording and parsers, the consent with a plain word on what WhatsApp's owner
sees, the form's question on advisors' answers on WhatsApp, then a summary to confirm. A choice
is offered as buttons (three at most) or a list (ten rows at most, in pages), and may be typed:
its number, or its words in any language of the service. "Back", "start again" and "stop" work
at every step.
"""

from __future__ import annotations

import copy
import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from intake import choices, questions
from intake import conversation_texts as t
from intake.errors import message_for
from intake.fields import Boolean, Date, Invalid, MultiChoice
from intake.questions import Question
from yhteys import i18n

SUBMIT = "submit"  # the person confirmed: the caller makes the case
STOPPED = "stopped"
# Answered yes, these get the form's emergency notice at once (as its confirmation page does).
EMERGENCIES = frozenset({"details.health_emergency", "details.in_danger"})
# Asked by the conversation itself: its language is hers, and WhatsApp is the way of contact.
ASKED_BY_CONVERSATION = frozenset({"language", "contact_channel"})
WHATSAPP_ANSWERS = "consents.whatsapp_answers"
BUTTONS_MAX = 3
ROWS_MAX = 10
BUTTON_TITLE_MAX = 20
ROW_TITLE_MAX = 24
ROW_DESCRIPTION_MAX = 72
BODY_MAX = 1024  # an interactive message's body
TEXT_MAX = 4096
VALUE_SHOWN = 80  # an answer in the summary, at most
TRANSCRIPT_MAX = 200  # lines kept: someone who writes on and on does not grow the state forever
# Photos and documents sent along the way wait with the conversation (only the provider's ids:
# the files are fetched by the media job once the case exists), at most this many.
FILES_MAX = 10
# A longer choice (Finland's 308 municipalities) is typed, not read from a numbered list: the
# message offers only its first option (its way out, "I'd rather not say") and, after a name
# it could not place, the closest names as buttons.
LONG_CHOICE = 30
SUGGESTIONS = 2


@dataclass(frozen=True)
class Incoming:
    text: str = ""
    choice: str = ""  # the id of a tapped button or list row
    # A photo or document (intake.media.held_form, with the time it came as "at"); `text` is
    # then its caption, kept with the file, not taken as an answer.
    file: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Option:
    id: str
    title: str
    description: str = ""


@dataclass(frozen=True)
class Reply:
    text: str
    options: tuple[Option, ...] = ()
    button: str = ""  # the label of a list's button

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "button": self.button,
                "options": [[o.id, o.title, o.description] for o in self.options]}


State = dict[str, Any]


def new_state() -> State:
    return {"at": "language", "locale": "", "kind": "", "answers": {}, "page": 0,
            "suggest": [], "transcript": [], "files": []}


def asked(kind: str) -> list[Question]:
    """The questions a conversation about `kind` asks, in form order."""
    found = [q for q in questions.whatsapp_questions(kind) if q.key not in ASKED_BY_CONVERSATION]
    extra = questions.by_key(kind).get(WHATSAPP_ANSWERS)
    return found + ([extra] if isinstance(extra, Question) else [])


def steps(state: State) -> list[str]:
    if not state["kind"]:
        return ["language", "kind"]
    keys = [f"q:{q.key}" for q in asked(state["kind"]) if _shown(q, state)]
    answers_question = f"q:{WHATSAPP_ANSWERS}"
    main = [k for k in keys if k != answers_question]
    return ["language", "kind", *main, "consent",
            *([answers_question] if answers_question in keys else []), "confirm"]


def _shown(question: Question, state: State) -> bool:
    condition = question.shown_if
    if condition is None:
        return True
    if condition.key == "contact_channel":
        return "whatsapp" in condition.values
    value = state["answers"].get(field_name(condition.key), "")
    return isinstance(value, str) and value in condition.values


def field_name(key: str) -> str:
    """The form's field name of a question (the first row of a group)."""
    return key.replace(".*.", ".0.")


def question_of(state: State) -> Question:
    key = state["at"][2:]
    return next(q for q in asked(state["kind"]) if q.key == key)


# --- The engine ----------------------------------------------------------------------------------


def begin(said: str, emergency_number: str = "112") -> tuple[State, list[Reply]]:
    """A new conversation: her first message asks nothing yet, so whatever she wrote, the
    answer is the list of languages."""
    state = new_state()
    state["emergency"] = emergency_number
    state["transcript"].append(["client", said])
    reply = ask(state)
    state["transcript"].append(["service", render_text(reply)])
    return state, [reply]


def step(state: State | None, incoming: Incoming) -> tuple[State, list[Reply]]:
    """The next state and the messages to send for what the person sent."""
    state = copy.deepcopy(state) if state else new_state()
    said = incoming.text.strip() or incoming.choice
    if incoming.file is not None:
        said = f"📎 {said}".strip()
    state["transcript"].append(["client", said])
    command = "" if incoming.file is not None else t.command_of(incoming.text, incoming.choice)
    if incoming.file is not None:
        replies = [keep_file(state, incoming)]
    elif command == "stop":
        replies = [Reply(t.text(t.STOPPED, state["locale"] or "en"))]
        state["at"] = STOPPED
    elif command in {"again", "new"}:
        fresh = new_state()
        # What the caller keeps in the state (the idempotency key, the emergency number) stays,
        # and so do the files she sent: starting again is about the answers.
        kept = {"transcript", "files"}
        state = {**state, **{k: v for k, v in fresh.items() if k not in kept}}
        replies = [ask(state)]
    elif command == "back":
        order = steps(state)
        here = order.index(state["at"]) if state["at"] in order else 0
        state["at"], state["page"], state["suggest"] = order[max(0, here - 1)], 0, []
        replies = [ask(state)]
    else:
        replies = _answer(state, incoming, skipped=command == "skip")
    for reply in replies:
        state["transcript"].append(["service", render_text(reply)])
    state["transcript"] = state["transcript"][-TRANSCRIPT_MAX:]
    return state, replies


def keep_file(state: State, incoming: Incoming) -> Reply:
    """A file sent mid-way is kept for the request (never taken as an answer), and the step's
    question comes again after a word that it was kept, or that no more can be kept here."""
    files = state.setdefault("files", [])
    locale = state["locale"] or "en"
    if len(files) >= FILES_MAX:
        note = t.text(t.FILES_FULL, locale, max=FILES_MAX)
    else:
        files.append({**dict(incoming.file or {}), "caption": incoming.text.strip()})
        note = t.text(t.FILE_KEPT, locale)
    if state["at"] in {SUBMIT, STOPPED}:
        return Reply(note)
    return ask(state, error=note)


def _answer(state: State, incoming: Incoming, *, skipped: bool) -> list[Reply]:
    if incoming.choice == "more":
        state["page"] += 1
        return [ask(state)]
    at = state["at"]
    try:
        if at == "language":
            _take_language(state, incoming)
        elif at == "kind":
            state["kind"] = _pick(_kind_options(), incoming)
        elif at == "consent":
            _take_consent(state, incoming)
        elif at == "confirm":
            if not _is_send(incoming):
                return [ask(state)]
            state["at"] = SUBMIT
            return []
        else:
            question = question_of(state)
            _take_answer(state, question, incoming, skipped=skipped)
            if question.key in EMERGENCIES and state["answers"].get(field_name(question.key)):
                warning = t.emergency(state["locale"], state.get("emergency") or "112")
                _advance(state)
                return [ask(state, error=warning)]  # one message: two may arrive out of order
    except Invalid as exc:
        return [ask(state, error=_error_text(state, exc))]
    _advance(state)
    return [ask(state)]


def _advance(state: State) -> None:
    order = steps(state)
    here = order.index(state["at"]) if state["at"] in order else -1
    state["at"], state["page"], state["suggest"] = order[min(here + 1, len(order) - 1)], 0, []


def _error_text(state: State, exc: Invalid) -> str:
    locale = state["locale"] or "en"
    at = state["at"]
    key = field_name(at[2:]) if at.startswith("q:") else at
    if at == "consent":
        return t.consent_required(locale)
    with i18n.use_locale(locale):
        return message_for(key, exc.code, exc.params)


# --- Choosing ------------------------------------------------------------------------------------


Labels = Mapping[str, Any]  # code -> lazy label


def _labels_in_every_language(label: Any) -> set[str]:
    found = {t.fold(str(label))}
    for locale in i18n.LANGUAGES:
        found.add(t.fold(t.text(label, locale)))
    return found


def _number(typed: str) -> int | None:
    try:
        return int(typed)  # any script's digits: "٣" is 3
    except ValueError:
        return None


def _pick(options: Labels, incoming: Incoming) -> str:
    """The code she tapped or typed (its number, code or words in any language)."""
    codes = list(options)
    if incoming.choice.startswith("opt:") and incoming.choice[4:] in options:
        return incoming.choice[4:]
    typed = t.fold(incoming.text)
    number = _number(typed)
    if number is not None:
        if 1 <= number <= len(codes):
            return codes[number - 1]
        raise Invalid("invalid_choice")
    for code in codes:
        if typed == t.fold(code) or typed in _labels_in_every_language(options[code]):
            return code
    raise Invalid("invalid_choice" if typed else "required")


def _pick_many(options: Labels, incoming: Incoming) -> list[str]:
    if incoming.choice:
        return [_pick(options, incoming)]
    parts = [p for p in re.split(r"[\s,،;]+", incoming.text.strip()) if p]
    if parts and all(_number(p) is not None for p in parts):
        return [_pick(options, Incoming(text=p)) for p in parts]
    return [_pick(options, incoming)]


def _long_labels(question: Question, locale: str) -> dict[str, str]:
    with i18n.use_locale(locale):
        return {code: str(label) for code, label in question.choices.items()}


def _offered(state: State, question: Question) -> dict[str, str]:
    """What a long choice's message offers: its first option, then the suggested names."""
    labels = _long_labels(question, state["locale"] or "en")
    first = next(iter(labels))
    codes = [first, *(c for c in state.get("suggest", []) if c in labels and c != first)]
    return {code: labels[code] for code in codes}


def _pick_long(state: State, question: Question, incoming: Incoming) -> str:
    """A tapped option, or the name she typed as the question's parser reads it (a Finnish or
    Swedish name, any case); a name it cannot place is refused with the closest ones offered."""
    offered = _offered(state, question)
    try:
        return str(question.parser.parse(_pick(offered, incoming)))
    except Invalid:
        pass
    typed = incoming.text.strip()
    try:
        code = str(question.parser.parse(typed))
    except Invalid:
        state["suggest"] = _closest(question, typed, state["locale"] or "en")
        raise
    state["suggest"] = []
    return code


def _closest(question: Question, typed: str, locale: str) -> list[str]:
    names: dict[str, str] = {}
    for language in dict.fromkeys((locale, "fi", "sv")):
        for code, label in _long_labels(question, language).items():
            names.setdefault(t.fold(label), code)
    found = difflib.get_close_matches(t.fold(typed), list(names), n=SUGGESTIONS * 2, cutoff=0.6)
    return list(dict.fromkeys(names[name] for name in found))[:SUGGESTIONS]


def _kind_options() -> dict[str, Any]:
    return dict(choices.KINDS)


def _take_language(state: State, incoming: Incoming) -> None:
    if incoming.choice.startswith("lang:") and incoming.choice[5:] in i18n.LANGUAGES:
        state["locale"] = incoming.choice[5:]
        return
    state["locale"] = _pick(dict(i18n.LANGUAGES), incoming)


def _yes_no() -> dict[str, Any]:
    return dict(choices.YES_NO)


def _take_consent(state: State, incoming: Incoming) -> None:
    agreed = {"yes": t.AGREE, "no": t.DISAGREE}
    if _pick(agreed, incoming) != "yes":
        raise Invalid("consent_required")
    state["answers"]["consents.process"] = "yes"
    if state["kind"] == "tracing":
        state["answers"]["consents.search"] = "yes"


def _is_send(incoming: Incoming) -> bool:
    if incoming.choice == "send":
        return True
    return t.fold(incoming.text) in _labels_in_every_language(t.SEND)


def _take_answer(state: State, question: Question, incoming: Incoming, *, skipped: bool) -> None:
    name = field_name(question.key)
    answers = state["answers"]
    raw = "" if skipped else incoming.text
    if isinstance(question.parser, Boolean):
        answers[name] = "yes" if _pick(_yes_no(), incoming) == "yes" else ""
    elif isinstance(question.parser, MultiChoice):
        picked = [] if skipped else _pick_many(question.choices, incoming)
        answers[name] = question.parser.parse(picked)
    elif question.choices and len(question.choices) > LONG_CHOICE:
        answers[name] = "" if skipped else _pick_long(state, question, incoming)
    elif question.choices:
        code = "" if skipped else _pick(question.choices, incoming)
        answers[name] = question.parser.parse(code)
    elif isinstance(question.parser, Date):
        answers[name] = _date_parts(question.parser.parse(_dotted(raw)))
    else:
        answers[name] = question.parser.parse(raw)


def _dotted(text: str) -> str:
    """"27 3 2024" or "27/3/2024" as the parser reads it, "27.3.2024"."""
    return re.sub(r"[\s/\-]+", ".", text.strip()) if not re.match(r"^\d{4}-", text) else text


def _date_parts(value: date | None) -> dict[str, str]:
    if value is None:
        return {}
    return {"day": str(value.day), "month": str(value.month), "year": str(value.year)}


# --- Asking --------------------------------------------------------------------------------------


def ask(state: State, *, error: str = "") -> Reply:
    """The message that asks the current step (after the error of a refused answer, or a
    warning)."""
    reply = _ask(state)
    if not error:
        return reply
    return Reply(f"{error}\n\n{reply.text}", reply.options, reply.button)


def _ask(state: State) -> Reply:
    locale, at = state["locale"] or "en", state["at"]
    if at == "language":
        names = {f"lang:{code}": name for code, name in i18n.LANGUAGES.items()}
        return _choice(t.language_prompt(), names, state, button="🌐")
    if at == "kind":
        labels = {f"opt:{c}": t.text(label, locale) for c, label in choices.KINDS.items()}
        head = t.intro(locale) + "\n\n" + t.text(t.KIND, locale)
        return _choice(head, labels, state, hint=t.text(t.CHOOSE_ONE, locale))
    if at == "consent":
        return _consent(state)
    if at == "confirm":
        return _summary(state)
    return _question(state, question_of(state))


def _question(state: State, question: Question) -> Reply:
    locale = state["locale"]
    with i18n.use_locale(locale):
        head = str(question.label)
        if question.hint is not None:
            head += "\n" + str(question.hint)
    optional = not question.required and not isinstance(question.parser, Boolean)
    skip = "\n" + t.text(t.SKIP_HINT, locale, skip=t.word("skip", locale)) if optional else ""
    if isinstance(question.parser, Boolean):
        labels = {f"opt:{c}": t.text(label, locale) for c, label in _yes_no().items()}
        return _choice(head, labels, state)
    if question.choices and len(question.choices) > LONG_CHOICE:
        labels = {f"opt:{c}": title for c, title in _offered(state, question).items()}
        return _choice(f"{head}\n\n{t.text(t.TYPE_ANSWER, locale)}{skip}", labels, state)
    if question.choices:
        labels = {f"opt:{c}": t.text(label, locale) for c, label in question.choices.items()}
        many = isinstance(question.parser, MultiChoice)
        hint = t.text(t.CHOOSE_SOME if many else t.CHOOSE_ONE, locale) + skip
        return _choice(head, labels, state, hint=hint)
    return Reply(f"{head}\n\n{t.text(t.TYPE_ANSWER, locale)}{skip}")


def _consent(state: State) -> Reply:
    locale = state["locale"]
    keys = ["consents.process"] + (["consents.search"] if state["kind"] == "tracing" else [])
    found = questions.by_key(state["kind"])
    with i18n.use_locale(locale):
        lines = [str(found[key].label) for key in keys]
    # The warning first: a lock screen shows the first words, and the consent names the service.
    body = "\n\n".join([t.text(t.CONSENT_WARNING, locale), *lines])
    options = (Option("opt:yes", t.text(t.AGREE, locale)[:BUTTON_TITLE_MAX]),
               Option("opt:no", t.text(t.DISAGREE, locale)[:BUTTON_TITLE_MAX]))
    return Reply(body, options)


def _choice(head: str, labels: Mapping[str, str], state: State, *, hint: str = "",
            button: str = "") -> Reply:
    """Buttons for up to three, else a list in pages of ten rows; the body numbers them all,
    so typing works as well as tapping."""
    numbered = "\n".join(f"{n}. {title}" for n, title in enumerate(labels.values(), 1))
    body = "\n\n".join(part for part in (head, numbered, hint) if part)
    items = list(labels.items())
    if len(items) <= BUTTONS_MAX and all(len(v) <= BUTTON_TITLE_MAX for _k, v in items):
        return Reply(body, tuple(Option(k, v) for k, v in items))
    return Reply(body, _page(items, state["page"]),
                 button or t.text(t.ANSWERS_BUTTON, state["locale"] or "en")[:BUTTON_TITLE_MAX])


def _page(items: list[tuple[str, str]], page: int) -> tuple[Option, ...]:
    if len(items) <= ROWS_MAX:
        shown, first = items, 0
    else:
        per = ROWS_MAX - 1
        pages = -(-len(items) // per)
        first = (page % pages) * per
        shown = items[first:first + per]
    rows = [_row(n, key, title) for n, (key, title) in enumerate(shown, first + 1)]
    if len(shown) < len(items):
        after = first + len(shown)
        label = f"▸ {after + 1}–{len(items)}" if after < len(items) else f"▸ 1–{ROWS_MAX - 1}"
        rows.append(Option("more", label))
    return tuple(rows)


def _row(number: int, key: str, title: str) -> Option:
    full = f"{number}. {title}"
    if len(full) <= ROW_TITLE_MAX:
        return Option(key, full)
    return Option(key, full[: ROW_TITLE_MAX - 1] + "…", title[:ROW_DESCRIPTION_MAX])


def _summary(state: State) -> Reply:
    locale = state["locale"]
    lines = [t.text(t.SUMMARY, locale)]
    for label, value in summary_lines(state):
        shown = value if len(value) <= VALUE_SHOWN else value[: VALUE_SHOWN - 1] + "…"
        lines.append(f"• {label}: {shown}")
    ask_line = t.text(t.SUMMARY_ASK, locale, back=t.word("back", locale))
    body = "\n".join(lines)
    body = body[: BODY_MAX - len(ask_line) - 3] + "\n\n" + ask_line
    options = (Option("send", t.text(t.SEND, locale)[:BUTTON_TITLE_MAX]),
               Option("cmd:back", t.words("back", locale)[0].capitalize()[:BUTTON_TITLE_MAX]),
               Option("cmd:stop", t.words("stop", locale)[0].capitalize()[:BUTTON_TITLE_MAX]))
    return Reply(body, options)


def summary_lines(state: State) -> list[tuple[str, str]]:
    """Each answer as "label: value" in her language, in the order asked."""
    locale, answers = state["locale"], state["answers"]
    found: list[tuple[str, str]] = []
    with i18n.use_locale(locale):
        found.append((str(questions.KIND.label), str(choices.KINDS[state["kind"]])))
        for question in asked(state["kind"]):
            name = field_name(question.key)
            if f"q:{question.key}" not in steps(state) or name not in answers:
                continue
            found.append((str(question.label), _shown_value(question, answers[name])))
    return found


def _shown_value(question: Question, value: Any) -> str:
    if isinstance(question.parser, Boolean):
        return str(choices.YES_NO["yes" if value else "no"])
    if isinstance(value, dict):
        return ".".join(value[p] for p in ("day", "month", "year")) if value else "–"
    if isinstance(value, list):
        return ", ".join(str(question.choices.get(v, v)) for v in value) or "–"
    if question.choices and value:
        return str(question.choices.get(value, value))
    return str(value) if value else "–"


def render_body(reply: Reply) -> str:
    """The text of the message itself (its buttons or list go beside it)."""
    return reply.text[: BODY_MAX if reply.options else TEXT_MAX]


def render_text(reply: Reply) -> str:
    """A reply as plain text: what the person reads (buttons shown as [titles])."""
    if not reply.options:
        return reply.text[:TEXT_MAX]
    return reply.text[:BODY_MAX] + "\n" + " ".join(f"[{o.title}]" for o in reply.options)


# --- The request it makes ------------------------------------------------------------------------


def form_fields(state: State, number: str) -> list[tuple[str, str]]:
    """The answers as the web form would post them: the same validation reads them."""
    fields = [("language", state["locale"]), ("contact_channel", "whatsapp"),
              ("contact_address_phone", number)]  # the form's phone input
    wanted = {field_name(s[2:]) for s in steps(state) if s.startswith("q:")}
    wanted |= {"consents.process", "consents.search"}
    for name, value in state["answers"].items():
        if name not in wanted:
            continue
        fields.extend(_posted(name, value))
    return fields


def _posted(name: str, value: Any) -> Iterable[tuple[str, str]]:
    if isinstance(value, dict):
        return [(f"{name}.{part}", value[part]) for part in ("day", "month", "year")
                if value.get(part)]
    if isinstance(value, list):
        return [(name, v) for v in value]
    return [(name, value)] if value else []


def step_of_error(state: State, key: str) -> str:
    """The step that asks the field an error names (a rule of the whole request refused it)."""
    for name in steps(state):
        field = field_name(name[2:])
        if name.startswith("q:") and (field == key or field.startswith(f"{key}.")):
            return name
    return "consent" if key.startswith("consents.") else "confirm"
