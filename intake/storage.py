"""Where attachment bytes live: a small interface, and the local-folder implementation.

Files are named by a random key, never by anything the person sent, and the folder is outside the
web root (settings.upload_dir): nothing serves it; staff downloads go through an audited route.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import tempfile
import time
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from yhteys.settings import get_settings

_KEY = re.compile(r"^[0-9a-f]{32}$")


class Storage(Protocol):
    def save(self, data: bytes) -> str:
        """Store the bytes under a new random key and return the key."""
        ...

    def open(self, key: str) -> bytes:
        """The bytes stored under key (FileNotFoundError when there are none)."""
        ...

    def replace(self, key: str, data: bytes) -> None:
        """Store new bytes under an existing key, whole or not at all (key rotation)."""
        ...

    def delete(self, key: str) -> None:
        """Remove what is stored under key; a missing key is not an error."""
        ...

    def keys(self, older_than: float = 0) -> Iterator[str]:
        """Keys stored more than older_than seconds ago (to sweep files without a row)."""
        ...


class LocalStorage:
    """Files under root/ab/cd/abcd...: two shard levels keep folders small."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        # Keys come from the database, but a key is never trusted to build a path unchecked.
        if not _KEY.match(key):
            raise ValueError("not a storage key")
        return self.root / key[:2] / key[2:4] / key

    def save(self, data: bytes) -> str:
        key = secrets.token_hex(16)
        self._write(self.path(key), data)
        return key

    def replace(self, key: str, data: bytes) -> None:
        target = self.path(key)
        if not target.exists():
            raise FileNotFoundError(key)  # deleted meanwhile: not brought back
        self._write(target, data)

    def _write(self, target: Path, data: bytes) -> None:
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # mkstemp creates the file with 0o600; os.replace makes it appear whole or not at all.
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(temp, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
            raise
        _fsync_dir(target.parent)

    def open(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def keys(self, older_than: float = 0) -> Iterator[str]:
        if not self.root.is_dir():
            return
        cutoff = time.time() - older_than  # file times are wall-clock, not the app clock
        for file in self.root.glob("??/??/*"):
            if not _KEY.match(file.name):
                continue
            with contextlib.suppress(FileNotFoundError):
                if file.stat().st_mtime <= cutoff:
                    yield file.name


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (a crash must not lose a file the database points to)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@lru_cache(maxsize=8)
def _local(root: str) -> LocalStorage:
    return LocalStorage(Path(root))


def storage() -> Storage:
    """The configured storage (the local upload folder; another backend would be chosen here)."""
    return _local(str(get_settings().upload_dir))
