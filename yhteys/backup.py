"""`yhteys backup` and `yhteys restore`: the database and the upload folder, and a manifest.

A backup folder holds the database (PostgreSQL: `pg_dump` custom format; SQLite: a copy made with
SQLite's online backup API), `uploads.tar` (the attachment files, sealed as they rest) and
`manifest.json` (when, which migrations, how many rows per table, each file's SHA-256). It does not
hold DATA_KEYS or SECRET_KEY: they are kept apart, and without DATA_KEYS the backup's files and
sealed secrets open for nobody (see the README, *Backups*).

On PostgreSQL the row counts are taken in the very snapshot `pg_dump` copies (an exported
snapshot), so the manifest describes the dump exactly, and a restore checks itself against it.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import tarfile
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, make_url

from yhteys.db import engine_for, normalise_url
from yhteys.settings import get_settings

FORMAT = 1
MANIFEST = "manifest.json"
PG_DUMP = "database.pgdump"
SQLITE_COPY = "database.sqlite3"
UPLOADS = "uploads.tar"
KEYS_NOTE = ("DATA_KEYS and SECRET_KEY are not in this backup: keep them apart. Without the "
             "DATA_KEYS key that sealed them, the attachments and sealed secrets cannot be opened.")


class BackupError(RuntimeError):
    """A backup or restore that cannot go on; the message says why (no data in it)."""


def default_folder() -> Path:
    return get_settings().var_dir / "backups" / f"yhteys-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"


# --- backup ------------------------------------------------------------------------------------


def backup(folder: Path) -> dict:
    """Write a backup into `folder` (which must not exist yet); returns the manifest."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise BackupError(f"{folder} is not an empty folder")
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)  # what it holds is sealed or personal: readable by this account only
    try:
        return _write(folder)
    except BaseException:
        # Nothing half-written may pass for a backup; the folder was empty or new.
        for path in folder.iterdir():
            path.unlink()
        raise


def _write(folder: Path) -> dict:
    settings = get_settings()
    url = normalise_url(settings.database_url)
    if url.startswith("sqlite"):
        database = "sqlite"
        revisions, tables = _sqlite_backup(_sqlite_path(url), folder / SQLITE_COPY)
    else:
        database = "postgresql"
        revisions, tables = _pg_backup(url, folder / PG_DUMP)
    uploaded = _tar_uploads(settings.upload_dir, folder / UPLOADS)
    files = sorted(p.name for p in folder.iterdir())
    manifest = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": database,
        "alembic_revisions": sorted(revisions),
        "tables": tables,
        "upload_files": uploaded,
        "files": {name: _sha256(folder / name) for name in files},
        "keys": KEYS_NOTE,
    }
    path = folder / MANIFEST
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    path.chmod(0o600)
    return manifest


def _sqlite_path(url: str) -> Path:
    path = url.split("///", 1)[-1]
    if not path or path == ":memory:":
        raise BackupError("DATABASE_URL names no SQLite file")
    return Path(path)


def _sqlite_backup(source: Path, target: Path) -> tuple[list[str], dict[str, int]]:
    if not source.is_file():
        raise BackupError(f"no SQLite database at {source}")
    # The online backup API copies a consistent database while the service keeps writing. The
    # copy is one self-contained file (no write-ahead log beside it).
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")
    target.chmod(0o600)
    with closing(sqlite3.connect(target)) as copy:
        names = [r[0] for r in copy.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        tables = {n: copy.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0]  # noqa: S608
                  for n in sorted(names)}
        revisions = [r[0] for r in copy.execute("SELECT version_num FROM alembic_version")]
    return revisions, tables


def libpq_environment(url: str) -> dict[str, str]:
    """The connection for pg_dump/pg_restore as libpq variables: a password in an argument would
    show in the process list."""
    parsed = make_url(url)
    env = {**os.environ, "PGDATABASE": parsed.database or ""}
    for name, value in (("PGHOST", parsed.host), ("PGPORT", parsed.port),
                        ("PGUSER", parsed.username), ("PGPASSWORD", parsed.password)):
        if value:
            env[name] = str(value)
    if "sslmode" in parsed.query:
        env["PGSSLMODE"] = str(parsed.query["sslmode"])
    return env


def _counts(conn: Connection) -> tuple[list[str], dict[str, int]]:
    names = sorted(inspect(conn).get_table_names())
    tables = {n: int(conn.execute(text(f'SELECT count(*) FROM "{n}"')).scalar_one())  # noqa: S608
              for n in names}
    revisions = list(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
    return revisions, tables


def _pg_backup(url: str, target: Path) -> tuple[list[str], dict[str, int]]:
    engine = engine_for(url)
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
        revisions, tables = _counts(conn)
        # The snapshot lives as long as this transaction: pg_dump reads exactly what was counted.
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
              f"--snapshot={snapshot}", f"--file={target}"], libpq_environment(url))
        conn.rollback()
    target.chmod(0o600)
    return revisions, tables


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is not installed (PostgreSQL client tools)") from None
    if done.returncode != 0:
        # The tool's own words: about connections and objects, never row contents.
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[-500:]}")


def _tar_uploads(upload_dir: Path, target: Path) -> int:
    count = 0
    with tarfile.open(target, "w") as tar:
        if upload_dir.is_dir():
            for path in sorted(upload_dir.rglob("*")):
                if path.is_file():
                    tar.add(path, arcname=str(path.relative_to(upload_dir)), recursive=False)
                    count += 1
    target.chmod(0o600)
    return count


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- restore -----------------------------------------------------------------------------------


def read_manifest(folder: Path) -> dict:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise BackupError(f"{folder} holds no readable {MANIFEST}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    for name, digest in manifest["files"].items():
        if not (folder / name).is_file() or _sha256(folder / name) != digest:
            raise BackupError(f"{name} is missing or differs from the manifest")
    return manifest


def restore(folder: Path) -> dict:
    """Restore a backup into the empty database and upload folder the settings name.

    Refuses a database with any table, or an upload folder with any file, so it never mixes
    two services' data. Returns the manifest once the restored row counts match it."""
    settings = get_settings()
    manifest = read_manifest(folder)
    url = normalise_url(settings.database_url)
    kind = "sqlite" if url.startswith("sqlite") else "postgresql"
    if kind != manifest["database"]:
        raise BackupError(f"the backup is of {manifest['database']}, DATABASE_URL is {kind}")
    engine = engine_for(url)
    with engine.connect() as conn:
        if inspect(conn).get_table_names():
            raise BackupError("the database is not empty: restore only into a new database")
    upload_dir = settings.upload_dir
    if upload_dir.is_dir() and any(p.is_file() for p in upload_dir.rglob("*")):
        raise BackupError(f"{upload_dir} is not empty: restore only into a new upload folder")
    if kind == "sqlite":
        engine.dispose()
        with closing(sqlite3.connect(folder / SQLITE_COPY)) as src, \
                closing(sqlite3.connect(_sqlite_path(url))) as dst:
            src.backup(dst)
    else:
        _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
              "--single-transaction", f"--dbname={make_url(url).database}",
              str(folder / PG_DUMP)], libpq_environment(url))
    upload_dir.mkdir(parents=True, exist_ok=True)
    with tarfile.open(folder / UPLOADS) as tar:
        tar.extractall(upload_dir, filter="data")  # no absolute paths, links out or devices
    engine.dispose()
    with engine.connect() as conn:
        revisions, tables = _counts(conn)
    if tables != manifest["tables"] or sorted(revisions) != manifest["alembic_revisions"]:
        raise BackupError("the restored database does not match the manifest's row counts")
    return manifest


def summary(manifest: dict) -> str:
    """Counts for the operator: table names and numbers, no content."""
    lines = [f"{manifest['database']} backup of {manifest['created_at']}, "
             f"migrations {', '.join(manifest['alembic_revisions'])}"]
    lines += [f"  {name}: {count}" for name, count in manifest["tables"].items()]
    lines.append(f"  upload files: {manifest['upload_files']}")
    lines.append(manifest["keys"])
    return "\n".join(lines)

