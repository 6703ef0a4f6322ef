"""Centre API keys, and certificates' updated_at for the API's incremental sync.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06

api_keys holds each centre's API keys (only the SHA-256 of the secret); certificates
gain updated_at (every existing row starts at the moment of the upgrade) with an index
led by the centre for `updated_since`.
"""

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("certificates") as batch_op:
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(), nullable=True))
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    op.execute(sa.text("UPDATE certificates SET updated_at = :now").bindparams(now=now))
    with op.batch_alter_table("certificates") as batch_op:
        batch_op.alter_column("updated_at", existing_type=sa.DateTime(), nullable=False)
    op.create_index(
        "ix_cert_centre_updated", "certificates", ["centre_id", "updated_at", "id"]
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("prefix", sa.String(20), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("scope", sa.Enum("read", "read+export", name="apikeyscope",
                                   native_enum=False, length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.Column("last_used_from", sa.String(64), nullable=False, server_default=""),
        sa.Column("addresses", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["centre_id"], ["centres.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["revoked_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("prefix"),
    )
    op.create_index("ix_api_keys_centre_created", "api_keys", ["centre_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_api_keys_centre_created", table_name="api_keys")
    op.drop_table("api_keys")
    op.drop_index("ix_cert_centre_updated", table_name="certificates")
    with op.batch_alter_table("certificates") as batch_op:
        batch_op.drop_column("updated_at")
