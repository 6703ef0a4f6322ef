"""A checkout under way is kept on the server, per user, until the order is placed."""

from __future__ import annotations

from core.checkout_drafts import CheckoutDraft, end_draft, load_draft, save_draft
from core.users import actor_for
from tests.factories import make_centre, make_user
from tests.ordering import TYPED_BILLING, TYPED_DELIVERY


def test_a_checkout_draft_belongs_to_its_user_and_keeps_what_each_step_gave(session):
    centre = make_centre(session)
    mine = actor_for(session, user=make_user(session, centres=(centre,)))
    theirs = actor_for(session, user=make_user(session, centres=(centre,)))
    save_draft(session, actor=mine, step=3, billing=TYPED_BILLING)
    save_draft(session, actor=mine, step=4, delivery=TYPED_DELIVERY)
    assert load_draft(session, actor=mine) == CheckoutDraft(4, TYPED_BILLING, TYPED_DELIVERY, "")
    assert load_draft(session, actor=theirs) == CheckoutDraft()


def test_an_ended_draft_starts_the_next_checkout_afresh(session):
    actor = actor_for(session, user=make_user(session, centres=(make_centre(session),)))
    save_draft(session, actor=actor, step=5, billing=TYPED_BILLING, delivery_option="first_class")
    end_draft(session, actor=actor)
    assert load_draft(session, actor=actor) == CheckoutDraft()
