"""The migrations build exactly the schema the models describe, on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from core.db import get_engine
from core.models import Base


def test_migrations_create_every_table_of_the_models(db_url):
    tables = set(inspect(get_engine(db_url)).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_migrated_schema_has_no_difference_from_the_models(db_url):
    with get_engine(db_url).connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
