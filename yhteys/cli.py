"""The `yhteys` command: serve, migrate, worker, seed-demo, create-user, ...

Packages add their own subcommands in their `includeme` (yhteys.registry), so the command stays
one obvious place without knowing each package's insides.
"""

from __future__ import annotations

import argparse
import logging
import sys

from yhteys.settings import SettingsError, get_settings

log = logging.getLogger("yhteys")


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from yhteys.logs import configure_logging

    settings = get_settings()
    configure_logging(settings.log_level)
    if args.migrate:
        from yhteys.migrate import upgrade

        upgrade()
    if args.demo or settings.demo_data:
        from yhteys.demo import seed_all

        seed_all()
    workers = args.workers or settings.web_workers
    if workers > 1 and not settings.redis_url:
        log.warning("WEB_WORKERS > 1 needs REDIS_URL (shared rate limits and jobs); using 1")
        workers = 1
    from yhteys.metrics import prepare_multiprocess

    # Before uvicorn starts the workers: they inherit the folder where they share metrics.
    prepare_multiprocess(settings, workers, prune=True)
    uvicorn.run(
        "yhteys.app:create_serving_app",
        factory=True,
        host=args.host or settings.host,
        port=args.port or settings.port,
        workers=workers,
        access_log=False,  # paths carry status-link secrets
        log_config=None,  # uvicorn's lines go through our handler: JSON in production, redacted
        proxy_headers=False,  # client addresses come from TRUSTED_PROXIES, see yhteys/client.py
        server_header=False,
    )
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from yhteys.migrate import upgrade

    upgrade()
    print("database is up to date")
    return 0


def _seed_demo(args: argparse.Namespace) -> int:
    from yhteys.demo import seed_all

    seed_all()
    return 0


def _generate_key(args: argparse.Namespace) -> int:
    from yhteys.crypto import new_key

    print(new_key())
    return 0


def _rotate_keys(args: argparse.Namespace) -> int:
    """Seal again, with the first DATA_KEYS key, everything each package keeps sealed."""
    from yhteys.db import session_scope
    from yhteys.logs import configure_logging
    from yhteys.registry import registry

    configure_logging(get_settings().log_level)
    failed = 0
    for name, reseal in registry().resealers.items():
        with session_scope() as session:
            counts = reseal(session)
        failed += counts.get("failed", 0)
        # Counts only: no file names, keys or case references.
        print(f"{name}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return 1 if failed else 0


def _backup(args: argparse.Namespace) -> int:
    from pathlib import Path

    from yhteys import backup

    folder = Path(args.to) if args.to else backup.default_folder()
    try:
        manifest = backup.backup(folder)
    except backup.BackupError as exc:
        print(f"yhteys backup: {exc}", file=sys.stderr)
        return 1
    print(f"backup written to {folder}")
    print(backup.summary(manifest))
    return 0


def _restore(args: argparse.Namespace) -> int:
    from pathlib import Path

    from yhteys import backup

    try:
        manifest = backup.restore(Path(args.source))
    except backup.BackupError as exc:
        print(f"yhteys restore: {exc}", file=sys.stderr)
        return 1
    print("restored; the row counts match the backup's manifest")
    print(backup.summary(manifest))
    return 0


def _settings(args: argparse.Namespace) -> int:
    from yhteys.settings import table

    print(table())
    return 0


def _translations(args: argparse.Namespace) -> int:
    """How far each language is, per part: for translators and whoever decides to offer one."""
    from yhteys import catalogs
    from yhteys.i18n import domains

    print(f"{'language':8} {'domain':14} {'translated':>12} {'fuzzy':>6} {'missing':>8} "
          f"{'bad %()':>8}  reviewed by a native speaker")
    languages = sorted({lang for d in domains() for lang in catalogs.catalog_languages(d)})
    for language in languages:
        for domain in domains():
            if language not in catalogs.catalog_languages(domain):
                continue
            p = catalogs.progress(language, domain)
            state = "complete" if p.translated == p.total and not p.bad_placeholders else ""
            if language == "en":
                state = "(the source language)"
            print(f"{language:8} {domain:14} {p.translated:>5}/{p.total:<6} {p.fuzzy:>6} "
                  f"{p.untranslated:>8} {p.bad_placeholders:>8}  {p.reviewed} {state}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="yhteys", description="Yhteys contact and triage service")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the web app (and, without REDIS_URL, the jobs)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int, default=0)
    serve.add_argument("--migrate", action="store_true", help="migrate the database first")
    serve.add_argument("--demo", action="store_true", help="seed demo data first (development)")
    serve.set_defaults(func=_serve)

    sub.add_parser("migrate", help="bring the database schema up to date").set_defaults(
        func=_migrate
    )
    sub.add_parser("seed-demo", help="add demo teams, staff, cases and hours").set_defaults(
        func=_seed_demo
    )

    sub.add_parser(
        "generate-key", help="print a new key for DATA_KEYS (put it first to rotate)"
    ).set_defaults(func=_generate_key)
    sub.add_parser(
        "settings", help="print the settings table of the README (every environment variable, "
        "its default and meaning)",
    ).set_defaults(func=_settings)
    sub.add_parser(
        "translations", help="how complete each language's catalogs are, and who reviewed them"
    ).set_defaults(func=_translations)
    sub.add_parser(
        "rotate-keys",
        help="seal files and secrets again with the first DATA_KEYS key (after a new key is "
        "put first; also seals what was stored before encryption at rest)",
    ).set_defaults(func=_rotate_keys)

    backup = sub.add_parser(
        "backup", help="copy the database and the upload folder into a new folder, with a "
        "manifest (the keys are not included: keep DATA_KEYS and SECRET_KEY apart)")
    backup.add_argument("--to", help="the new folder (default: var/backups/yhteys-<time>)")
    backup.set_defaults(func=_backup)
    restore = sub.add_parser(
        "restore", help="restore a backup into an empty database and upload folder")
    restore.add_argument("--from", dest="source", required=True, help="the backup folder")
    restore.set_defaults(func=_restore)

    from yhteys.registry import registry

    for register in registry().commands:
        register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        from yhteys.metrics import prepare_multiprocess
        from yhteys.registry import configure

        prepare_multiprocess(get_settings())  # before any metric is first counted
        configure()  # every command runs with the same handlers as the web app
        return int(args.func(args) or 0)
    except SettingsError as exc:
        print(f"yhteys: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
