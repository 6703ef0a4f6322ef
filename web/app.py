"""The portal as an ASGI application: Streamlit's st.App over streamlit_app.py, with
the portal's own routes and middleware (web.routes). Serve it with

    uvicorn web.app:app --port 8501 --no-proxy-headers

(--no-proxy-headers: X-Forwarded-For is judged by TRUSTED_PROXIES in
web.security.ClientAddressMiddleware, not by uvicorn's own list)."""

from __future__ import annotations

import streamlit as st

from core.config import ROOT
from web.routes import all_middleware, all_routes

app = st.App(ROOT / "streamlit_app.py", routes=all_routes(), middleware=all_middleware())
