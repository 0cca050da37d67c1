"""Files are decoded in a worker process that the web process can kill.

`clean(kind, data)` starts a fresh, isolated interpreter (`python -I`) that runs `main` below with
`<kind> <memory> <cpu>`, writes the file's bytes to its standard input and reads the cleaned copy
from a temporary file. The worker limits itself before it reads a byte (address space, CPU
seconds, size of what it may write, no core files), runs with an environment that carries none of
the server's secrets, and is killed when it runs past TIMEOUT. The web process never holds decoded
pixels, and a decoder that loops, balloons or crashes costs one worker, not the server. At most
CONCURRENCY workers run at once per web process, so a flood of uploads waits in line instead of
multiplying memory.

What the worker writes: b"OK <content type>\\n" and the cleaned bytes, or b"NO <code>\\n".
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

log = logging.getLogger(__name__)

# A 50-megapixel photo decodes to 150-200 MB and is copied two or three times on its way through
# turning and re-encoding; the interpreter and the decoders need about 80 MB more.
MEMORY_BYTES = 1024 * 1024 * 1024
CPU_SECONDS = 20
TIMEOUT = 30.0  # wall clock: a worker waiting on a busy machine is killed too
CONCURRENCY = 2
# Bigger than any honest re-encoding of a 10 MB upload; the worker cannot write more.
MAX_OUTPUT = 40 * 1024 * 1024
MAX_INPUT = 10 * 1024 * 1024
# Isolated (-I: no PYTHON* variables, no user site); the folder holding the `intake` package is put
# on the path explicitly, so the worker starts the same from an installed package or a checkout.
_SOURCE_ROOT = str(Path(__file__).resolve().parent.parent)
WORKER = [
    sys.executable,
    "-I",
    "-c",
    f"import sys; sys.path.insert(0, {_SOURCE_ROOT!r}); "
    "from intake.sandbox import main; sys.exit(main(sys.argv))",
]

_slots = threading.BoundedSemaphore(CONCURRENCY)
_last_pid: int | None = None


def worker_env() -> dict[str, str]:
    """Only what an interpreter needs: no SECRET_KEY, DATA_KEYS or DATABASE_URL in the worker."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LC_ALL": "C.UTF-8",
        "OMP_NUM_THREADS": "1",
        # One malloc arena per thread would reserve 64 MB of address space each against the limit.
        "MALLOC_ARENA_MAX": "2",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def last_pid() -> int | None:
    """The process id of the latest worker (tests check it is gone after a kill)."""
    return _last_pid


@contextlib.contextmanager
def _slot(timeout: float) -> Iterator[bool]:
    acquired = _slots.acquire(timeout=timeout)
    try:
        yield acquired
    finally:
        if acquired:
            _slots.release()


def clean(
    kind: str, data: bytes, *, argv: Sequence[str] | None = None, timeout: float | None = None
) -> tuple[str, bytes]:
    """The content type and cleaned bytes of a file of a sniffed `kind`.

    Raises AttachmentError: the worker's own verdict ("unreadable", "too_complex"), or
    "too_complex" when it was killed, crashed or could not start.
    """
    from intake.attachments import AttachmentError

    wait = TIMEOUT if timeout is None else min(timeout, TIMEOUT)
    with _slot(wait) as acquired:
        if not acquired:
            log.warning("attachment workers busy; a file was refused")
            raise AttachmentError("too_complex")
        command = [*(argv or WORKER), kind, str(MEMORY_BYTES), str(CPU_SECONDS)]
        with tempfile.TemporaryFile() as output:
            returncode = _run(command, data, output, wait)
            output.seek(0)
            result = output.read(MAX_OUTPUT + 1024)
    return _verdict(returncode, result)


def _run(command: list[str], data: bytes, output: IO[bytes], timeout: float) -> int | None:
    global _last_pid
    try:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module, no shell
            command,
            stdin=subprocess.PIPE,
            stdout=output,
            stderr=subprocess.DEVNULL,
            env=worker_env(),
            close_fds=True,
            start_new_session=True,  # a signal to the web server's group does not reach it
        )
    except OSError as exc:
        log.error("attachment worker could not start: %s", type(exc).__name__)
        return None
    _last_pid = process.pid
    try:
        process.communicate(data, timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        log.warning("attachment worker killed after %.0f s", timeout)
        return None
    except (BrokenPipeError, OSError):
        process.kill()  # it died before reading everything: a crash, reported below
        process.wait()
    return process.returncode


def _verdict(returncode: int | None, result: bytes) -> tuple[str, bytes]:
    from intake.attachments import MESSAGES, AttachmentError

    head, _, body = result.partition(b"\n")
    if returncode == 0 and head.startswith(b"OK "):
        return head[3:].decode("ascii", "replace"), body
    if returncode == 0 and head.startswith(b"NO "):
        code = head[3:].decode("ascii", "replace")
        raise AttachmentError(code if code in MESSAGES else "unreadable")
    if returncode is not None:
        # Killed by its CPU or file-size limit, out of memory, or crashed in a decoder.
        log.warning("attachment worker failed (exit %s)", returncode)
    raise AttachmentError("too_complex")


# --- The worker ----------------------------------------------------------------------------------


def _limit(memory: int, cpu: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (MAX_OUTPUT, MAX_OUTPUT))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def main(argv: list[str]) -> int:
    kind, memory, cpu = argv[1], int(argv[2]), int(argv[3])
    _limit(memory, cpu)
    from intake import cleaning

    data = sys.stdin.buffer.read(MAX_INPUT + 1)
    out = sys.stdout.buffer
    if len(data) > MAX_INPUT:
        out.write(b"NO too_large\n")
        return 0
    try:
        content_type, cleaned = cleaning.clean(kind, data)
    except cleaning.Refused as exc:
        out.write(b"NO " + exc.code.encode("ascii") + b"\n")
        return 0
    out.write(b"OK " + content_type.encode("ascii") + b"\n")
    out.write(cleaned)
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
