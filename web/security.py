"""Middleware on every response: security headers, the metrics guard, and the client's
address (X-Forwarded-For believed only from TRUSTED_PROXIES)."""

from __future__ import annotations

import hmac

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.clients import client_address
from core.config import Settings, get_settings
from web.scripts import script_hashes

METRICS_PATH = "/_stcore/metrics"
HSTS = "max-age=31536000; includeSubDomains"


def content_security_policy() -> str:
    """What Streamlit's frontend needs and nothing more: its own scripts, the inline
    ones allowed by hash (web.scripts) and its components' blob: modules, inline styles
    (its CSS-in-JS), images and fonts from itself or data:/blob: URLs, its websocket,
    and never inside a frame."""
    # blob: is where Streamlit's v2 components load the JavaScript they are given (the
    # layout's width watch); only a script already allowed here can make a blob URL.
    scripts = " ".join(["'self'", "blob:", *script_hashes()])
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {scripts}",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "media-src 'self' data: blob:",
            "worker-src 'self' blob:",
            "frame-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "frame-ancestors 'none'",
        ]
    )


def security_headers(settings: Settings) -> list[tuple[str, str]]:
    headers = [
        ("Content-Security-Policy", content_security_policy()),
        ("X-Frame-Options", "DENY"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        (
            "Permissions-Policy",
            "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
        ),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ]
    if settings.secure_cookies:  # PUBLIC_URL is https
        headers.append(("Strict-Transport-Security", HSTS))
    return headers


class SecurityHeadersMiddleware:
    """Adds the security headers to every HTTP response (ours and Streamlit's); a
    header a route set itself is left as it is."""

    def __init__(self, app: ASGIApp, settings: Settings | None = None) -> None:
        self.app = app
        self.headers = security_headers(settings or get_settings())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers:
                    if name not in headers:
                        headers.append(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class MetricsGuardMiddleware:
    """/_stcore/metrics answers 404 unless METRICS_TOKEN is set and sent as a Bearer
    token (a route cannot replace Streamlit's own: its /_stcore/ paths are reserved)."""

    def __init__(self, app: ASGIApp, settings: Settings | None = None) -> None:
        self.app = app
        self.token = (settings or get_settings()).metrics_token

    def _allowed(self, scope: Scope) -> bool:
        sent = Headers(scope=scope).get("authorization", "")
        scheme, _, token = sent.partition(" ")
        return bool(
            self.token
            and scheme.lower() == "bearer"
            and hmac.compare_digest(token.strip().encode(), self.token.encode())
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["path"].rstrip("/") == METRICS_PATH
            and not self._allowed(scope)
        ):
            await PlainTextResponse("Not Found", status_code=404)(scope, receive, send)
            return
        await self.app(scope, receive, send)


class ClientAddressMiddleware:
    """Sets the connection's client (scope["client"], which Streamlit's
    st.context.ip_address reads too) to the address core.clients decides on. Run uvicorn
    with --no-proxy-headers: this is the only place X-Forwarded-For is read."""

    def __init__(self, app: ASGIApp, settings: Settings | None = None) -> None:
        self.app = app
        self.proxies = (settings or get_settings()).trusted_proxy_networks

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            peer, port = scope.get("client") or (None, 0)
            forwarded = Headers(scope=scope).getlist("x-forwarded-for")
            scope = {**scope, "client": (client_address(peer, forwarded, self.proxies), port)}
        await self.app(scope, receive, send)
