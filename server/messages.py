"""From a tracking request's body to the JSON lines the landing step reads.

Segment's answers, from its HTTP API documentation: a request is refused (400) only
when it is too large or is not JSON; a message with other problems (no userId or
anonymousId, an unknown type) is accepted (200) and dropped later. Here it is written
like any other and the landing step sets it aside in `cdp.rejected_rows` with its
reason, so the other messages of its batch land and nothing is silently lost. A
message over the size limit makes its whole request a 400, as at Segment, and naming
its position lets a client send the rest again.

What the server adds: `receivedAt` (always its own clock), a `messageId` when the
client sent none (derived from the content, so a copy sent again is stored once),
`type` from a single call's path, and a batch's `context`, `integrations` and `sentAt`
merged into its messages. `writeKey` is removed: keys never reach the landing folder.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone

import orjson

from server.errors import ApiError


@dataclass(frozen=True)
class Limits:
    message_bytes: int
    batch_bytes: int


# Keys the derived messageId leaves out: what a retried send changes, and what the
# server or a pipeline adds (keys starting with `_`); landing derives its own the same way.
_DELIVERY_KEYS = ("sentAt", "receivedAt", "writeKey")


def decode_body(body: bytes, content_encoding: str | None, limit: int) -> bytes:
    """The request body, gunzipped when it says so; never more than `limit` bytes of it."""
    encoding = (content_encoding or "identity").strip().lower()
    if encoding == "gzip":
        inflater = zlib.decompressobj(wbits=31)
        try:
            body = inflater.decompress(body, limit + 1)
        except zlib.error as exc:
            raise ApiError(400, "invalid_request", f"the body is not valid gzip ({exc})") from exc
        if not inflater.eof and len(body) <= limit:
            raise ApiError(400, "invalid_request", "the gzip body ends early")
    elif encoding != "identity":
        raise ApiError(400, "invalid_request", f"unsupported Content-Encoding {encoding!r} (gzip or none)")
    if len(body) > limit:
        raise ApiError(400, "request_too_large", f"the body is over the {limit // 1024} KB limit")
    return body


def parse_json(body: bytes) -> object:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        pass
    try:  # orjson refuses integers past 64 bits, which JSON allows
        return json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise ApiError(400, "invalid_json", "the body is not valid JSON") from exc


def received_at_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _dumps(value: object) -> bytes:
    try:
        return orjson.dumps(value)
    except TypeError:  # an integer past 64 bits
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def derived_message_id(message: dict) -> str:
    content = {k: v for k, v in message.items() if k not in _DELIVERY_KEYS and not k.startswith("_")}
    try:
        canonical = orjson.dumps(content, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        canonical = json.dumps(content, sort_keys=True, separators=(",", ":")).encode()
    return "srv-" + hashlib.blake2b(canonical, digest_size=16).hexdigest()


def _line(message: object, received_at: str, shared: dict, limits: Limits, position: str) -> bytes:
    if isinstance(message, dict):
        message.pop("writeKey", None)
        for key in ("context", "integrations"):
            if isinstance(shared.get(key), dict):
                own = message.get(key)
                message[key] = {**shared[key], **own} if isinstance(own, dict) else shared[key]
        if "sentAt" in shared and "sentAt" not in message:
            message["sentAt"] = shared["sentAt"]
        message["receivedAt"] = received_at
        if not message.get("messageId"):
            message["messageId"] = derived_message_id(message)
    # anything else is written as it came: landing rejects it as not a JSON object
    line = _dumps(message)
    if len(line) > limits.message_bytes:
        raise ApiError(
            400, "message_too_large",
            f"{position} is {len(line):,} bytes, over the {limits.message_bytes // 1024} KB limit for one message; "
            "nothing of this request was stored",
        )
    return line + b"\n"


def batch_lines(payload: object, limits: Limits) -> list[bytes]:
    """The lines of a `/v1/batch` body: `{"batch": [...], "context": ..., "sentAt": ...}`."""
    if not isinstance(payload, dict):
        raise ApiError(400, "invalid_request", "a batch body is a JSON object with a `batch` array")
    messages = payload.get("batch")
    if not isinstance(messages, list):
        raise ApiError(400, "invalid_request", "a batch body needs a `batch` array")
    shared = {key: payload[key] for key in ("context", "integrations", "sentAt") if key in payload}
    received_at = received_at_now()
    return [_line(message, received_at, shared, limits, f"batch[{i}]") for i, message in enumerate(messages)]


def single_line(payload: object, event_type: str, limits: Limits) -> bytes:
    """The line of a single call (`/v1/track`, ...): its path says its type."""
    if not isinstance(payload, dict):
        raise ApiError(400, "invalid_request", "the body is a JSON object")
    payload["type"] = event_type
    return _line(payload, received_at_now(), {}, limits, "the message")

