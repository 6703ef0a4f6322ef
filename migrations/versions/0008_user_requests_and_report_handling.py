"""Staff console: coordinators' requests for users, problem reports handled by staff,
dispatched orders' tracking references, and the audit log filtered by date and action.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29

user_requests holds a coordinator's request for an additional user until staff approve
or reject it (with the reason the coordinator reads). problem_reports gain the staff
member assigned and the reply the centre user sees. orders.tracking_reference is set
when staff dispatch an order. Two indexes let the audit log page by date, with or
without an action, without sorting the whole table.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REQUEST_STATUSES = ("Pending", "Approved", "Rejected")


def upgrade() -> None:
    op.create_table(
        "user_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("first_name", sa.String(100), nullable=False),
        sa.Column("surname", sa.String(100), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column(
            "status",
            sa.Enum(*REQUEST_STATUSES, name="userrequeststatus", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["centre_id"], ["centres.id"]),
        sa.ForeignKeyConstraint(["requested_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_user_requests_status_created", "user_requests", ["status", "created_at"]
    )
    op.create_index(
        "ix_user_requests_centre_created", "user_requests", ["centre_id", "created_at"]
    )
    with op.batch_alter_table("problem_reports") as batch_op:
        batch_op.add_column(sa.Column("assigned_to_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("reply", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("replied_at", sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(
            "fk_problem_reports_assigned_to_id_users", "users", ["assigned_to_id"], ["id"]
        )
    with op.batch_alter_table("problem_reports") as batch_op:
        batch_op.alter_column("reply", server_default=None)
    with op.batch_alter_table("orders") as batch_op:
        batch_op.add_column(
            sa.Column("tracking_reference", sa.String(100), nullable=False, server_default="")
        )
    with op.batch_alter_table("orders") as batch_op:
        batch_op.alter_column("tracking_reference", server_default=None)
    op.create_index("ix_audit_at", "audit_events", ["at", "id"])
    op.create_index("ix_audit_action_at", "audit_events", ["action", "at"])


def downgrade() -> None:
    op.drop_index("ix_audit_action_at", table_name="audit_events")
    op.drop_index("ix_audit_at", table_name="audit_events")
    with op.batch_alter_table("orders") as batch_op:
        batch_op.drop_column("tracking_reference")
    with op.batch_alter_table("problem_reports") as batch_op:
        batch_op.drop_constraint("fk_problem_reports_assigned_to_id_users", type_="foreignkey")
        batch_op.drop_column("replied_at")
        batch_op.drop_column("reply")
        batch_op.drop_column("assigned_to_id")
    op.drop_index("ix_user_requests_centre_created", table_name="user_requests")
    op.drop_index("ix_user_requests_status_created", table_name="user_requests")
    op.drop_table("user_requests")
