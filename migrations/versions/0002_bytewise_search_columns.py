"""Bytewise collation for the certificate columns searched by prefix (PostgreSQL).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29

A prefix search is an index range (number >= '0165' AND number < '0166'). PostgreSQL's
language collations ignore punctuation at first comparison, which breaks such ranges for
certificate numbers; collation "C" compares bytes, as SQLite always does.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = [("number", 30), ("candidate_number", 20), ("first_name_key", 100), ("surname_key", 100)]


def _set_collation(collation: str | None) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for column, length in COLUMNS:
        op.alter_column(
            "certificates",
            column,
            type_=sa.String(length, collation=collation),
            existing_nullable=False,
            postgresql_using=f"{column}::varchar({length})",
        )


def upgrade() -> None:
    _set_collation("C")


def downgrade() -> None:
    _set_collation(None)
