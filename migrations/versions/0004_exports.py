"""Exports and claimed candidate notices.

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-29

- job_certificates: the certificates an export job was asked for, fixed at request time.
- jobs.skipped: how many of them were issued before 1 November 2017 (no PDF).
- certificates.verify_code: the unguessable code in a certificate's verification address,
  given the first time its PDF is made.
- certificate_notices.status: 'sending' is written before the mail server is called, so a
  worker that dies after the server accepted a message never sends it again; existing
  notices were all sent.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job_certificates",
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["certificate_id"], ["certificates.id"]),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"]),
        sa.PrimaryKeyConstraint("job_id", "certificate_id"),
    )
    with op.batch_alter_table("jobs") as batch_op:
        batch_op.add_column(sa.Column("skipped", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("certificates") as batch_op:
        batch_op.add_column(sa.Column("verify_code", sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint("uq_certificates_verify_code", ["verify_code"])
    with op.batch_alter_table("certificate_notices") as batch_op:
        batch_op.add_column(
            sa.Column("status", sa.String(length=20), nullable=False, server_default="sent")
        )


def downgrade() -> None:
    with op.batch_alter_table("certificate_notices") as batch_op:
        batch_op.drop_column("status")
    with op.batch_alter_table("certificates") as batch_op:
        batch_op.drop_constraint("uq_certificates_verify_code", type_="unique")
        batch_op.drop_column("verify_code")
    with op.batch_alter_table("jobs") as batch_op:
        batch_op.drop_column("skipped")
    op.drop_table("job_certificates")
