"""Triage's reactions to public-side events, subscribed by the composition root."""

from __future__ import annotations

from intake import events


def register() -> None:
    """Subscribe triage's handlers to `intake.events` (routing, urgency, SLA, client replies).

    Idempotent: the event lists ignore a handler that is already subscribed.
    """
    from intake import expectations
    from triage.accounts import api_keys
    from triage.casework import arrival, raised, sla

    events.on_case_arriving(arrival.case_arriving)
    events.on_case_not_stored(arrival.case_not_stored)
    events.on_case_created(arrival.case_created)
    events.on_client_message(arrival.client_message)
    events.on_transition(arrival.case_transitioned)
    events.on_first_response(arrival.first_response_given)
    events.on_urgency_raised(raised.urgency_raised)
    expectations.provide(sla.expectation)  # what her pages say about when an answer comes
    api_keys.register()  # refused partner-API requests go to the audit trail
