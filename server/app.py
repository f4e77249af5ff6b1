"""The HTTP routes: Segment's tracking API, the profile API, and readiness.

Tracking (write keys): `POST /v1/batch` and the single calls `/v1/track`, `/identify`,
`/page`, `/screen`, `/group`, `/alias`, with analytics.js's short forms (`/v1/b`, `/t`,
`/i`, `/p`, `/s`, `/g`, `/a`). Answers as Segment's: 200 `{"success": true}` once the
events are on disk; 400 for a body that is too large or not JSON; 401 for a missing or
wrong key; 503 when they could not be stored (Segment's clients retry 5xx). Browsers
may call it from any origin (write keys are public in a web page).

Profiles (read keys): `GET /v1/profiles/{type}/{value}` and `.../events`; and Segment's
Profile API shapes, `GET /v1/spaces/{space}/collections/users/profiles/{type}:{value}/traits`
and `.../external_ids`, with Segment's error body (`{"error": {"code", "message"}}`).

Logs say method, route, status and time; never a key, a body, or an identifier's value.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from decimal import Decimal

import orjson
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.keys import KeySet, basic_auth_user, has_basic_auth
from server.errors import ApiError
from server.messages import Limits, batch_lines, decode_body, parse_json, single_line
from server.profiles import ProfileStore
from server.snapshot import PROFILE_ID
from server.spool import Spool, SpoolBusy

log = logging.getLogger("cdp.server")

SINGLE_CALLS = {"track": "t", "identify": "i", "page": "p", "screen": "s", "group": "g", "alias": "a"}
SEGMENT_PROFILE_ROUTES = ("traits", "external_ids")
CORS = {"Access-Control-Allow-Origin": "*"}
PREFLIGHT = {
    **CORS,
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Allow-Headers": "Authorization, Content-Type, Content-Encoding, X-Retry-Count",
    "Access-Control-Max-Age": "86400",
}
READ_CHALLENGE = {"WWW-Authenticate": 'Basic realm="cdp profiles"'}
Handler = Callable[[Request], Awaitable[Response]]


def _default(value: object) -> object:
    if isinstance(value, Decimal):  # HUGEINT sums arrive as whole decimals, money with cents
        return int(value) if value == value.to_integral_value() and value.as_tuple().exponent >= 0 else float(value)
    raise TypeError(type(value).__name__)


def json_response(content: object, status: int = 200, headers: dict | None = None) -> Response:
    body = orjson.dumps(content, default=_default, option=orjson.OPT_NAIVE_UTC | orjson.OPT_UTC_Z)
    return Response(body, status, headers, media_type="application/json")


def error(status: int, code: str, message: str, headers: dict | None = None) -> Response:
    return json_response({"success": False, "code": code, "message": message}, status, headers)


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ApiError(400, "request_too_large", f"the body is over the {limit // 1024} KB limit")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(400, "request_too_large", f"the body is over the {limit // 1024} KB limit")
        chunks.append(chunk)
    return b"".join(chunks)


class Collector:
    """Tracking calls to lines on disk."""

    def __init__(self, spool: Spool, limits: Limits, keys: KeySet):
        self.spool = spool
        self.limits = limits
        self.keys = keys

    def handler(self, event_type: str | None) -> Handler:
        """The route of a single call of `event_type`, or of a batch (None)."""

        async def collect(request: Request) -> Response:
            if request.method == "OPTIONS":
                return Response(status_code=204, headers=PREFLIGHT)
            try:
                return await self._collect(request, event_type)
            except ApiError as exc:
                return error(exc.status, exc.code, exc.message, CORS)

        return collect

    async def _collect(self, request: Request, event_type: str | None) -> Response:
        header = request.headers.get("authorization")
        # a Basic header is checked before the body is read; a Bearer one (Segment's
        # OAuth) is not ours, and the write key in the body decides
        by_header = has_basic_auth(header)
        if by_header and not self.keys.accepts(basic_auth_user(header)):
            return _unauthorized()
        raw = await _read_body(request, self.limits.batch_bytes)
        payload = parse_json(decode_body(raw, request.headers.get("content-encoding"), self.limits.batch_bytes))
        if not by_header and not self.keys.accepts(payload.get("writeKey") if isinstance(payload, dict) else None):
            return _unauthorized()
        if event_type is None:
            data = b"".join(batch_lines(payload, self.limits))
        else:
            data = single_line(payload, event_type, self.limits)
        try:
            if data:  # an empty batch: nothing to wait for
                await self.spool.append(data)
        except SpoolBusy as exc:
            return error(503, "busy", f"{exc}; retry", {**CORS, "Retry-After": "1"})
        except OSError:
            return error(503, "unavailable", "the events could not be stored; retry", CORS)
        return json_response({"success": True}, headers=CORS)


def _unauthorized() -> Response:
    return error(401, "unauthorized", "missing or unknown write key", CORS)


class ProfileApi:
    def __init__(self, store: ProfileStore, keys: KeySet):
        self.store = store
        self.keys = keys

    def _allowed(self, request: Request) -> bool:
        return self.keys.accepts(basic_auth_user(request.headers.get("authorization")))

    async def profile(self, request: Request) -> Response:
        if not self._allowed(request):
            return error(401, "unauthorized", "missing or unknown read key", READ_CHALLENGE)
        params = request.path_params
        try:
            found = self.store.profile(params["identifier_type"], params["value"], request.query_params.get("purpose"))
        except ApiError as exc:
            return error(exc.status, exc.code, exc.message)
        return json_response(found)

    async def events(self, request: Request) -> Response:
        if not self._allowed(request):
            return error(401, "unauthorized", "missing or unknown read key", READ_CHALLENGE)
        params, query = request.path_params, request.query_params
        limit = query.get("limit", "50")
        if not limit.isdigit():
            return error(400, "invalid_request", "limit is a whole number")
        try:
            page = await run_in_threadpool(
                self.store.events, params["identifier_type"], params["value"], query.get("purpose"), int(limit),
                query.get("cursor"),
            )
        except ApiError as exc:
            return error(exc.status, exc.code, exc.message)
        return json_response(page)


class SegmentProfileApi:
    """Segment's Profile API routes; one space per server, so the space id is not checked."""

    def __init__(self, store: ProfileStore, keys: KeySet):
        self.store = store
        self.keys = keys

    def handler(self, kind: str) -> Handler:
        async def answer(request: Request) -> Response:
            if not self.keys.accepts(basic_auth_user(request.headers.get("authorization"))):
                return _segment_error(401, "authentication_error", "missing or unknown access token", READ_CHALLENGE)
            params = request.path_params
            if params["collection"] != "users":
                return _segment_error(404, "not_found", "the only collection is users")
            try:
                found = self.store.segment_answer(kind, params["external_id"], request.query_params, request.url.path)
            except ApiError as exc:
                code = {400: "validation_error", 404: "not_found"}.get(exc.status, exc.code)
                return _segment_error(exc.status, code, "Profile was not found." if exc.status == 404 else exc.message)
            return json_response(found)

        return answer


def _segment_error(status: int, code: str, message: str, headers: dict | None = None) -> Response:
    return json_response({"error": {"code": code, "message": message}}, status, headers)


class AccessLog:
    """One line a request, with the route's shape instead of an identifier's value: the
    identifier's type only when it is one of `id_types` (a value typed where the type
    goes is still a value), and any path no route knows as `(unrouted)`."""

    def __init__(self, app, id_types: frozenset[str], routes: frozenset[str]):
        self.app = app
        self.id_types = id_types
        self.routes = routes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        status = None

        async def sending(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as exc:
            # not re-raised: the traceback uvicorn would log could quote a body
            log.error("%s %s failed: %s", scope["method"], self._route(scope["path"]), type(exc).__name__)
            if status is None:
                status = 500
                await send({"type": "http.response.start", "status": 500, "headers": [(b"content-type", b"application/json")]})
                await send({"type": "http.response.body", "body": b'{"success":false,"code":"internal","message":"internal error"}'})
        finally:
            log.info("%s %s %s %.1f ms", scope["method"], self._route(scope["path"]), status, (time.perf_counter() - started) * 1000)

    def _route(self, path: str) -> str:
        if path in self.routes:
            return path
        parts = path.split("/")
        if path.startswith("/v1/profiles/") and len(parts) > 4:
            id_type = parts[3] if parts[3] in self.id_types else "{type}"
            return f"/v1/profiles/{id_type}/{{value}}" + ("/events" if path.endswith("/events") else "")
        if path.startswith("/v1/spaces/") and len(parts) > 8 and parts[4] == "collections" and parts[6] == "profiles":
            id_type = parts[7].partition(":")[0]
            id_type = id_type if id_type in self.id_types else "{type}"
            collection = parts[5] if parts[5] in ("users", "accounts") else "{collection}"
            kind = parts[-1] if parts[-1] in SEGMENT_PROFILE_ROUTES else "{route}"
            return f"/v1/spaces/{{space}}/collections/{collection}/profiles/{id_type}:{{value}}/{kind}"
        return "(unrouted)"


def create_app(spool: Spool, limits: Limits, store: ProfileStore, write_keys: KeySet, read_keys: KeySet) -> AccessLog:
    collector = Collector(spool, limits, write_keys)
    profiles = ProfileApi(store, read_keys)
    segment = SegmentProfileApi(store, read_keys)

    async def ready(request: Request) -> Response:
        snapshot = store.current
        served = None if snapshot is None else {"run_id": snapshot.run_id, "published_at": snapshot.published_at, "people": snapshot.people}
        return json_response({"status": "ready", "snapshot": served})

    @asynccontextmanager
    async def lifespan(app):
        for path in spool.start():
            log.info("closed %s, left open by a server that stopped without closing it", path.name)
        await run_in_threadpool(store.start)
        # Everything imported and built so far lives as long as the server: out of the
        # collector's sight, a full collection no longer walks it (130k objects, about
        # 0.1 s, which was the p99 of a request under load).
        gc.freeze()
        try:
            yield
        finally:
            store.stop()
            await run_in_threadpool(spool.stop)

    tracking = [("batch", None), ("b", None)]
    for name, short in SINGLE_CALLS.items():
        tracking += [(name, name), (short, name)]
    routes = [
        Route("/", ready, methods=["GET"]),
        *(Route(f"/v1/{path}", collector.handler(event_type), methods=["POST", "OPTIONS"]) for path, event_type in tracking),
        Route("/v1/profiles/{identifier_type}/{value:path}/events", profiles.events, methods=["GET"]),
        Route("/v1/profiles/{identifier_type}/{value:path}", profiles.profile, methods=["GET"]),
        *(Route(f"/v1/spaces/{{space}}/collections/{{collection}}/profiles/{{external_id:path}}/{kind}",
                segment.handler(kind), methods=["GET"]) for kind in SEGMENT_PROFILE_ROUTES),
    ]
    id_types = frozenset([PROFILE_ID, *store.identity.identifier_types])
    fixed = frozenset(["/", *(f"/v1/{path}" for path, _ in tracking)])
    return AccessLog(Starlette(routes=routes, lifespan=lifespan), id_types, fixed)
