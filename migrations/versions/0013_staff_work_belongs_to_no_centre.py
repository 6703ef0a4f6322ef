"""Staff's work belongs to no centre.

Revision ID: 0013
Revises: 0009
Create Date: 2026-12-06

jobs.centre_id becomes nullable: a job requested by the awarding body's staff (an
export, candidate emails, a claims import) records no centre, so no centre's users ever
list it. Until now a staff job recorded the staff member's "current centre" (the first
centre by name), and that centre's users saw staff's exports in Document Downloads and
could download them. Existing jobs of staff users are moved off their centre here.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
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


def downgrade() -> None:
    # A staff job has no centre to go back to: it is removed with its chosen certificates.
    op.execute(
        "DELETE FROM job_certificates WHERE job_id IN (SELECT id FROM jobs WHERE centre_id IS NULL)"
    )
    op.execute("DELETE FROM claim_name_parts WHERE job_id IN (SELECT id FROM jobs WHERE centre_id IS NULL)")
    op.execute("DELETE FROM claim_rows WHERE job_id IN (SELECT id FROM jobs WHERE centre_id IS NULL)")
    op.execute("DELETE FROM jobs WHERE centre_id IS NULL")
    with op.batch_alter_table("jobs") as batch_op:
        batch_op.alter_column("centre_id", existing_type=sa.Integer(), nullable=False)
