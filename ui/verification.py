"""What the public Verify page and a candidate's own page share: the certificate as it
may be shown publicly, its status, and who is asking (for the rate limit)."""

from __future__ import annotations

import streamlit as st

from core.badges import CHANGED, EXPIRED, NOT_OURS, REVOKED, VALID, CredentialCheck
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


def _verdict_text(check: CredentialCheck) -> str:
    awarding_body = check.certificate.awarding_body if check.certificate else "awarding body"
    if check.verdict == VALID:
        return f"**Valid**: signed by the {awarding_body}, unchanged, and matches our register."
    if check.verdict in (EXPIRED, REVOKED):
        return f"**{check.reason}**: this Open Badge was issued by the {awarding_body}."
    advice = "Do not rely on it; verify by certificate number instead."
    return f"**{check.verdict}**: {check.reason} {advice}"


_BANNERS = {
    VALID: (st.success, ":material/verified_user:"),
    EXPIRED: (st.warning, ":material/schedule:"),
    REVOKED: (st.error, ":material/block:"),
    NOT_OURS: (st.error, ":material/gpp_bad:"),
    CHANGED: (st.error, ":material/gpp_bad:"),
}


def show_credential_check(check: CredentialCheck) -> None:
    """The verdict on an Open Badge in the PDF check's words, then the certificate as our
    register holds it."""
    banner, icon = _BANNERS[check.verdict]
    banner(_verdict_text(check), icon=icon)
    if check.certificate is not None:
        st.caption("The certificate it names, as our register holds it:")
        show_verified(check.certificate, banner=False)
