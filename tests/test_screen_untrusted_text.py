"""Text a user typed or an address carried is shown as text, never as markup; odd ids and
characters in an address get a clear message, never "Something went wrong"."""

from __future__ import annotations

import logging
import re

import pytest

from core.db import session_scope
from core.models import ProblemReport
from tests.apptest import signed_in_app, texts
from tests.factories import make_batch, make_centre, make_certificate, make_user
from ui.errors import UNEXPECTED

PRINT_BATCHES = "screens/print_batches.py"
SEARCH = "screens/search.py"
PAYLOADS = [
    "](x) :red[**Your session has expired.**] [Sign in again here](https://evil.example/login) [",
    "![x](http://127.0.0.1:9/pixel.png)",
    "$\\int x$ and :material/warning: and :rainbow-background[big]",
    "<img src=x onerror=alert(1)> **bold** _it_ `code`",
]


def _markdown_sources(app) -> list[str]:
    kinds = ("markdown", "caption", "error", "info", "warning", "success", "subheader")
    return [str(element.value) for kind in kinds for element in getattr(app, kind)]


LIVE_MARKUP = ["](", "[Sign", ":red[", "![x]", "$\\int", ":material/warning:", ":rainbow", "<img"]
LIVE_MARKUP += ["**bold**", "_it_", "`code`"]
ESCAPED_CHARACTER = re.compile(r"\\.")


def _shows_only_as_text(app, payload: str) -> bool:
    """No piece of markup from the payload is left unescaped in any markdown element."""
    live = [fragment for fragment in LIVE_MARKUP if fragment in payload]
    return not [
        fragment
        for source in _markdown_sources(app)
        for fragment in live
        if fragment in ESCAPED_CHARACTER.sub("", source)
    ]


@pytest.fixture
def centre(db_url):
    with session_scope() as session:
        return make_centre(session)


def _user(centre, **names):
    with session_scope() as session:
        return make_user(session, centres=(centre,), **names)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_name_in_the_header_is_text(centre, payload):
    app = signed_in_app(_user(centre, first_name=payload, surname=payload))
    assert _shows_only_as_text(app, payload)
    assert payload in texts(app)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_centre_name_in_the_header_is_text(db_url, payload):
    with session_scope() as session:
        user = make_user(session, centres=(make_centre(session, name=payload),))
    app = signed_in_app(user)
    assert _shows_only_as_text(app, payload) and payload in texts(app)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_batch_reference_is_text(centre, payload):
    with session_scope() as session:
        batch = make_batch(session, centre, reference=payload)
        make_certificate(session, centre, batch=batch)
    app = signed_in_app(_user(centre))
    app.query_params["batch"] = str(batch.id)
    app.switch_page(PRINT_BATCHES).run()
    assert _shows_only_as_text(app, payload) and payload in texts(app)


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("field", ["dob", "surname", "cert", "candidate", "first"])
def test_search_criteria_from_the_address_are_never_echoed_as_markup(centre, field, payload):
    app = signed_in_app(_user(centre))
    app.query_params[field] = payload
    app.switch_page(SEARCH).run()
    assert _shows_only_as_text(app, payload)
    assert UNEXPECTED not in texts(app)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_problem_report_is_text_in_the_reports_list(centre, payload):
    user = _user(centre)
    with session_scope() as session:
        certificate = make_certificate(session, centre)
        session.add(
            ProblemReport(
                certificate_id=certificate.id,
                centre_id=centre.id,
                user_id=user.id,
                category="Other",
                description=payload,
            )
        )
    app = signed_in_app(user, PRINT_BATCHES)
    assert _shows_only_as_text(app, payload)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("batch", "9" * 30),
        ("batch", "²"),
        ("batch", "-1"),
        ("batch", "12\x00"),
        ("centre", "9" * 30),
        ("centre", "²"),
        ("cert", "\U0010ffff"),
        ("surname", "a\x00b"),
        ("dob", "1981-09-30\x00"),
        ("first", "\ufffe"),
    ],
)
@pytest.mark.parametrize("screen", [PRINT_BATCHES, SEARCH])
def test_odd_values_in_the_address_get_a_clear_message_and_log_no_error(
    centre, caplog, screen, field, value
):
    app = signed_in_app(_user(centre))
    app.query_params[field] = value
    with caplog.at_level(logging.WARNING):
        app.switch_page(screen).run()
    assert not app.exception
    assert UNEXPECTED not in texts(app)
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
