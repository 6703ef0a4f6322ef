"""What the public Verify page and a candidate's own page share: the certificate as it
may be shown publicly, its status, and who is asking (for the rate limit)."""

from __future__ import annotations

import streamlit as st

from core.verify import VerifiedCertificate
from ui.certificates import card_table

_STATUS = {"Valid": st.success, "Expired": st.warning, "Revoked": st.error}
_ICONS = {"Valid": ":material/verified:", "Expired": ":material/schedule:"}


def client_key() -> str:
    """Who is asking, for the rate limit: the address web.security's middleware settled
    for this connection (X-Forwarded-For believed only from TRUSTED_PROXIES, IPv4-mapped
    addresses folded to IPv4; core.clients), which st.context.ip_address reports.
    Streamlit answers None for a loopback client (development, or a local proxy that
    is not trusted): those share one key. st.context.headers is not used: any client
    can write any X-Forwarded-For it likes."""
    return st.context.ip_address or "loopback"


def show_verified(certificate: VerifiedCertificate, banner: bool = True) -> None:
    """The status as a banner (unless another banner already says what matters), then
    the public details."""
    if banner:
        _STATUS[certificate.status](
            f"**{certificate.status_text}**: this certificate was issued by the "
            f"{certificate.awarding_body}.",
            icon=_ICONS.get(certificate.status, ":material/block:"),
        )
    st.html(card_table(certificate.fields()))
