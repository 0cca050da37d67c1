"""Staff fixtures every staff-side test may use.

- `make_team("Tracing", auto_assign=False, email="")` -> Team
- `make_staff(email=None, roles=("advisor",), teams=(team, ...), languages=("fi",),
  password=STAFF_PASSWORD, totp=False, display_name=None, is_active=True)` -> StaffUser
  (with totp=True the user is enrolled; `user.totp_secret` is the sealed seed, which
  `totp.code_at` opens, and `totp.open_seed(user.totp_secret)` gives the seed itself)
- `login(client, user, password=STAFF_PASSWORD)`: logs in through the real forms (password, and a
  TOTP code computed with pyotp at the application clock when the user has TOTP). A TOTP code
  works once: log the same user in twice within 30 seconds only after moving a frozen clock.
- `login_fast(client, user)`: the shortcut — inserts a real, live StaffSession row and sets its
  cookie, as a completed login would. Use it wherever the login itself is not under test.
- `form_token(client, path="/triage/login")`: a valid CSRF token for the client (GETs `path`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime

import pytest
from sqlmodel import Session

from yhteys.clock import HELSINKI

STAFF_PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    """The in-process limiter outlives a test; start each staff test with clean counts."""
    from yhteys import ratelimit

    ratelimit._limiter_for.cache_clear()
    yield
    ratelimit._limiter_for.cache_clear()


@pytest.fixture
def make_team(settings) -> Callable[..., object]:  # noqa: ANN001
    from triage.accounts.users import create_team
    from yhteys.db import get_engine

    def make(name: str | None = None, **fields: object):  # noqa: ANN202
        with Session(get_engine(), expire_on_commit=False) as db:
            team = create_team(db, name=name or f"Team {next(_counter)}", **fields)  # type: ignore[arg-type]
            db.commit()
            return team

    return make


@pytest.fixture
def make_staff(settings) -> Callable[..., object]:  # noqa: ANN001
    from triage.accounts import totp as totp_codes
    from triage.accounts.models import StaffUser
    from triage.accounts.users import create_user
    from yhteys.db import get_engine

    def make(
        email: str | None = None,
        roles: Iterable[str] = ("advisor",),
        teams: Iterable[object] = (),
        languages: Iterable[str] = ("fi",),
        password: str = STAFF_PASSWORD,
        totp: bool = False,
        display_name: str | None = None,
        is_active: bool = True,
    ) -> StaffUser:
        n = next(_counter)
        team_ids = [t if isinstance(t, int) else t.id for t in teams]  # type: ignore[attr-defined]
        with Session(get_engine(), expire_on_commit=False) as db:
            user = create_user(
                db,
                email=email or f"staff{n}@example.org",
                password=password,
                roles=roles,
                display_name=display_name if display_name is not None else f"Staff {n}",
                languages=languages,
                team_ids=team_ids,
            )
            user.is_active = is_active
            if totp:
                user.totp_secret = totp_codes.seal_seed(totp_codes.new_secret())
                user.totp_enabled = True
            db.add(user)
            db.commit()
            db.refresh(user)
            return user

    return make


def _token_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


@pytest.fixture
def form_token() -> Callable[..., str]:
    def token(client, path: str = "/triage/login") -> str:  # noqa: ANN001
        return _token_from(client.get(path).text)

    return token


@pytest.fixture
def login(settings) -> Callable[..., object]:  # noqa: ANN001
    from triage.accounts import totp as totp_codes
    from yhteys.clock import now

    def do(client, user, password: str = STAFF_PASSWORD, *, next_path: str = ""):  # noqa: ANN001, ANN202
        page = client.get("/triage/login")
        response = client.post(
            "/triage/login",
            data={
                "csrf_token": _token_from(page.text),
                "email": user.email,
                "password": password,
                "next": next_path,
            },
        )
        assert response.status_code == 303, f"password step failed: {response.status_code}"
        if user.totp_enabled:
            assert response.headers["location"].startswith("/triage/login/totp")
            page = client.get("/triage/login/totp")
            response = client.post(
                "/triage/login/totp",
                data={
                    "csrf_token": _token_from(page.text),
                    "code": totp_codes.code_at(user.totp_secret, now()),
                },
            )
            assert response.status_code == 303, f"TOTP step failed: {response.status_code}"
        return response

    return do


@pytest.fixture
def login_fast(settings) -> Callable[..., str]:  # noqa: ANN001
    from triage.accounts import sessions
    from yhteys.db import get_engine

    def do(client, user) -> str:  # noqa: ANN001
        with Session(get_engine(), expire_on_commit=False) as db:
            token = sessions.start(db, user, stage=sessions.FULL)
            db.commit()
        client.cookies.set(sessions.COOKIE_NAME, token, domain="testserver.local", path="/triage")
        return token

    return do


@pytest.fixture
def quick_client(app):  # noqa: ANN001, ANN201
    """A test client without the app's lifespan (no notification worker to start and stop).

    For tests of pages and accounts that send nothing; a test module opts in with
    `@pytest.fixture def client(quick_client): return quick_client`. Pages come in English, the
    source language, so assertions read the texts as written in the code.
    """
    from starlette.testclient import TestClient

    return TestClient(app, base_url="http://testserver", follow_redirects=False,
                      headers={"accept-language": "en"})


def at(*args: int) -> datetime:
    """A moment in Helsinki time: at(2026, 12, 1, 9, 30)."""
    return datetime(*args, tzinfo=HELSINKI)


@pytest.fixture
def clock(use_settings):  # noqa: ANN001, ANN201
    """`clock(2026, 12, 1, 9)` freezes the application clock there and returns the moment."""

    def move(*args: int) -> datetime:
        moment = at(*args)
        use_settings(frozen_now=moment)
        return moment

    return move
