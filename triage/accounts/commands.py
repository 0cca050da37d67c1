"""`yhteys create-user`: the first administrator (and any account) from the command line.

The password is read with getpass (twice) or, for scripts, one line from stdin with
--password-stdin; it is never an argument (shell history, process list) and never printed.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from triage.accounts.models import ROLES


def register(sub: argparse._SubParsersAction) -> None:
    create = sub.add_parser("create-user", help="create a staff account (e.g. the first admin)")
    create.add_argument("--email", required=True)
    create.add_argument("--role", action="append", choices=ROLES, required=True,
                        help="repeat for several roles: --role admin --role supervisor")
    create.add_argument("--name", default="", help="display name")
    create.add_argument("--team", action="append", default=[], help="team slug (repeatable)")
    create.add_argument("--language", action="append", default=[],
                        help="language code the person advises in (repeatable)")
    create.add_argument("--password-stdin", action="store_true",
                        help="read the password from the first line of stdin")
    create.set_defaults(func=create_user_command)


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise ValueError("the passwords are not the same")
    return first


def create_user_command(args: argparse.Namespace) -> int:
    from sqlmodel import select

    from triage.accounts.models import Team
    from triage.accounts.passwords import password_problem
    from triage.accounts.users import AccountError, create_user, normalise_email
    from yhteys.db import pk, session_scope

    email = normalise_email(args.email)
    try:
        password = _read_password(args)
    except (ValueError, EOFError, KeyboardInterrupt) as exc:
        print(f"yhteys: {exc or 'no password given'}", file=sys.stderr)
        return 2
    problem = password_problem(password, email=email)
    if problem:
        print(f"yhteys: password refused: {problem}", file=sys.stderr)
        return 2
    with session_scope() as db:
        team_ids = []
        for slug in args.team:
            team = db.exec(select(Team).where(Team.slug == slug)).first()
            if team is None:
                print(f"yhteys: no team with slug {slug!r}", file=sys.stderr)
                return 2
            team_ids.append(pk(team))
        try:
            user = create_user(db, email=email, password=password, roles=args.role,
                               display_name=args.name, languages=args.language,
                               team_ids=team_ids)
        except AccountError as exc:
            print(f"yhteys: {exc}", file=sys.stderr)
            return 1
        from triage.accounts import audit

        audit.record(db, actor=None, action="user.create",
                     detail={"user_id": user.id, "roles": user.roles, "via": "command"})
        user_id, roles = user.id, user.roles
    print(f"created staff user #{user_id} with roles {roles}")
    return 0
