"""Two-factor sign-in widgets: setting it up (QR code, secret, a first code), the
recovery codes shown once, and Profile's part (status, new codes, turn off, sign out
everywhere, a coordinator's rule for the centre)."""

from __future__ import annotations

import streamlit as st

from core import two_factor
from core.errors import InvalidInput
from core.models import Role
from core.users import Actor
from ui.errors import show_error
from ui.inputs import text_field
from ui.layout import page_title
from ui.navigation import HOME, PROFILE, STAFF_HOME, TWO_FACTOR
from ui.services import current_actor, db

_SECRET = "two_factor_secret"  # the secret being set up: kept only until confirmed
_CODES = "two_factor_codes"  # recovery codes just made: shown once, then forgotten


def enrolment_screen() -> None:
    """The set-up page; also drawn in place of any page asked for while it is required
    and not done, so that the page asked for opens once it is."""
    page_title(
        "Two-factor sign-in",
        "Two-factor sign-in asks, after your password, for a six-digit code from an "
        "authenticator app on your phone. Scan the QR code with the app (or type the "
        "secret key), then type the code it shows to turn it on. You then get ten recovery "
        "codes, shown once: each signs you in once if you lose your phone. Staff must use "
        "it; a centre's coordinator may require it of everyone at the centre. Lost your "
        "phone and your recovery codes? Ask the awarding body's staff to reset it.",
    )
    enrolment()


def enrolment() -> None:
    """Set up two-factor sign-in, or show the recovery codes just made."""
    actor = current_actor()
    if st.session_state.get(_CODES):
        show_recovery_codes(done_label="I have saved my recovery codes: continue")
        return
    with db() as session:
        enabled = two_factor.status(session, actor=actor).enabled
    if enabled:
        st.success("Two-factor sign-in is on for your account.")
        st.page_link(PROFILE.path, label="Manage it under Profile", icon=":material/person:")
        return
    if actor.must_enrol:
        st.warning(
            "Your account must use two-factor sign-in (all staff do, and a centre's "
            "coordinator may require it). Set it up now to continue; until then only "
            "this page and Logout are open."
        )
    secret = st.session_state.setdefault(_SECRET, two_factor.new_secret())
    uri = two_factor.provisioning_uri(secret, actor.email)
    qr, steps = st.columns([1, 2], gap="large")
    qr.image(two_factor.qr_png(uri), caption="Scan with your authenticator app", width=220)
    with steps:
        st.markdown(
            "1. Open an authenticator app on your phone (Google Authenticator, Microsoft "
            "Authenticator, 1Password, FreeOTP, …) and add an account by scanning the QR "
            "code, or type this secret key (time-based):"
        )
        st.code(two_factor.grouped(secret), language=None)
        st.markdown("2. Type the six-digit code the app now shows, to confirm.")
        with st.form("two_factor_enrol_form"):
            code = text_field("Code from the app", 10, autocomplete="one-time-code")
            if st.form_submit_button("Turn on two-factor sign-in", type="primary"):
                _confirm(actor, secret, code)


def _confirm(actor: Actor, secret: str, code: str) -> None:
    try:
        with db() as session:
            codes = two_factor.enrol(session, user_id=actor.user_id, secret=secret, code=code)
    except InvalidInput as error:
        show_error(error)
        return
    st.session_state.pop(_SECRET, None)
    st.session_state[_CODES] = codes
    # Every page opens again now; stay on this one, whatever address was asked for, to
    # show the recovery codes.
    st.switch_page(TWO_FACTOR.path)


def show_recovery_codes(done_label: str) -> None:
    """The codes just made, once: we keep only their digests."""
    codes: list[str] = st.session_state[_CODES]
    st.success("Two-factor sign-in is on. Keep these recovery codes somewhere safe.")
    st.markdown(
        "Each recovery code signs you in **once** in place of a code from the app, if you "
        "lose your phone. This is the only time they are shown: print them, save them "
        "or write them down now."
    )
    st.code("\n".join(codes), language=None)
    st.download_button(
        "Download the codes",
        data="Digital Certificates recovery codes\n" + "\n".join(codes) + "\n",
        file_name="digital-certificates-recovery-codes.txt",
        mime="text/plain",
        icon=":material/download:",
    )
    if st.button(done_label, type="primary", key="two_factor_codes_saved"):
        st.session_state.pop(_CODES, None)
        actor = current_actor()
        st.switch_page((STAFF_HOME if actor.is_staff else HOME).path)


def profile_section() -> None:
    """Profile's two-factor part."""
    actor = current_actor()
    st.subheader("Two-factor sign-in")
    if st.session_state.get(_CODES):
        show_recovery_codes(done_label="I have saved my recovery codes")
        return
    with db() as session:
        state = two_factor.status(session, actor=actor)
    if not state.enabled:
        st.write(
            "Off. With it on, signing in asks for your password and then a code from an "
            "app on your phone, so a stolen password alone is not enough."
        )
        st.page_link(
            TWO_FACTOR.path, label="Set up two-factor sign-in", icon=":material/phonelink_lock:"
        )
    else:
        st.write(
            f"On. {state.recovery_codes_left} of {two_factor.RECOVERY_CODES} recovery codes "
            f"unused; {state.remembered_browsers} browser(s) remembered."
        )
        if st.button("Make new recovery codes", help="The old ones stop working"):
            _run(lambda session: two_factor.new_recovery_codes(session, user_id=actor.user_id))
        if not state.required:
            _turn_off_form(actor)
    if st.button(
        "Sign out everywhere",
        icon=":material/devices:",
        help="Ends your sign-in in every browser, this one too, and forgets every "
        "remembered browser: each asks for your code again.",
    ):
        with db() as session:
            two_factor.sign_out_everywhere(session, user_id=actor.user_id)
        st.rerun()
    if actor.role == Role.COORDINATOR:
        _centre_rule(actor, state.centre_requires)


def _run(make_codes) -> None:
    try:
        with db() as session:
            codes = make_codes(session)
    except InvalidInput as error:
        show_error(error)
        return
    st.session_state[_CODES] = codes
    st.rerun()


def _turn_off_form(actor: Actor) -> None:
    with st.form("two_factor_off_form", clear_on_submit=True):
        code = text_field("Code from the app, to turn it off", 10)
        if st.form_submit_button("Turn off two-factor sign-in"):
            try:
                with db() as session:
                    two_factor.turn_off(session, user_id=actor.user_id, code=code)
            except InvalidInput as error:
                show_error(error)
            else:
                st.rerun()


def _centre_rule(actor: Actor, requires: bool) -> None:
    """A coordinator requires two-factor sign-in of everyone at their centre."""
    required = st.toggle(
        f"Everyone at {actor.centre_name} must use two-factor sign-in",
        value=requires,
        help="Each user of the centre without it is taken to set it up at their next page.",
    )
    if required != requires:
        with db() as session:
            two_factor.set_centre_requirement(session, actor=actor, required=required)
        st.rerun()
