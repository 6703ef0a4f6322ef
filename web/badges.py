"""Open Badges over HTTP: the awarding body's public keys (JWKS at
/.well-known/jwks.json, and each key at its `kid` address), its issuer profile, each
credential's status (1EdTech revocation list) and the credential itself by its id, and
a public check of a credential (as the Verify page's). Starlette routes over core.badges.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from core.badges import (
    badge_by_code,
    check_credential,
    issuer_profile,
    jwks,
    public_jwk,
    status_document,
)
from core.db import session_scope
from core.errors import InvalidInput, NotFound, PortalError
from core.verify import TooManyVerifications
from web.api import problem

CACHE = {"Cache-Control": "public, max-age=300"}
NO_STORE = {"Cache-Control": "no-store"}


def _jwks(_request: Request) -> JSONResponse:
    return JSONResponse(jwks(), headers=CACHE)


def _key(request: Request) -> Response:
    try:
        return JSONResponse(public_jwk(request.path_params["kid"]), headers=CACHE)
    except NotFound as error:
        return problem(404, error.message, request)


def _issuer(_request: Request) -> JSONResponse:
    return JSONResponse(issuer_profile(), headers=CACHE)


def _status(request: Request) -> Response:
    try:
        with session_scope() as session:
            return JSONResponse(
                status_document(session, code=request.path_params["code"][:40]), headers=NO_STORE
            )
    except NotFound as error:
        return problem(404, error.message, request)


def _credential(request: Request) -> Response:
    """The signed credential by its id (the code in its id, as in the PDF's QR code)."""
    try:
        with session_scope() as session:
            badge = badge_by_code(session, code=request.path_params["code"])
    except NotFound as error:
        return problem(404, error.message, request)
    return JSONResponse(badge.document(), headers=NO_STORE)


def _sent(request: Request, raw: bytes) -> dict[str, Any]:
    """What a POST carries: a baked badge image (Content-Type image/png), or JSON
    {"credential": "<the credential JSON or JWT>"}."""
    if request.headers.get("content-type", "").startswith("image/png"):
        return {"upload": raw}
    try:
        return {"text": str(json.loads(raw or b"null").get("credential", ""))}
    except (ValueError, AttributeError):
        raise InvalidInput(
            'Send JSON: {"credential": "<the credential JSON or JWT>"}, or the badge image '
            "as image/png"
        ) from None


def _check(request: Request, raw: bytes) -> Response:
    try:
        sent = _sent(request, raw)
        with session_scope() as session:
            found = check_credential(
                session,
                **sent,
                client=request.client.host if request.client else "unknown",
            )
    except TooManyVerifications as error:
        return problem(429, error.message, request, {"Retry-After": "60"})
    except PortalError as error:
        return problem(404 if isinstance(error, NotFound) else 400, error.message, request)
    return JSONResponse(
        {
            "verdict": found.verdict,
            "reason": found.reason,
            "certificate_number": found.certificate.number if found.certificate else None,
        },
        headers=NO_STORE,
    )


async def _verify(request: Request) -> Response:
    raw = (await request.body())[:300_000]
    return await run_in_threadpool(_check, request, raw)


routes: list[BaseRoute] = [
    Route("/.well-known/jwks.json", _jwks, methods=["GET"], name="jwks"),
    Route("/badges/keys/{kid}", _key, methods=["GET"], name="badge_key"),
    Route("/badges/issuer", _issuer, methods=["GET"], name="badge_issuer"),
    Route("/badges/status/{code}", _status, methods=["GET"], name="badge_status"),
    Route("/badges/credentials/{code}", _credential, methods=["GET"], name="badge_credential"),
    Route("/badges/verify", _verify, methods=["POST"], name="badge_verify"),
]
