"""Staff's work belongs to no centre.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06

jobs.centre_id becomes nullable: a job requested by the awarding body's staff (an
export, candidate emails, a claims import) records no centre, so no centre's users ever
list it. Until now a staff job recorded the staff member's "current centre" (the first
centre by name), and that centre's users saw staff's exports in Document Downloads and
could download them. Existing jobs of staff users are moved off their centre here.

claim_rows.has_problems: a claims import stages every readable row, those with problems
of their own too, so that a number twice or a candidate named twice is reported even
when the partner row has another error (claim_rows is emptied after every import).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch_op:
        batch_op.alter_column("centre_id", existing_type=sa.Integer(), nullable=True)
    op.execute(
        "UPDATE jobs SET centre_id = NULL "
        "WHERE user_id IN (SELECT id FROM users WHERE role = 'staff')"
    )
    with op.batch_alter_table("claim_rows") as batch_op:
        batch_op.add_column(
            sa.Column("has_problems", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("claim_rows") as batch_op:
        batch_op.alter_column("has_problems", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("claim_rows") as batch_op:
        batch_op.drop_column("has_problems")
    # A staff job has no centre to go back to: it is removed with its chosen certificates.
    staff_jobs = "SELECT id FROM jobs WHERE centre_id IS NULL"
    for table in ("job_certificates", "claim_name_parts", "claim_rows"):
        op.execute(f"DELETE FROM {table} WHERE job_id IN ({staff_jobs})")
    op.execute("DELETE FROM jobs WHERE centre_id IS NULL")
    with op.batch_alter_table("jobs") as batch_op:
        batch_op.alter_column("centre_id", existing_type=sa.Integer(), nullable=False)
