"""The keyed hash that names a forgotten identifier, and the suppression list landing reads.

A person who asked to be forgotten is kept forgotten by their identifiers' hashes, never
their values: HMAC-SHA256 of `type:normalised value` under a key from `CDP_PRIVACY_KEY`,
or, when that is unset, a key generated once into `privacy.key` beside the warehouse
(mode 0600). An audit can prove a value was forgotten by hashing it again; nobody without
the key can test candidate values against the list.

The same hash runs in DuckDB (`keyed_hash_sql`, set-wise in landing's parser) and in
Python (`keyed_hash`); the key reaches DuckDB as session variables, never as SQL text.
A key that differs from the one the list was made with would let every suppressed person
back in silently, so the list records a fingerprint of its key and a mismatch stops.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

KEY_VARIABLE = "CDP_PRIVACY_KEY"
KEY_FILE = "privacy.key"
MIN_KEY_CHARS = 16

SCHEMA = "privacy"
SUPPRESSIONS = f"{SCHEMA}.suppressions"
KEY_CHECK = f"{SCHEMA}.key_check"
# The activation state tables (activation/changes.py) carry the request a removal answers.
NOTICE_COLUMN = "privacy_request_id"

_BLOCK = 64  # SHA-256's block size, which HMAC pads the key to
_CHECK_LABEL = b"cdp privacy key check"


class PrivacyKeyError(RuntimeError):
    """The privacy key is missing, too short, or not the one the suppression list was made with."""


def load_key(data_dir: Path, environ: dict[str, str] | os._Environ = os.environ) -> bytes:
    """`CDP_PRIVACY_KEY`, else the key file beside the warehouse, made on first use."""
    given = environ.get(KEY_VARIABLE)
    if given is not None:
        if len(given) < MIN_KEY_CHARS:
            raise PrivacyKeyError(f"{KEY_VARIABLE} is shorter than {MIN_KEY_CHARS} characters")
        return given.encode()
    path = data_dir / KEY_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two processes starting at once keep one key; 0600 from the first byte
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
                handle.flush()
                os.fsync(handle.fileno())
    key = path.read_text().strip()
    if len(key) < MIN_KEY_CHARS:
        raise PrivacyKeyError(f"{path} holds no usable key (shorter than {MIN_KEY_CHARS} characters)")
    return key.encode()


def _pads(key: bytes) -> tuple[bytes, bytes]:
    block = (hashlib.sha256(key).digest() if len(key) > _BLOCK else key).ljust(_BLOCK, b"\0")
    return bytes(b ^ 0x36 for b in block), bytes(b ^ 0x5C for b in block)


def keyed_hash(key: bytes, identifier_type: str, value: str) -> str:
    """Hex HMAC-SHA256 of `type:value` (the value normalised as landing stores it)."""
    return hmac.new(key, f"{identifier_type}:{value}".encode(), hashlib.sha256).hexdigest()


def key_fingerprint(key: bytes) -> str:
    return hmac.new(key, _CHECK_LABEL, hashlib.sha256).hexdigest()


def install_keyed_hash(con: duckdb.DuckDBPyConnection, key: bytes) -> None:
    """Give a DuckDB session what `keyed_hash_sql` reads: the key's two pads, as variables."""
    inner, outer = _pads(key)
    con.execute("set variable cdp_hmac_inner = ?::blob", [inner]).fetchall()
    con.execute("set variable cdp_hmac_outer = ?::blob", [outer]).fetchall()


def keyed_hash_sql(type_sql: str, value_sql: str) -> str:
    """SQL for keyed_hash over two text expressions, in a session install_keyed_hash set up."""
    message = f"encode({type_sql} || ':' || {value_sql})"
    return (
        "sha256(getvariable('cdp_hmac_outer') || "
        f"unhex(sha256(getvariable('cdp_hmac_inner') || {message})))"
    )


def _has_table(con: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    schema, table = qualified.split(".")
    return bool(con.execute(
        "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?", [schema, table]
    ).fetchall()[0][0])


def check_key(con: duckdb.DuckDBPyConnection, key: bytes) -> None:
    """Fail when the warehouse's hashes were made with another key."""
    if not _has_table(con, KEY_CHECK):
        return
    rows = con.sql(f"select fingerprint from {KEY_CHECK}").fetchall()
    if rows and rows[0][0] != key_fingerprint(key):
        raise PrivacyKeyError(
            f"the privacy key ({KEY_VARIABLE}, or {KEY_FILE} beside the warehouse) is not the key this "
            "warehouse's suppression list was made with: suppressed people would land again. Restore that key."
        )


SUPPRESSION_COLUMNS = pa.schema([
    ("identifier_type", pa.string()), ("identifier_hash", pa.string()), ("request_id", pa.string()),
])


@dataclass(frozen=True)
class SuppressionList:
    """The identifiers whose records landing drops, by hash, and the key that makes those hashes."""

    key: bytes
    hashes: pa.Table  # SUPPRESSION_COLUMNS: one row per suppressed identifier, its earliest request

    def __bool__(self) -> bool:
        return self.hashes.num_rows > 0

    @property
    def types(self) -> set[str]:
        return set(self.hashes.column("identifier_type").to_pylist())


def read_suppressions(warehouse: Path, data_dir: Path) -> SuppressionList | None:
    """The suppressions in force in the warehouse, or None while there are none (the key is
    read only then: a warehouse nobody asked to be forgotten from never needs one)."""
    if not warehouse.exists():
        return None
    with duckdb.connect(str(warehouse), read_only=True) as con:
        if not _has_table(con, SUPPRESSIONS):
            return None
        table = con.sql(
            f"""select identifier_type, identifier_hash, min(request_id) as request_id from {SUPPRESSIONS}
            where lifted_at is null group by 1, 2"""
        ).to_arrow_table()
        if not table.num_rows:
            return None
        key = load_key(data_dir)
        check_key(con, key)
    return SuppressionList(key, table.cast(SUPPRESSION_COLUMNS))
