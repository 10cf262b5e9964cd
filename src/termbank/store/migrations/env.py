"""Alembic environment: runs on the connection termbank hands over (alembic cookbook,
"Sharing a Connection across one or more programmatic migration commands")."""

from alembic import context

from termbank.store.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:  # plain `alembic` command line, for developers
        from sqlalchemy import create_engine

        engine = create_engine(config.get_main_option("sqlalchemy.url"))
        with engine.begin() as connection:
            _run(connection)
    else:
        _run(connection)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # alembic docs: batch.rst
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
