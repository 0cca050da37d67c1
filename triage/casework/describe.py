"""Words for staff: labels of states, priorities and outcomes, and the reasons behind decisions.

Decisions are stored as codes and parameters (CaseEvent.data), and put into words here, when
shown, in the reader's language.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from intake.choices import KINDS
from yhteys.i18n import INTERPRETER_LANGUAGES, lazy_gettext, use_locale
from yhteys.i18n import gettext as _

STATE_LABELS = {
    "new": lazy_gettext("New"),
    "assigned": lazy_gettext("Assigned"),
    "in_progress": lazy_gettext("In progress"),
    "waiting_client": lazy_gettext("Waiting for the client"),
    "closed": lazy_gettext("Closed"),
}
PRIORITY_LABELS = {
    "urgent": lazy_gettext("Urgent"),
    "high": lazy_gettext("High"),
    "normal": lazy_gettext("Normal"),
}
OUTCOME_LABELS = {
    "advised": lazy_gettext("Advised"),
    "referred_elsewhere": lazy_gettext("Referred elsewhere"),
    "person_found": lazy_gettext("Person found"),
    "not_reachable": lazy_gettext("Not reachable"),
    "out_of_scope": lazy_gettext("Out of scope"),
    "duplicate": lazy_gettext("Duplicate"),
}
TARGET_LABELS = {
    "first_response": lazy_gettext("first response"),
    "resolution": lazy_gettext("resolution"),
}
NOTIFICATION_EVENTS = {
    "case_received": lazy_gettext("Receipt to the client"),
    "advisor_replied": lazy_gettext("Reply notice to the client"),
    "open_link": lazy_gettext("Link asked for by the client"),
    "staff_new_case": lazy_gettext("New case to the team"),
    "staff_case_assigned": lazy_gettext("Assignment to the advisor"),
    "staff_sla_breach": lazy_gettext("Missed target to supervisors"),
    "staff_outbox_alert": lazy_gettext("Outbox alert"),
    "staff_urgency_raised": lazy_gettext("Help needed today, to the advisor and the team"),
}
NOTIFICATION_STATES = {
    "pending": lazy_gettext("waiting to be sent"),
    "sending": lazy_gettext("being sent"),
    "sent": lazy_gettext("sent"),
    "delivered": lazy_gettext("delivered"),
    "read": lazy_gettext("read"),
    "failed": lazy_gettext("failed"),
    "dead": lazy_gettext("gave up after retries"),
}
DUPLICATE_REASONS = {
    "contact": lazy_gettext("the same contact address"),
    "sought_person": lazy_gettext("the same sought person (name and birth year)"),
    "staff": lazy_gettext("linked by staff"),
}


def channel_label(channel: str) -> str:
    from intake.choices import CHANNELS

    return str(CHANNELS.get(channel, channel))


def kind_label(kind: str) -> str:
    return str(KINDS.get(kind, kind))


def language_name(code: str) -> str:
    return INTERPRETER_LANGUAGES.get(code, code)


def language_in_words(code: str) -> str:
    """The language's name in the staff member's own language (Tigrinya, tigrinja), where the
    native name alone (ትግርኛ) may be unreadable to her; the native name when none is known."""
    from babel import Locale

    from yhteys.i18n import get_locale

    try:
        known = Locale.parse(get_locale()).languages.get(code)
    except (ValueError, LookupError):
        known = None
    return str(known) if known else language_name(code)


def language_list(codes: Iterable[str]) -> str:
    return ", ".join(language_name(code) for code in codes)


def _day(value: str) -> str:
    from yhteys.templating import _format_date

    try:
        return _format_date(date.fromisoformat(value))
    except (TypeError, ValueError):
        return str(value)


def signal_text(signal: Mapping[str, Any]) -> str:
    code, params = signal.get("code", ""), signal.get("params") or {}
    if code == "sponsor_minor":
        return _("the family member in Finland (the sponsor) is under 18")
    if code == "children_abroad":
        return _("children under 18 in the family abroad")
    if code == "fr_deadline":
        return _(
            "the family-reunification window ends on %(day)s (%(left)s days left)",
            day=_day(params.get("deadline", "")),
            left=params.get("days_left", "?"),
        )
    if code == "fr_appeal_deadline":
        return _(
            "the appeal period of the negative decision ends on %(day)s (%(left)s days left)",
            day=_day(params.get("deadline", "")),
            left=params.get("days_left", "?"),
        )
    if code == "fr_appeal_passed":
        return _(
            "the appeal period has passed: it ended on %(day)s",
            day=_day(params.get("deadline", "")),
        )
    if code == "sought_minor":
        return _("sought person %(n)s is a minor", n=params.get("person", "?"))
    if code == "separated_as_minor":
        return _("sought person %(n)s was a minor when separated", n=params.get("person", "?"))
    if code == "no_place_tonight":
        return _("no safe place to sleep tonight")
    if code == "health_emergency":
        return _("an urgent health problem")
    if code == "in_danger":
        return _("in danger or threatened")
    if code == "child_without_care":
        return _("a child is left without care")
    if code == "client_raised":
        return _("the client asked for help today")
    if code == "children_with_client":
        return _("children with the client")
    return code


def signals_text(signals: Sequence[Mapping[str, Any]]) -> str:
    if not signals:
        return _("nothing in the answers calls for urgency")
    return "; ".join(signal_text(s) for s in signals)


def english_signals(signals: Sequence[Mapping[str, Any]]) -> str:
    """The reason as stored on the case row (one language for exports and the audit trail)."""
    with use_locale("en"):
        return signals_text(signals)[:500]


def _matched(matched: Mapping[str, str]) -> str:
    parts = []
    for name, value in matched.items():
        if name == "kind":
            parts.append(_("kind is %(v)s", v=kind_label(value)))
        elif name == "language":
            parts.append(_("language is %(v)s", v=language_name(value)))
        elif name == "area":
            parts.append(_("area is %(v)s", v=value))
    return ", ".join(parts) or _("the default rule")


def routing_text(data: Mapping[str, Any]) -> str:
    """E.g. "Tracing team: kind is tracing; assigned to Aino because Aino speaks Arabic and has
    3 open cases"."""
    if data.get("team_id") is None:
        return _("No routing rule matched: the case waits for a supervisor to route it.")
    head = _("%(team)s: %(why)s", team=data.get("team_name", "?"), why=_matched(data["matched"]))
    return f"{head}; {assignment_text(data)}"


def assignment_text(data: Mapping[str, Any]) -> str:
    """Who in the team got the case, and why."""
    mode = data.get("mode")
    if mode == "manual":
        tail = _("left for the team to claim (the team assigns by hand)")
    elif mode == "nobody":
        tail = _("nobody in the team can take it: left for the team to claim")
    elif data.get("speaks"):
        tail = _(
            "assigned to %(name)s because %(name)s speaks %(language)s and has %(n)s open cases",
            name=data.get("assignee_name", "?"),
            language=language_name(data.get("language", "")),
            n=data.get("open_cases", 0),
        )
    elif "no_speaker" in data and not data["no_speaker"]:
        tail = _(
            "assigned to %(name)s, who has the fewest open cases (%(n)s)",
            name=data.get("assignee_name", "?"),
            n=data.get("open_cases", 0),
        )
    else:
        tail = _(
            "assigned to %(name)s, who has the fewest open cases (%(n)s); nobody in the team "
            "speaks %(language)s",
            name=data.get("assignee_name", "?"),
            language=language_name(data.get("language", "")),
            n=data.get("open_cases", 0),
        )
    if data.get("no_speaker") and mode in ("manual", "nobody"):
        tail += "; " + _("nobody in the team speaks %(language)s",
                         language=language_name(data.get("language", "")))
    return tail


def event_text(action: str, data: Mapping[str, Any], names: Mapping[int | None, str]) -> str:
    """One line of a case's history."""

    def who(key: str) -> str:
        value = data.get(key)
        return names.get(value, _("staff member %(id)s", id=value)) if value else _("nobody")

    state = data.get("state", "")
    texts = {
        "created": lambda: _("Case received."),
        "routed": lambda: routing_text(data),
        "priority": lambda: _(
            "Priority %(p)s: %(why)s",
            p=PRIORITY_LABELS.get(data.get("priority", ""), "?"),
            why=data.get("reason") or signals_text(data.get("signals") or []),
        ),
        "claimed": lambda: _("Claimed."),
        "assigned": lambda: _("Assigned to %(name)s.", name=who("assignee_id")),
        "unassigned": lambda: _("Assignment removed."),
        "state": lambda: _("State: %(s)s.", s=STATE_LABELS.get(state, state)),
        "referred": lambda: _(
            "Referred to %(team)s: %(reason)s", team=data.get("team_name", "?"),
            reason=data.get("reason", ""),
        ) + ("; " + assignment_text(data) if data.get("mode") else ""),
        "closed": lambda: _(
            "Closed: %(o)s.", o=OUTCOME_LABELS.get(data.get("outcome", ""), "?")
        ),
        "reopened": lambda: _("Reopened."),
        "replied": lambda: _("Replied to the client."),
        "note": lambda: _("Internal note added."),
        "call": lambda: _("Called the client: %(outcome)s.", outcome=str(
            CALL_OUTCOMES.get(data.get("outcome", ""), "?"))),
        "client_message": lambda: _("The client wrote a message."),
        "urgency_raised": lambda: _(
            "The client asked for help today: %(why)s",
            why=signal_text({"code": data["reason"]}) if data.get("reason")
            else _("no reason given"),
        ),
        "merged": lambda: _(
            "%(ref)s was merged into this case: its messages, files, notes and history are here.",
            ref=data.get("reference", "?"),
        ),
        "duplicate_suggested": lambda: _(
            "Possible duplicate of %(ref)s: %(why)s", ref=data.get("reference", "?"),
            why=DUPLICATE_REASONS.get(data.get("reason", ""), ""),
        ),
        "duplicate_linked": lambda: _(
            "Linked with %(ref)s.", ref=data.get("reference", "?")
        ),
        "duplicate_dismissed": lambda: _(
            "Not a duplicate of %(ref)s.", ref=data.get("reference", "?")
        ),
        "merged_into": lambda: _(
            "Closed as a duplicate of %(ref)s.", ref=data.get("reference", "?")
        ) + (" " + _("Everything of it moved there; its status link opens that case.")
             if data.get("moved") else ""),
        "sla_breach": lambda: _(
            "The %(target)s target was missed.",
            target=TARGET_LABELS.get(data.get("target", ""), "?"),
        ),
        "status_link_ended": lambda: _("The client's status link was ended."),
        "speaker_assigned": lambda: _(
            "Given to %(name)s of %(team)s; reason: language pool: %(language)s.",
            name=who("assignee_id"), team=data.get("team_name", "?"),
            language=language_in_words(data.get("language", "")),
        ) if data.get("reason") == "language_pool" else _(
            "Nobody in %(from_team)s speaks %(language)s: given to %(name)s of %(team)s, who "
            "does.", from_team=data.get("from_team_name") or "?",
            language=language_name(data.get("language", "")), name=who("assignee_id"),
            team=data.get("team_name", "?"),
        ),
        "transfer_requested": lambda: _(
            "%(name)s asked for this case to be transferred to %(team)s.",
            name=who("actor_id"), team=data.get("team_name", "?"),
        ),
    }
    text = texts.get(action)
    said = text() if text else action
    if data.get("merged_from"):
        said += " " + _("(from %(ref)s)", ref=data["merged_from"])
    return said


# Why an action was refused (`actions.NotAllowed.code`), as the case page says it.
CALL_OUTCOMES = {
    "reached": lazy_gettext("Reached the client"),
    "no_answer": lazy_gettext("No answer"),
    "wrong_number": lazy_gettext("Wrong number"),
    "message_left": lazy_gettext("Left a message"),
}

NOT_ALLOWED = {
    "call_outcome": lambda: _("Choose how the call went."),
    "not_your_team": lambda: _("This case belongs to another team."),
    "closed": lambda: _("The case is closed."),
    "cannot_take_cases": lambda: _("Your role does not take cases."),
    "already_assigned": lambda: _("Someone else has already taken this case."),
    "not_in_team": lambda: _("That person is not in the case's team."),
    "bad_state": lambda: _("Choose a state."),
    "needs_assignee": lambda: _("Assign the case to someone first."),
    "bad_priority": lambda: _("Choose a priority."),
    "reason_required": lambda: _("Write the reason."),
    "too_long": lambda: _("The text is too long."),
    "bad_team": lambda: _("Choose a team."),
    "same_team": lambda: _("The case is already in that team."),
    "bad_outcome": lambda: _("Choose an outcome."),
    "empty": lambda: _("Write something first."),
    "same_case": lambda: _("A case cannot be a duplicate of itself."),
    "no_link": lambda: _("These cases are not linked."),
    "no_such_case": lambda: _("There is no case with that reference."),
    "supervisors_only": lambda: _("Only supervisors can do this."),
    "not_a_speaker": lambda: _("That person does not speak the client's language in that team."),
    "has_speaker": lambda: _("Someone who speaks the client's language has the case already."),
}


def area_label(area: str) -> str:
    """A municipality code in words (Finnish name, Swedish in brackets); other text as is."""
    from intake import municipalities

    if area == municipalities.NOT_SAID:
        return str(municipalities.RATHER_NOT_SAY)
    found = municipalities.by_code(area) if area else None
    return found.name("en") if found is not None else area


def not_allowed_message(code: str) -> str:
    message = NOT_ALLOWED.get(code)
    return message() if message else _("That did not work.")


# The labels every casework template puts codes into words with.
TEMPLATE_WORDS: Mapping[str, Any] = {
    "state_labels": STATE_LABELS,
    "priority_labels": PRIORITY_LABELS,
    "outcome_labels": OUTCOME_LABELS,
    "area_label": area_label,
    "call_outcomes": CALL_OUTCOMES,
    "kind_label": kind_label,
    "language_name": language_name,
    "language_list": language_list,
    "language_in_words": language_in_words,
    "channel_label": channel_label,
    "notification_events": NOTIFICATION_EVENTS,
    "notification_states": NOTIFICATION_STATES,
}


def with_words(context: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A casework template's context with the labels; the context's own values win."""
    return {**TEMPLATE_WORDS, **(context or {})}
