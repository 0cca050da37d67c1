"""The bare-framework ceiling: what Starlette itself does on this machine, for comparison.

    CEILING_DATABASE_URL=... uvicorn bench.ceiling:app --workers 2

`POST /submit` parses the same urlencoded form as Yhteys's social-services request (with
python-multipart, as Starlette does), checks that a name and a message came, inserts one row
and answers a short page. `GET /form` answers a small fixed page. No templates, no middleware,
no sessions: the most a submission or a page can cost here with the same parts underneath.
"""

from __future__ import annotations

import os
import secrets

from sqlalchemy import Column, Integer, MetaData, Table, Text, create_engine, insert
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.routing import Route

URL = os.environ.get("CEILING_DATABASE_URL", "sqlite:///ceiling.db")
metadata = MetaData()
cases = Table(
    "ceiling_case", metadata,
    Column("id", Integer, primary_key=True),
    Column("reference", Text, nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("message", Text, nullable=False),
    Column("contact", Text, nullable=False),
)
engine = create_engine(URL, pool_size=10, max_overflow=20) if not URL.startswith("sqlite") \
    else create_engine(URL, connect_args={"check_same_thread": False, "timeout": 10})
# bench/submissions.py makes the table before the processes start (two would race to).

PAGE = "<!doctype html><html lang=en><title>Form</title><form method=post>" + "x" * 4000 + \
    "</form></html>"


def _store(name: str, message: str, contact: str) -> str:
    reference = secrets.token_hex(5)
    with engine.begin() as conn:
        conn.execute(insert(cases).values(reference=reference, name=name, message=message,
                                          contact=contact))
    return reference


async def submit(request: Request) -> PlainTextResponse | HTMLResponse:
    form = await request.form()
    name, message = str(form.get("name", "")), str(form.get("message", ""))
    if not name or not message:
        return PlainTextResponse("missing", status_code=400)
    reference = await run_in_threadpool(_store, name, message,
                                        str(form.get("contact_address_email", "")))
    return HTMLResponse(f"<!doctype html><p>Your reference is {reference}</p>")


async def page(_request: Request) -> HTMLResponse:
    return HTMLResponse(PAGE)


app = Starlette(routes=[Route("/submit", submit, methods=["POST"]),
                        Route("/form", page, methods=["GET"])])
