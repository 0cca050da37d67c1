"""Where one form submission spends its time: statements per submission and a profile.

    .venv/bin/python bench/submission_profile.py [--db postgres|sqlite] [--count 300]

Runs the real app in this process (no lifespan: no relay, no worker, so only the request's own
work is measured) on a fresh, migrated database, sends `--count` complete social-services
requests through the real form (cookie, CSRF token, a new idempotency key each), and prints:
the statements per submission grouped by what they do, then the functions of the product that
took the most time, cumulative. The throughput side by side with a bare ceiling is
bench/submissions.py; this script is the magnifying glass.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import os
import pstats
import re
import shutil
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from sqlalchemy import event

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


# bench/submissions.py loads bench/intake.py under a name that is not the package's.
from submissions import intake_bench  # noqa: E402


def _shape(statement: str) -> str:
    words = " ".join(statement.split())
    match = re.match(r"(SELECT .*? FROM \S+|INSERT INTO \S+|UPDATE \S+|DELETE FROM \S+|\w+)",
                     words)
    return (match.group(1) if match else words)[:90]


WAITS = ("acquire", "select", "poll", "recv", "send", "execute", "wait", "sleep", "connect",
         "commit", "fetch")


def _library(path: str) -> str:
    """Which part of the code a profiled function belongs to: a product package, a library
    under site-packages, the standard library, or the interpreter itself."""
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1].split("/", 1)[0]
    if path.startswith(str(ROOT)):
        return Path(path).relative_to(ROOT).parts[0]
    if path.startswith("<") or path == "~":
        return "builtins (C)"
    return "stdlib"


def _trace_one(engine, send) -> None:  # noqa: ANN001
    """One submission's statements in order, each with the product frames that issued it."""
    import traceback

    def show(_conn, _cursor, statement, *_rest) -> None:  # noqa: ANN001
        frames = [f"{Path(f.filename).relative_to(ROOT)}:{f.lineno} {f.name}"
                  for f in traceback.extract_stack()
                  if f.filename.startswith(str(ROOT)) and "/.venv/" not in f.filename
                  and "/bench/" not in f.filename]
        print(f"- {_shape(statement)}\n    " + " < ".join(reversed(frames[-4:])))

    event.listen(engine, "before_cursor_execute", show)
    send()
    event.remove(engine, "before_cursor_execute", show)
    print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--dump", help="write the merged profile here (for pstats or snakeviz)")
    parser.add_argument("--trace", action="store_true",
                        help="also print one submission's statements in order, with callers")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-profile-"))
    url = intake_bench.create_database(args.db, workdir)
    os.environ.update(DATABASE_URL=url, VAR_DIR=str(workdir / "var"), LOG_LEVEL="WARNING",
                      RATE_LIMIT_SUBMISSIONS="1000000000",
                      RATE_LIMIT_SUBMISSIONS_PER_ADDRESS="1000000000")
    os.environ.pop("REDIS_URL", None)
    try:
        return _run(args)
    finally:
        from yhteys.db import get_engine

        get_engine().dispose()
        intake_bench.drop_database(url)
        shutil.rmtree(workdir, ignore_errors=True)


def _run(args: argparse.Namespace) -> int:
    from starlette.testclient import TestClient

    from yhteys.app import create_app
    from yhteys.db import get_engine
    from yhteys.migrate import upgrade

    upgrade()
    # The app runs on the test client's event-loop thread and its worker threads: each thread
    # gets a profiler of its own once counting starts (cProfile sees one thread only).
    profiles: list[cProfile.Profile] = []
    counting = [False]

    def hook(_frame, _event, _arg) -> None:  # noqa: ANN001
        if counting[0]:
            profile = cProfile.Profile()
            profiles.append(profile)
            profile.enable()  # replaces this hook in its thread

    threading.setprofile(hook)
    client = TestClient(create_app(), base_url="http://127.0.0.1:8000")
    page = client.get(intake_bench.FORM_PATH)
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    statements: collections.Counter[str] = collections.Counter()

    def count(_conn, _cursor, statement, *_rest) -> None:  # noqa: ANN001
        if counting[0]:
            statements[_shape(statement)] += 1

    event.listen(get_engine(), "before_cursor_execute", count)

    def send() -> None:
        key = uuid.uuid4().hex
        fields = {**hidden, **intake_bench.BENCH_FIELDS, "idempotency_key": key}
        fields["contact_address_email"] = f"c.{key}@example.org"
        response = client.post(intake_bench.FORM_PATH, data=fields,
                               headers={"Origin": "http://127.0.0.1:8000"})
        if response.status_code != 200 or "reference" not in response.text.lower():
            raise SystemExit(f"submission refused: {response.status_code}")

    for _ in range(20):  # warm: templates compiled, caches filled
        send()
    if args.trace:
        _trace_one(get_engine(), send)
    started = time.perf_counter()
    for _ in range(args.count):
        send()
    plain = (time.perf_counter() - started) / args.count
    print(f"{args.db}: {1000 * plain:.2f} ms per submission in process, one at a time, "
          "without the profiler")
    counting[0] = True
    main_profile = cProfile.Profile()
    profiles.append(main_profile)
    main_profile.enable()
    for _ in range(args.count):
        send()
    main_profile.disable()
    counting[0] = False
    total = sum(statements.values())
    print(f"{args.db}: {total / args.count:.1f} statements per submission")
    for shape, n in statements.most_common():
        print(f"  {n / args.count:5.2f}  {shape}")
    stats = pstats.Stats(*profiles)
    if args.dump:
        stats.dump_stats(args.dump)
    print(f"\nproduct functions by cumulative time over {args.count} submissions:")
    rows = []
    for (path, line, name), (_cc, calls, _tt, cumulative, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if path.startswith(str(ROOT)) and "/.venv/" not in path and "/bench/" not in path:
            rows.append((cumulative, calls, f"{Path(path).relative_to(ROOT)}:{line} {name}"))
    for cumulative, calls, where in sorted(rows, reverse=True)[: args.top]:
        print(f"  {1000 * cumulative / args.count:7.2f} ms/submission  {calls:7d} calls  {where}")
    print("\nown time by library (all threads, the request's share of each):")
    own: collections.Counter[str] = collections.Counter()
    for (path, _line, name), (_cc, _calls, tottime, _cum, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        library = _library(path)
        if library == "builtins (C)" and any(w in name for w in WAITS):
            library = "waiting (locks, sockets, the database)"
        elif library == "builtins (C)":
            library = f"C: {name[:60]}"
        own[library] += tottime
    for library, seconds in own.most_common(20):
        print(f"  {1000 * seconds / args.count:7.2f} ms/submission  {library}")
    whole = max((r[0] for r in rows), default=0.0)
    print(f"\nwhole request, in process: {1000 * whole / args.count:.2f} ms/submission")
    return 0


if __name__ == "__main__":
    sys.exit(main())
