"""Batch production (a failure's reason, staff indexes over every centre) and claims
imports (staging tables emptied when an import ends).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29

print_batches.status already holds the four production statuses (PENDING, PRINTING,
COMPLETE, FAILED) as the old system recorded them: existing rows keep theirs, and a batch
recorded as FAILED gets a reason saying so. New batches default to PENDING. Staff list
batches across centres, so the centre-first indexes get centre-less twins.
claim_rows and claim_name_parts hold a claims file's checked rows while it is imported.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEGACY_FAILURE = "Recorded as failed before production statuses were kept in the portal."
STAFF_INDEXES = {
    "ix_batches_started": ["started_at", "id"],
    "ix_batches_status_started": ["status", "started_at", "id"],
    "ix_batches_type_started": ["batch_type", "started_at", "id"],
}


def _search_text(length: int) -> sa.String:
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("print_batches") as batch_op:
        batch_op.add_column(
            sa.Column("failure_reason", sa.String(300), nullable=False, server_default="")
        )
    with op.batch_alter_table("print_batches") as batch_op:
        batch_op.alter_column("failure_reason", server_default=None)
    op.execute(
        sa.text("UPDATE print_batches SET failure_reason = :reason WHERE status = 'FAILED'")
        .bindparams(reason=LEGACY_FAILURE)
    )
    for name, columns in STAFF_INDEXES.items():
        op.create_index(name, "print_batches", columns)
    op.create_table(
        "claim_rows",
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("certificate_number", _search_text(30), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("candidate_number", sa.String(20), nullable=False),
        sa.Column("first_name", sa.String(100), nullable=False),
        sa.Column("surname", sa.String(100), nullable=False),
        sa.Column("first_name_key", _search_text(100), nullable=False),
        sa.Column("surname_key", _search_text(100), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("qualification_number", sa.String(20), nullable=False),
        sa.Column("qualification_title", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("grade", sa.String(40), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("expiry_date", sa.Date(), nullable=True),
        sa.Column("description", sa.String(300), nullable=False),
        sa.Column("skipped", sa.Boolean(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"]),
        sa.PrimaryKeyConstraint("job_id", "line"),
    )
    op.create_index("ix_claim_rows_number", "claim_rows", ["job_id", "certificate_number"])
    op.create_index("ix_claim_rows_candidate", "claim_rows", ["job_id", "candidate_number"])
    op.create_index("ix_claim_rows_batch", "claim_rows", ["job_id", "centre_id", "kind"])
    op.create_table(
        "claim_name_parts",
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("part_key", _search_text(100), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"]),
        sa.PrimaryKeyConstraint("job_id", "line", "part_key"),
    )


def downgrade() -> None:
    op.drop_table("claim_name_parts")
    op.drop_index("ix_claim_rows_batch", table_name="claim_rows")
    op.drop_index("ix_claim_rows_candidate", table_name="claim_rows")
    op.drop_index("ix_claim_rows_number", table_name="claim_rows")
    op.drop_table("claim_rows")
    for name in STAFF_INDEXES:
        op.drop_index(name, table_name="print_batches")
    with op.batch_alter_table("print_batches") as batch_op:
        batch_op.drop_column("failure_reason")
