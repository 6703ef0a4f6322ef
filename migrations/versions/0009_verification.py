"""Verification: revocation, the public Verify page's record, candidates' links.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29

certificates gain revoked_at and revoked_reason (the revoked flag was there from the
start); verifications records every question to the Verify page (nothing about who
asked); candidate_links holds the SHA-256 of each candidate's personal link token.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("certificates") as batch_op:
        batch_op.add_column(sa.Column("revoked_at", sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("revoked_reason", sa.String(300), nullable=False, server_default="")
        )
    op.create_table(
        "verifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("method", sa.String(10), nullable=False),
        sa.Column("found", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["certificate_id"], ["certificates.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_verifications_certificate", "verifications", ["certificate_id", "at"])
    op.create_table(
        "candidate_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["certificate_id"], ["certificates.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index(
        op.f("ix_candidate_links_certificate_id"), "candidate_links", ["certificate_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_candidate_links_certificate_id"), table_name="candidate_links")
    op.drop_table("candidate_links")
    op.drop_index("ix_verifications_certificate", table_name="verifications")
    op.drop_table("verifications")
    with op.batch_alter_table("certificates") as batch_op:
        batch_op.drop_column("revoked_reason")
        batch_op.drop_column("revoked_at")
