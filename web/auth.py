"""The sign-in cookie's HTTP routes: POST /auth/session turns a page's single-use
sign-in ticket into the HttpOnly cookie; POST /auth/logout ends the user's sessions and
deletes it. Both refuse cross-site requests (Origin, else Referer, must be this site)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from core import two_factor
from core.auth import end_sessions
from core.config import get_settings
from core.db import session_scope
from core.links import same_origin_path_or
from core.sessions import (
    CookieToSet,
    deleted_session_cookie,
    on_ticket_redeemed,
    redeem_sign_in_ticket,
    signed_in_actor,
)

# The "Remember this browser" cookie rides on the sign-in response (core.two_factor).
on_ticket_redeemed(two_factor.remember_browser_cookie)

SESSION_PATH = "/auth/session"
LOGOUT_PATH = "/auth/logout"
NO_STORE = {"Cache-Control": "no-store"}


def is_same_origin(request: Request) -> bool:
    """A request a page of this site sent: its Origin (or, without one, its Referer) is
    the host the request was sent to, or PUBLIC_URL's."""
    source = request.headers.get("origin") or request.headers.get("referer") or ""
    parts = urlsplit(source)
    allowed = {request.headers.get("host", ""), urlsplit(get_settings().public_url).netloc}
    return parts.scheme in ("http", "https") and parts.netloc in allowed - {""}


def set_cookie(response: Response, cookie: CookieToSet) -> None:
    """Every cookie the portal sets: HttpOnly, SameSite=Lax, the whole site, Secure
    behind https."""
    response.set_cookie(
        cookie.name,
        cookie.value,
        max_age=cookie.max_age,
        path="/",
        secure=cookie.secure,
        httponly=True,
        samesite="lax",
    )


async def _form(request: Request) -> dict[str, str]:
    body = (await request.body())[:4096].decode("utf-8", "replace")
    return {key: values[0] for key, values in parse_qs(body).items()}


def _redeem(ticket: str) -> list[CookieToSet]:
    with session_scope() as session:
        return redeem_sign_in_ticket(session, token=ticket)


async def start_session(request: Request) -> Response:
    if not is_same_origin(request):
        return PlainTextResponse("Cross-site request refused.", 403, headers=NO_STORE)
    form = await _form(request)
    cookies = await run_in_threadpool(_redeem, form.get("ticket", ""))
    if not cookies:
        return PlainTextResponse("This sign-in has expired.", 403, headers=NO_STORE)
    response = Response(status_code=204, headers=NO_STORE)
    for cookie in cookies:
        set_cookie(response, cookie)
    return response


def _end(cookie: str | None) -> None:
    with session_scope() as session:
        actor = signed_in_actor(session, cookie=cookie)
        if actor is not None:
            end_sessions(session, user_id=actor.user_id)


async def end_session(request: Request) -> Response:
    """Log out: every sign-in of the cookie's user ends (core.auth.end_sessions) and the
    cookie is deleted; with a `next` path, the browser is sent there."""
    if not is_same_origin(request):
        return PlainTextResponse("Cross-site request refused.", 403, headers=NO_STORE)
    form = await _form(request)
    await run_in_threadpool(_end, request.cookies.get(get_settings().cookie_name))
    response: Response = (
        RedirectResponse(same_origin_path_or(form["next"]), 303, headers=NO_STORE)
        if form.get("next")
        else Response(status_code=204, headers=NO_STORE)
    )
    set_cookie(response, deleted_session_cookie())
    return response


routes: list[BaseRoute] = [
    Route(SESSION_PATH, start_session, methods=["POST"]),
    Route(LOGOUT_PATH, end_session, methods=["POST"]),
]
