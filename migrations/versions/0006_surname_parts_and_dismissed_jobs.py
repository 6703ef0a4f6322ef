"""Surname parts as search keys; a job's banner dismissed by the user who asked for it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29

certificate_name_parts holds the later parts of hyphenated and several-word surnames
(Nowak-Łukasiewicz: lukasiewicz) so that "lukas" finds the certificate on an index; the
upgrade fills it for the certificates already there. jobs.dismissed_at ends a finished
job's banner for the user who started it.
"""

from collections.abc import Iterator, Sequence

import sqlalchemy as sa
from alembic import op

from core.text import later_name_parts

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHUNK = 10_000


def _search_text() -> sa.String:
    return sa.String(100).with_variant(sa.String(100, collation="C"), "postgresql")


def _existing_parts() -> Iterator[dict]:
    rows = op.get_bind().execute(
        sa.text(
            "SELECT certificates.id, certificates.centre_id, candidates.surname "
            "FROM certificates JOIN candidates ON candidates.id = certificates.candidate_id "
            "WHERE candidates.surname LIKE '% %' OR candidates.surname LIKE '%-%'"
        )
    )
    for certificate_id, centre_id, surname in rows:
        for part in later_name_parts(surname):
            yield {"certificate_id": certificate_id, "centre_id": centre_id, "part_key": part}


def upgrade() -> None:
    parts = op.create_table(
        "certificate_name_parts",
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("part_key", _search_text(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["centre_id"], ["centres.id"]),
        sa.ForeignKeyConstraint(["certificate_id"], ["certificates.id"]),
        sa.PrimaryKeyConstraint("certificate_id", "part_key"),
    )
    op.create_index(
        "ix_name_parts_centre_key",
        "certificate_name_parts",
        ["centre_id", "part_key", "certificate_id"],
    )
    op.create_index("ix_name_parts_key", "certificate_name_parts", ["part_key", "certificate_id"])
    rows = list(_existing_parts())
    for start in range(0, len(rows), CHUNK):
        op.bulk_insert(parts, rows[start : start + CHUNK])
    with op.batch_alter_table("jobs") as batch_op:
        batch_op.add_column(sa.Column("dismissed_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch_op:
        batch_op.drop_column("dismissed_at")
    op.drop_index("ix_name_parts_key", table_name="certificate_name_parts")
    op.drop_index("ix_name_parts_centre_key", table_name="certificate_name_parts")
    op.drop_table("certificate_name_parts")
