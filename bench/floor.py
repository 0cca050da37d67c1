"""The floor: the bare framework plus the round trips a Yhteys submission cannot do without.

    FLOOR_DATABASE_URL=... FLOOR_REDIS_URL=... uvicorn bench.floor:app --workers 2

Between the ceiling (bench/ceiling.py: parse the form, insert one row) and Yhteys: the same
Starlette, no middleware, and a submission's statements and Redis calls as Yhteys makes them on
PostgreSQL, each built once, through SQLAlchemy Core:
- the rate limit, one Redis call;
- in one transaction, the case's INSERT ... ON CONFLICT DO NOTHING RETURNING (a resent post
  finds its key taken), the acknowledgement's outbox row, the duplicate look by contact, and
  the companion rows (consent, history, clock, search, link) as one WITH statement; the
  commit;
- the hand-over of the outbox row to Redis, one call.
Nothing else: no CSRF, no validation beyond two fields, no routing, no SLA, no page template.
What Yhteys spends above this line is its own Python; below it, no product can go.
"""

from __future__ import annotations

import json
import os
import secrets

import redis
from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    Table,
    Text,
    bindparam,
    create_engine,
    func,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import insert
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.routing import Route

URL = os.environ.get("FLOOR_DATABASE_URL", "postgresql+psycopg://127.0.0.1/test")
metadata = MetaData()
cases = Table(
    "floor_case", metadata,
    Column("id", Integer, primary_key=True),
    Column("idempotency_key", Text, nullable=False, unique=True),
    Column("reference", Text, nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("message", Text, nullable=False),
    Column("contact", Text, nullable=False, index=True),
    Column("details", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
outbox = Table(
    "floor_notification", metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, nullable=False),
    Column("dedupe_key", Text, nullable=False, unique=True),
    Column("payload", Text, nullable=False),
)
COMPANIONS = ("consent", "event", "clock", "search", "link")
for _name in COMPANIONS:
    Table(f"floor_{_name}", metadata, Column("id", Integer, primary_key=True),
          Column("case_id", Integer, nullable=False), Column("data", Text, nullable=False))

engine = create_engine(URL, pool_size=10, max_overflow=20)
broker = redis.Redis.from_url(os.environ.get("FLOOR_REDIS_URL", "redis://127.0.0.1:6379/14"))

_INSERT_CASE = insert(cases).on_conflict_do_nothing(
    index_elements=[cases.c.idempotency_key]).returning(cases.c.id)
_INSERT_OUTBOX = insert(outbox).returning(outbox.c.id)
_BY_CONTACT = select(cases.c.id).where(cases.c.contact == bindparam("contact"),
                                       cases.c.id != bindparam("case_id")).limit(5)
_WITH = text(
    "WITH w0 AS (INSERT INTO floor_consent (case_id, data) VALUES (:case_id, :d0)),"
    " w1 AS (INSERT INTO floor_event (case_id, data) VALUES (:case_id, :d1)),"
    " w2 AS (INSERT INTO floor_clock (case_id, data) VALUES (:case_id, :d2)),"
    " w3 AS (INSERT INTO floor_search (case_id, data) VALUES (:case_id, :d3))"
    " INSERT INTO floor_link (case_id, data) VALUES (:case_id, :d4)"
)


def _store(key: str, fields: dict[str, str]) -> str:
    broker.set("floor:limit", 1, ex=3600)  # stands for the rate limit's one call
    reference = secrets.token_hex(5)
    with engine.begin() as conn:
        case_id = conn.execute(_INSERT_CASE, {
            "idempotency_key": key, "reference": reference, "name": fields["name"],
            "message": fields["message"], "contact": fields["contact"],
            "details": json.dumps(fields)}).scalar()
        if case_id is None:  # a resent post
            return reference
        row_id = conn.execute(_INSERT_OUTBOX, {
            "case_id": case_id, "dedupe_key": f"ack:{case_id}",
            "payload": json.dumps({"case": case_id})}).scalar_one()
        conn.execute(_BY_CONTACT, {"contact": fields["contact"], "case_id": case_id}).all()
        conn.execute(_WITH, {"case_id": case_id, **{f"d{i}": reference for i in range(5)}})
    broker.lpush("floor:queue", json.dumps({"notification": row_id}))
    return reference


async def submit(request: Request) -> PlainTextResponse | HTMLResponse:
    form = await request.form()
    fields = {name: str(form.get(name, "")) for name in
              ("name", "message", "contact_address_email", "idempotency_key")}
    if not fields["name"] or not fields["message"]:
        return PlainTextResponse("missing", status_code=400)
    fields["contact"] = fields.pop("contact_address_email")
    reference = await run_in_threadpool(_store, fields.pop("idempotency_key"), fields)
    return HTMLResponse(f"<!doctype html><p>Your reference is {reference}</p>")


async def page(_request: Request) -> HTMLResponse:
    return HTMLResponse("<!doctype html><title>Form</title>")


app = Starlette(routes=[Route("/submit", submit, methods=["POST"]),
                        Route("/form", page, methods=["GET"])])
