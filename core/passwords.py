"""Passwords: bcrypt at bounded concurrency, and the rules that refuse guessable ones.

A bcrypt check takes a quarter of a second of one core. Fifty people signing in at once
used to run fifty checks at once in the app process, on the cores every page needs, so
a signed-in visitor's page stalled for seconds. Every check and every new hash now goes
through one queue per process, served by a few threads (one fewer than the cores, at
least one) that run below the pages' CPU priority: a storm of sign-ins waits its turn
and pages stay responsive.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
import unicodedata
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import bcrypt

from core.config import Settings, get_settings

T = TypeVar("T")

BCRYPT_ROUNDS = 12
MIN_PERSONAL_PART = 3  # shorter name parts ("Al", "Ng") match too many passwords
_pool_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_shape: tuple[int, int] = (0, 0)  # (threads, niceness) of the pool


def cores() -> int:
    """The cores this process may run on (a container's limit, not the host's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def check_workers(settings: Settings) -> int:
    """How many password checks one process runs at once."""
    return settings.password_check_workers or max(1, cores() - 1)


def _lower_priority(niceness: int) -> None:
    """Run this pool thread below the pages' priority: Linux gives each thread its own
    nice value, so only the password checks yield to the pages."""
    with contextlib.suppress(AttributeError, OSError):  # not Linux, or not allowed
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), niceness)


def _executor(settings: Settings) -> ThreadPoolExecutor:
    """The process's one pool (made again only if the settings change it)."""
    global _pool, _pool_shape
    shape = (check_workers(settings), settings.password_check_niceness)
    with _pool_lock:
        if _pool is None or _pool_shape != shape:
            if _pool is not None:
                _pool.shutdown(wait=False)
            _pool = ThreadPoolExecutor(
                max_workers=shape[0],
                thread_name_prefix="password-check",
                initializer=_lower_priority,
                initargs=(shape[1],),
            )
            _pool_shape = shape
        return _pool


def _queued(work: Callable[..., T], *args: Any, settings: Settings | None = None) -> T:
    """Run CPU-heavy password work on the process's bounded pool and wait for it."""
    return _executor(settings or get_settings()).submit(work, *args).result()


def hash_password(password: str) -> str:
    return _queued(_hash, password)


def _hash(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=BCRYPT_ROUNDS)).decode()


def password_matches_hash(password: bytes, password_hash: str) -> bool:
    """bcrypt's verdict, waiting for a free place in the queue."""
    return _queued(bcrypt.checkpw, password, password_hash.encode())


# ---- guessable passwords -------------------------------------------------------------


def folded(text: str) -> str:
    """Letters and digits only, lower case, accents removed: "Lock Test" and "lock-test"
    and "LOCKTEST" all fold to "locktest"."""
    plain = unicodedata.normalize("NFKD", text or "")
    return "".join(ch for ch in plain if ch.isalnum() and not unicodedata.combining(ch)).lower()


@lru_cache(maxsize=4)
def common_passwords(path: str) -> frozenset[str]:
    """The list of most common passwords, folded; empty when the file is missing."""
    file = Path(path)
    if not file.exists():
        return frozenset()
    lines = file.read_text(encoding="utf-8").splitlines()
    return frozenset(folded(line) for line in lines if line.strip() and not line.startswith("#"))


def is_common(password: str, settings: Settings | None = None) -> bool:
    settings = settings or get_settings()
    return folded(password) in common_passwords(settings.common_passwords_path)


_WORDS = re.compile(r"[^\w]+|_")
# Words of centre names (and email domains) that say nothing about who the user is.
GENERIC_WORDS = frozenset(
    {
        *("the", "and", "for", "college", "academy", "centre", "center", "training"),
        *("school", "motor", "motors", "institute", "university", "group", "limited"),
        *("ltd", "com", "org", "net", "gov", "edu", "nhs", "sch"),
    }
)


def personal_parts(
    *, first_name: str, surname: str, email: str, centre_names: list[str]
) -> dict[str, str]:
    """What a password may not contain, each folded, with why: the first name and surname
    and each word of them ("Nowak-Łukasiewicz": nowaklukasiewicz, nowak, lukasiewicz), the
    email's local part and its words, the email's domain names (not its last part), and
    each centre's name and its distinctive words. Parts shorter than 3 letters are left out."""
    local, _, domain = (email or "").partition("@")
    named: list[tuple[str, list[str]]] = [
        ("your first name", [first_name, *_WORDS.split(first_name or "")]),
        ("your surname", [surname, *_WORDS.split(surname or "")]),
        ("your email address", [local, *_WORDS.split(local), *domain.split(".")[:-1]]),
    ]
    for name in centre_names:
        named.append(("your centre's name", [name, *_WORDS.split(name or "")]))
    parts: dict[str, str] = {}
    for reason, texts in named:
        for text in texts:
            key = folded(text)
            if len(key) >= MIN_PERSONAL_PART and key not in GENERIC_WORDS:
                parts.setdefault(key, reason)
    return parts


def personal_reason(password: str, parts: dict[str, str]) -> str | None:
    """Why the password is guessable from who the user is, or None."""
    text = folded(password)
    for part, reason in parts.items():  # names first, then the email, then centres
        if part in text:
            return reason
    return None
