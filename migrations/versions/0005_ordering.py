"""Ordering: one placed order line per achievement (partial index), payments, history.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29

The unique constraint of 0001 held an achievement forever, even after a cancelled order
or a declined card. It becomes a unique index over the lines that still count
(`active`). Orders gain their number of products (the Orders table pages without summing lines),
the checkout token that makes placing idempotent, the card provider's answer, and a
status history.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("order_lines") as batch_op:
        batch_op.add_column(
            sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.drop_constraint("uq_one_per_achievement", type_="unique")
    with op.batch_alter_table("order_lines") as batch_op:
        batch_op.alter_column("active", server_default=None)
        batch_op.create_index(
            "uq_order_lines_one_per_achievement",
            ["product", "certificate_id"],
            unique=True,
            sqlite_where=sa.text("active"),
            postgresql_where=sa.text("active"),
        )
    with op.batch_alter_table("baskets") as batch_op:
        batch_op.add_column(sa.Column("token", sa.String(32), nullable=False, server_default=""))
    with op.batch_alter_table("baskets") as batch_op:
        batch_op.alter_column("token", server_default=None)
    with op.batch_alter_table("orders") as batch_op:
        batch_op.add_column(
            sa.Column("total_products", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("checkout_token", sa.String(32), nullable=True))
        batch_op.add_column(sa.Column("provider_transaction_id", sa.String(64), nullable=True))
        batch_op.add_column(sa.Column("card_last4", sa.String(4), nullable=True))
        batch_op.add_column(
            sa.Column("payment_detail", sa.String(300), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("confirmation_sent_at", sa.DateTime(), nullable=True))
        batch_op.create_unique_constraint("uq_orders_checkout_token", ["checkout_token"])
        batch_op.create_index(
            "ix_orders_centre_status_created", ["centre_id", "status", "created_at"]
        )
        batch_op.create_index("ix_orders_user_status", ["user_id", "status"])
    with op.batch_alter_table("orders") as batch_op:
        batch_op.alter_column("payment_detail", server_default=None)
        batch_op.alter_column("total_products", server_default=None)
    op.create_table(
        "order_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(60), nullable=False),
        sa.Column("note", sa.String(300), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_order_events_order_id", "order_events", ["order_id"])


def downgrade() -> None:
    op.drop_index("ix_order_events_order_id", table_name="order_events")
    op.drop_table("order_events")
    with op.batch_alter_table("orders") as batch_op:
        batch_op.drop_index("ix_orders_user_status")
        batch_op.drop_index("ix_orders_centre_status_created")
        batch_op.drop_constraint("uq_orders_checkout_token", type_="unique")
        for column in (
            "confirmation_sent_at",
            "payment_detail",
            "card_last4",
            "provider_transaction_id",
            "checkout_token",
            "total_products",
        ):
            batch_op.drop_column(column)
    with op.batch_alter_table("baskets") as batch_op:
        batch_op.drop_column("token")
    with op.batch_alter_table("order_lines") as batch_op:
        batch_op.drop_index("uq_order_lines_one_per_achievement")
        batch_op.create_unique_constraint("uq_one_per_achievement", ["product", "certificate_id"])
        batch_op.drop_column("active")
