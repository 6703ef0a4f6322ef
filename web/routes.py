"""Every HTTP route the portal adds to Streamlit's own, assembled in one place."""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from web import api, auth, badges, downloads
from web.security import ClientAddressMiddleware, MetricsGuardMiddleware, SecurityHeadersMiddleware


def all_routes() -> list[BaseRoute]:
    """Streamlit's reserved paths (/_stcore/, /media/, /component/, /static/) are not
    ours; everything else a page does not answer goes here."""
    # web.api's last route answers any other /api/v1 address with a 404 problem, so it
    # stays after every other route under /api/v1.
    return [*auth.routes, *downloads.routes, *badges.routes, *api.routes]


def all_middleware() -> list[Middleware]:
    """Outermost first: the client's address is settled before anything reads it, and
    the headers are added to every response, Streamlit's included."""
    return [
        Middleware(ClientAddressMiddleware),
        Middleware(SecurityHeadersMiddleware),
        Middleware(MetricsGuardMiddleware),
    ]
