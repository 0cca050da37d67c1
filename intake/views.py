"""Public pages. Thin: parse, call a service, render."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from yhteys.templating import render


async def start(request: Request) -> Response:
    return render(request, "intake/start.html")
