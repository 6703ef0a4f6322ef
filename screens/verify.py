import streamlit as st

from core.badges import check_credential
from core.errors import PortalError
from core.verify import verify_by_code, verify_by_number, verify_upload
from ui.errors import show_error
from ui.inputs import text_field
from ui.layout import page_title
from ui.services import db
from ui.verification import client_key, show_credential_check, show_verified

page_title(
    "Verify a certificate",
    "Check that a certificate of the Institute of the Motor Industry is genuine and still "
    "valid. Scan the QR code on the certificate, or type its certificate number and the "
    "holder's surname as printed. You can also upload the certificate's PDF: we check its "
    "digital signature and that what it says matches our register. An **Open Badge** "
    "(our JSON file, or its JWT) can be pasted or uploaded too, and so can its badge "
    "image (the PNG with the credential inside it).",
)


def _once(asked: str, check):
    """Ask core once per question (a rerun for another widget must not count as another
    verification): the answer, or core's refusal, is kept for this session."""
    kept = st.session_state.get("verify_answer")
    if kept is None or kept[0] != asked:
        try:
            with db() as session:
                kept = (asked, check(session))
        except PortalError as error:
            kept = (asked, error)
        st.session_state["verify_answer"] = kept
    return kept[1]


def _answer(asked: str, check) -> None:
    answer = _once(asked, check)
    if isinstance(answer, PortalError):
        show_error(answer)
    else:
        show_verified(answer)


code = st.query_params.get("code", "")
if code:
    _answer(f"code:{code}", lambda session: verify_by_code(session, code=code, client=client_key()))

by_number, by_upload, by_badge = st.tabs(["Certificate number", "Upload a PDF", "Open Badge"])
with by_number, st.form("verify_number_form"):
    number = text_field("Certificate number", 40, placeholder="016559933-01-1800")
    surname = text_field("Holder's surname", 100)
    asked = st.form_submit_button("Verify", type="primary", icon=":material/verified:")
if asked:
    with by_number:
        _answer(
            f"number:{number}:{surname}",
            lambda session: verify_by_number(
                session, number=number, surname=surname, client=client_key()
            ),
        )

with by_upload:
    # Any file is taken (a type filter refused others with only a red icon) and judged
    # in core, which says in words what it is not; at most 2 MB, as core.verify says.
    upload = st.file_uploader(
        "Certificate PDF",
        help="The PDF file of a certificate we issued (at most 2 MB).",
        max_upload_size=2,
    )
    if upload is not None:
        result = _once(
            f"upload:{upload.file_id}",
            lambda session: verify_upload(session, data=upload.getvalue(), client=client_key()),
        )
        if isinstance(result, PortalError):
            show_error(result)
        else:
            if result.trustworthy:
                st.success(
                    "**Signature intact** and the content **matches our register**: this "
                    "PDF is as we issued it.",
                    icon=":material/verified_user:",
                )
            elif not result.signed:
                st.error(
                    "**Not signed by us**: this PDF carries no signature of the awarding "
                    "body. It may have been made or changed by someone else.",
                    icon=":material/gpp_bad:",
                )
            elif not result.signature_intact:
                st.error(
                    "**Changed after signing**: this PDF was altered after we issued it. "
                    "Do not rely on it; verify by certificate number instead.",
                    icon=":material/gpp_bad:",
                )
            else:
                st.error(
                    "**Does not match our register**: the signature is intact but the "
                    "certificate it names does not carry these details.",
                    icon=":material/gpp_bad:",
                )
            if result.certificate is not None:
                st.caption("The certificate this PDF names, as our register holds it:")
                show_verified(result.certificate, banner=result.trustworthy)

with by_badge:
    with st.form("verify_badge_form"):
        pasted = text_field(
            "Open Badge credential",
            200_000,
            area=True,
            placeholder="Paste the JSON file's text, or the JWT (eyJ…)",
            height=120,
        )
        badge_file = st.file_uploader(
            "…or upload it (the JSON file, the JWT, or the badge image)",
            type=["json", "jwt", "txt", "png"],
            key="verify_badge_file",
        )
        checked = st.form_submit_button("Check", type="primary", icon=":material/verified:")
    if checked:
        upload = badge_file.getvalue() if badge_file else None
        found = _once(
            f"badge:{hash(upload or pasted)}",
            lambda session: check_credential(
                session, text=pasted, upload=upload, client=client_key()
            ),
        )
        if isinstance(found, PortalError):
            show_error(found)
        else:
            show_credential_check(found)
