"""Subcommands of `yhteys` that belong to `intake`: `whatsapp-try`.

`whatsapp-try` walks the WhatsApp conversation that asks for a request in a terminal, on the
same engine (intake.conversation) the webhook uses, with nothing stored and nothing sent: type
what a person would, or a tap as `#2` (the second button or row). It prints the request the
form's validation makes of the answers; no case is made.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator
from typing import TextIO

NUMBER = "+358401234567"  # a stand-in for her WhatsApp number


def _show(reply: object, out: TextIO) -> None:
    from intake.conversation import Reply, render_text

    assert isinstance(reply, Reply)
    lines = render_text(reply).splitlines()
    out.write("\n".join(f"  < {line}" for line in lines) + "\n")


def _incoming(typed: str, offered: tuple) -> object:
    from intake.conversation import Incoming

    if typed.startswith("#") and typed[1:].isdigit() and offered:
        index = int(typed[1:]) - 1
        if 0 <= index < len(offered):
            return Incoming(text=offered[index].title, choice=offered[index].id)
    return Incoming(text=typed)


def walk(lines: Iterable[str], out: TextIO) -> int:
    """Run the conversation over typed lines; 0 when it ends in a valid request."""
    from intake import conversation

    lines = iter(lines)
    opening = next(lines, "").rstrip("\n")
    out.write(f"> {opening}\n")
    state, replies = conversation.begin(opening)
    offered = replies[0].options
    _show(replies[0], out)
    for typed in lines:
        typed = typed.rstrip("\n")
        out.write(f"> {typed}\n")
        state, replies = conversation.step(state, _incoming(typed, offered))  # type: ignore[arg-type]
        for reply in replies:
            _show(reply, out)
            offered = reply.options
        if state["at"] == conversation.STOPPED:
            return 1
        if state["at"] == conversation.SUBMIT:
            return _result(state, out)
    return 1


def _result(state: dict, out: TextIO) -> int:
    from starlette.datastructures import FormData

    from intake import conversation
    from intake.conversation_texts import closing
    from intake.forms import payload_from_form
    from intake.validation import validate

    fields = conversation.form_fields(state, NUMBER)
    payload = payload_from_form(state["kind"], FormData(list(fields)))
    payload["kind"] = state["kind"]
    result = validate(payload)
    if result.submission is None:
        out.write(f"not valid: {result.errors.codes()}\n")
        return 1
    _show(conversation.Reply(closing(state["locale"], "ABC-DEF-GHJ")), out)
    out.write("\nThe request (as the form's validation reads it):\n")
    for name, value in result.submission.columns().items():
        out.write(f"  {name}: {value!r}\n")
    out.write(f"  details: {result.submission.details_json()!r}\n")
    out.write(f"  consents: {result.submission.consent_purposes()!r}\n")
    return 0


def _lines(stream: TextIO, prompt: bool) -> Iterator[str]:
    while True:
        if prompt:
            sys.stderr.write("> ")
            sys.stderr.flush()
        line = stream.readline()
        if not line:
            return
        yield line


def _try(args: argparse.Namespace) -> int:
    return walk(_lines(sys.stdin, sys.stdin.isatty()), sys.stdout)


def register(sub: argparse._SubParsersAction) -> None:
    """Add this package's subcommands to the `yhteys` parser."""
    parser = sub.add_parser(
        "whatsapp-try",
        help="walk the WhatsApp conversation that asks for a request, in a terminal "
        "(type answers, or #N to tap the Nth button or row); nothing is stored or sent",
    )
    parser.set_defaults(func=_try)
