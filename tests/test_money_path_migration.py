"""Migration 0011 (the money path) on a database with today's data: roles move to
memberships unchanged, and order lines that already break one-per-achievement stay but
stop counting."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import text

from core.db import alembic_config, get_engine
from tests.conftest import BACKENDS, _create_postgres_database

ROWS = [
    "INSERT INTO centres (id, number, name, email) VALUES (1, 'C1', 'Fanshaws', ''), "
    "(3, 'C3', 'Riverside', '')",
    "INSERT INTO users (id, email, first_name, surname, telephone, mobile, role, is_active, "
    "failed_logins, sessions_valid_after, created_at) VALUES "
    "(1, 'coordinator@fanshaws.example', 'J', 'M', '', '', 'coordinator', true, 0, "
    "'2000-01-01', '2016-01-04'), "
    "(2, 'user@fanshaws.example', 'D', 'B', '', '', 'centre_user', true, 0, "
    "'2000-01-01', '2016-01-04')",
    "INSERT INTO memberships (user_id, centre_id) VALUES (1, 1), (1, 3), (2, 1)",
    "INSERT INTO candidates (id, candidate_number, first_name, surname) "
    "VALUES (1, '42000007', 'A', 'W')",
    "INSERT INTO qualifications (id, number, title, kind) "
    "VALUES (1, '603/1465/5', 'Diploma', 'Qualification')",
    "INSERT INTO certificates (id, number, candidate_id, qualification_id, centre_id, grade, "
    "issue_date, description, revoked, revoked_reason, candidate_number, first_name_key, "
    "surname_key) VALUES "
    "(27, '016559960-01-1800', 1, 1, 1, 'Pass', '2018-06-06', '', false, '', '42000007', "
    "'a', 'w'), "
    "(28, '016559961-01-1800', 1, 1, 1, 'Pass', '2018-06-06', '', false, '', '42000007', "
    "'a', 'w')",
    "INSERT INTO orders (id, centre_id, user_id, reference, payment_provider, status, "
    "delivery_option, international, subtotal_pence, delivery_pence, vat_pence, total_pence, "
    "created_at, total_products, payment_detail, tracking_reference) VALUES "
    "(4, 1, 1, '', 'Centre Credits', 'Processing (Centre credits)', 'second_class', false, "
    "5176, 0, 0, 5176, '2026-11-29', 2, '', '')",
    "INSERT INTO order_lines (id, order_id, product, certificate_id, quantity, reason, "
    "unit_price_pence, vat_pence, active) VALUES "
    "(1, 4, 'reprint', 27, 1, 'Lost', 2588, 0, true), "
    "(2, 4, 'reprint', 28, 1, 'Lost', 2588, 0, true), "
    "(3, 4, 'proof_letter', 28, 1, 'Lost', 2588, 0, true)",
]


@pytest.fixture(params=BACKENDS)
def at_0009(request, tmp_path) -> Iterator[str]:
    """A fresh database at revision 0009 holding today's kind of data."""
    if request.param == "sqlite":
        url, drop = f"sqlite:///{tmp_path / 'old.db'}", lambda: get_engine(url).dispose()
    else:
        url, drop = _create_postgres_database()
    command.upgrade(alembic_config(url), "0009")
    with get_engine(url).begin() as connection:
        for statement in ROWS:
            connection.execute(text(statement))
    yield url
    drop()


def test_each_membership_keeps_its_users_role_of_today(at_0009):
    command.upgrade(alembic_config(at_0009), "0011")
    with get_engine(at_0009).connect() as connection:
        roles = connection.execute(
            text("SELECT user_id, centre_id, role FROM memberships ORDER BY user_id, centre_id")
        ).all()
    assert [tuple(row) for row in roles] == [
        (1, 1, "coordinator"),
        (1, 3, "coordinator"),
        (2, 1, "centre_user"),
    ]


def test_a_second_line_of_one_achievement_stays_in_its_order_but_stops_counting(at_0009):
    command.upgrade(alembic_config(at_0009), "0011")
    with get_engine(at_0009).connect() as connection:
        lines = connection.execute(
            text("SELECT id, candidate_id, qualification_id, active FROM order_lines ORDER BY id")
        ).all()
        audited = connection.execute(
            text("SELECT target FROM audit_events WHERE action = 'order_line_no_longer_counts'")
        ).all()
    assert [tuple(row) for row in lines] == [(1, 1, 1, True), (2, 1, 1, False), (3, 1, 1, True)]
    assert [row[0] for row in audited] == ["order:4"]


def test_the_database_refuses_a_second_line_of_an_achievement_after_the_migration(at_0009):
    command.upgrade(alembic_config(at_0009), "0011")
    with pytest.raises(Exception, match=r"(?i)unique"), get_engine(at_0009).begin() as connection:
        connection.execute(text("UPDATE order_lines SET active = true WHERE id = 2"))
