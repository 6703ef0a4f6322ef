"""The migrations build exactly the schema the models describe, on both databases."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from core.db import alembic_config, get_engine
from core.models import Base


def test_migrations_create_every_table_of_the_models(db_url):
    tables = set(inspect(get_engine(db_url)).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_migrated_schema_has_no_difference_from_the_models(db_url):
    with get_engine(db_url).connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_staff_jobs_recorded_against_a_centre_are_moved_off_it(tmp_path):
    url = f"sqlite:///{tmp_path / 'before.db'}"
    command.upgrade(alembic_config(url), "0009")
    with get_engine(url).begin() as connection:
        connection.execute(
            text("INSERT INTO centres (id, number, name, email) VALUES (1, 'C1', 'Fanshaws', '')")
        )
        for user_id, role in ((1, "staff"), (2, "coordinator")):
            connection.execute(
                text(
                    "INSERT INTO users (id, email, first_name, surname, telephone, mobile, role,"
                    " is_active, failed_logins, sessions_valid_after, created_at) VALUES"
                    " (:id, :email, '', '', '', '', :role, 1, 0, '2026-01-01', '2026-01-01')"
                ),
                {"id": user_id, "email": f"{role}@example.org", "role": role},
            )
            connection.execute(
                text(
                    "INSERT INTO jobs (id, kind, centre_id, user_id, status, file_name,"
                    " description, payload, progress, total, attempts, created_at, skipped) VALUES"
                    " (:id, 'export', 1, :id, 'finished', '', '', '{}', 0, 0, 0, '2026-01-01', 0)"
                ),
                {"id": user_id},
            )
    command.upgrade(alembic_config(url), "head")
    with get_engine(url).connect() as connection:
        centres = dict(connection.execute(text("SELECT user_id, centre_id FROM jobs")).all())
    assert centres == {1: None, 2: 1}
