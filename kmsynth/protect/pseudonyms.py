"""Keyed pseudonyms: a person's identifier becomes a stable code that cannot be reversed
without the key."""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import secrets
from pathlib import Path

from kmsynth.protect.csvout import make_private_dir
from kmsynth.protect.names import fold_name

__all__ = ["pseudonym_key", "pseudonymise"]

log = logging.getLogger(__name__)


def pseudonym_key(
    key_env: str = "KMSYNTH_PSEUDONYM_KEY",
    key_file: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] = ".kmsynth-cache",
) -> bytes:
    """The secret for keyed pseudonyms: from the environment, else a key file (created 0600
    in a 0700 folder)."""
    env = os.environ.get(key_env)
    if env:
        return env.encode("utf-8")
    path = Path(key_file) if key_file else Path(cache_dir) / "pseudonym.key"
    if path.is_file():
        return path.read_bytes().strip()
    make_private_dir(path.parent)
    key = secrets.token_hex(32).encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    log.info("created a new pseudonym key at %s (keep it to keep pseudonyms stable)", path)
    return key


def pseudonymise(value: str, key: bytes, prefix: str = "P") -> str:
    """Keyed hash of a person's identifier: stable for one key, not reversible without it."""
    norm = re.sub(r"\s+", " ", fold_name(str(value))).strip()
    if not norm:
        return ""
    digest = hmac.new(key, norm.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"{prefix}-{digest[:10]}"
