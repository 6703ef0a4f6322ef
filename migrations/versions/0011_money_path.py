"""The money path: card answers kept, one order line per achievement, roles per centre.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06

- card_answers keeps every card provider's answer as it came back and what was done
  with it (staff read refused ones; an answer or a transaction is used once only).
- orders.attention holds what staff must look at (a payment after cancellation).
- order_lines gain candidate_id and qualification_id, copied from their certificate, and
  the one-per-achievement unique index moves from (product, certificate) to (product,
  candidate, qualification). Existing lines that break the new rule (two certificates of
  one achievement both reprinted) stay in their orders as they are, but only the oldest
  line still counts: the later ones are set inactive, and each is written to the audit
  log (action order_line_no_longer_counts) for staff to read.
- memberships.role: the role at that centre. Every membership takes its user's role of
  today, so a coordinator stays a coordinator of each of their centres.
"""

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AUDIT = sa.table(
    "audit_events",
    sa.column("at", sa.DateTime()),
    sa.column("user_id", sa.Integer()),
    sa.column("centre_id", sa.Integer()),
    sa.column("action", sa.String()),
    sa.column("target", sa.String()),
    sa.column("detail", sa.JSON()),
)
OUTCOMES = ("paid", "declined", "refused", "paid after cancellation")


def upgrade() -> None:
    op.create_table(
        "card_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("answer_hash", sa.String(64), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("vendor_tx_code", sa.String(80), nullable=False),
        sa.Column("transaction_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("amount", sa.String(20), nullable=False),
        sa.Column("currency", sa.String(10), nullable=False),
        sa.Column("detail", sa.String(300), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum(*OUTCOMES, name="cardansweroutcome", native_enum=False, length=30),
            nullable=False,
        ),
        sa.Column("message", sa.String(500), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("answer_hash"),
    )
    op.create_index("ix_card_answers_order_id", "card_answers", ["order_id"])
    op.create_index("ix_card_answers_transaction", "card_answers", ["transaction_id"])
    with op.batch_alter_table("orders") as batch_op:
        batch_op.add_column(
            sa.Column("attention", sa.String(300), nullable=False, server_default="")
        )
    with op.batch_alter_table("orders") as batch_op:
        batch_op.alter_column("attention", server_default=None)
    _order_lines_per_achievement()
    with op.batch_alter_table("memberships") as batch_op:
        batch_op.add_column(
            sa.Column("role", sa.String(20), nullable=False, server_default="centre_user")
        )
    op.execute(
        "UPDATE memberships SET role = (SELECT users.role FROM users "
        "WHERE users.id = memberships.user_id) "
        "WHERE (SELECT users.role FROM users WHERE users.id = memberships.user_id) "
        "IN ('coordinator', 'centre_user')"
    )
    with op.batch_alter_table("memberships") as batch_op:
        batch_op.alter_column("role", server_default=None)


def _order_lines_per_achievement() -> None:
    with op.batch_alter_table("order_lines") as batch_op:
        batch_op.add_column(sa.Column("candidate_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("qualification_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE order_lines SET "
        "candidate_id = (SELECT certificates.candidate_id FROM certificates "
        "WHERE certificates.id = order_lines.certificate_id), "
        "qualification_id = (SELECT certificates.qualification_id FROM certificates "
        "WHERE certificates.id = order_lines.certificate_id)"
    )
    # Later active lines of an achievement already ordered stop counting (audited).
    later = (
        "SELECT DISTINCT later.id, later.order_id, later.product, later.certificate_id "
        "FROM order_lines later JOIN order_lines earlier "
        "ON earlier.product = later.product "
        "AND earlier.candidate_id = later.candidate_id "
        "AND earlier.qualification_id = later.qualification_id "
        "AND earlier.active AND earlier.id < later.id "
        "WHERE later.active ORDER BY later.id"
    )
    rows = op.get_bind().execute(sa.text(later)).all()
    if rows:
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        op.bulk_insert(
            AUDIT,
            [
                {
                    "at": now,
                    "user_id": None,
                    "centre_id": None,
                    "action": "order_line_no_longer_counts",
                    "target": f"order:{order_id}",
                    "detail": {
                        "line": line_id,
                        "product": product,
                        "certificate": certificate_id,
                        "why": "an earlier line ordered the same achievement (migration 0010)",
                    },
                }
                for line_id, order_id, product, certificate_id in rows
            ],
        )
        lines = sa.table("order_lines", sa.column("id", sa.Integer()), sa.column("active"))
        ids = [row[0] for row in rows]
        op.execute(lines.update().where(lines.c.id.in_(ids)).values(active=False))
    with op.batch_alter_table("order_lines") as batch_op:
        batch_op.alter_column("candidate_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("qualification_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            "fk_order_lines_candidate_id", "candidates", ["candidate_id"], ["id"]
        )
        batch_op.create_foreign_key(
            "fk_order_lines_qualification_id", "qualifications", ["qualification_id"], ["id"]
        )
        batch_op.drop_index("uq_order_lines_one_per_achievement")
    with op.batch_alter_table("order_lines") as batch_op:
        batch_op.create_index(
            "uq_order_lines_one_per_achievement",
            ["product", "candidate_id", "qualification_id"],
            unique=True,
            sqlite_where=sa.text("active"),
            postgresql_where=sa.text("active"),
        )


def downgrade() -> None:
    with op.batch_alter_table("memberships") as batch_op:
        batch_op.drop_column("role")
    with op.batch_alter_table("order_lines") as batch_op:
        batch_op.drop_index("uq_order_lines_one_per_achievement")
        batch_op.drop_constraint("fk_order_lines_qualification_id", type_="foreignkey")
        batch_op.drop_constraint("fk_order_lines_candidate_id", type_="foreignkey")
        batch_op.drop_column("qualification_id")
        batch_op.drop_column("candidate_id")
    with op.batch_alter_table("order_lines") as batch_op:
        batch_op.create_index(
            "uq_order_lines_one_per_achievement",
            ["product", "certificate_id"],
            unique=True,
            sqlite_where=sa.text("active"),
            postgresql_where=sa.text("active"),
        )
    with op.batch_alter_table("orders") as batch_op:
        batch_op.drop_column("attention")
    op.drop_index("ix_card_answers_transaction", table_name="card_answers")
    op.drop_index("ix_card_answers_order_id", table_name="card_answers")
    op.drop_table("card_answers")
