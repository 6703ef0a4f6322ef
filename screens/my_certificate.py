import streamlit as st

from core.badges import IssuedBadge, linkedin_address
from core.candidate_links import candidate_badge, open_candidate_link
from core.errors import PortalError
from core.text import uk_date
from ui.errors import show_error
from ui.layout import page_title
from ui.navigation import VERIFY
from ui.services import db
from ui.verification import show_verified
from web.downloads import candidate_link

page_title(
    "Your certificate",
    "This page is yours through the link in your email. Download your certificate as a "
    "PDF (a digital copy: it is signed by the awarding body and cannot be printed; ask "
    "your centre for a printed copy), and give employers the verification address so "
    "they can check it themselves. Your certificate is also an **Open Badge**: a "
    "digital credential signed by the awarding body that you can keep in a wallet app, "
    "and that anyone can verify on our Verify page.",
)
# The badge as a file for a wallet, and as a picture carrying the same credential.
BADGE_DOWNLOADS = (
    (
        "Download Open Badge",
        "json",
        "application/json",
        ":material/workspace_premium:",
        IssuedBadge.file_bytes,
        "Your certificate as an Open Badges 3.0 credential (JSON), signed by the awarding "
        "body: import it into a digital wallet, or give it to anyone to verify.",
    ),
    (
        "Download badge image",
        "png",
        "image/png",
        ":material/image:",
        IssuedBadge.image_bytes,
        "A picture of your badge (PNG) with the signed credential inside it: share it or "
        "import it into a wallet; anyone can check it on our Verify page.",
    ),
)
token = st.query_params.get("token", "")
try:
    with db() as session:
        mine = open_candidate_link(session, token=token)
except PortalError as error:
    show_error(error)
    st.page_link(VERIFY.path, label="Verify a certificate", icon=":material/verified:")
    st.stop()

show_verified(mine.certificate)
if mine.has_pdf:
    buttons = st.container(horizontal=True)
    buttons.link_button(
        "Download your certificate (PDF)",
        candidate_link(token),
        icon=":material/download:",
        type="primary",
    )
    for label, extension, mime, icon, content, help_text in BADGE_DOWNLOADS:
        buttons.download_button(
            label,
            data=lambda content=content: content(candidate_badge(token=token)),
            file_name=f"open-badge-{mine.certificate.number}.{extension}",
            mime=mime,
            icon=icon,
            help=help_text,
        )
    buttons.link_button(
        "Add to LinkedIn",
        linkedin_address(mine.certificate, mine.verify_url),
        icon=":material/add_link:",
        help="Adds the qualification to the Licences & certifications of your LinkedIn "
        "profile, with the verification address.",
    )
st.markdown("**Verification address**: give it to an employer, or use the copy button.")
st.code(mine.verify_url, language=None, wrap_lines=True)
st.caption(f"This link works until {uk_date(mine.expires_at)}.")
