"""Copy a whole termbase from one database to another, in one transaction.

Concepts, terms, the change history and the translation memory are copied row for row
(ids, versions, authors and timestamps included), so a SQLite file moved to a team's
PostgreSQL server, or a server backed up into a SQLite file, is the same termbase.
"""

from __future__ import annotations

from sqlalchemy import func, select, text

from ..errors import UsageError
from .db import Store
from .models import Base
from .repo import bump_revision

__all__ = ["copy_database", "COPIED_TABLES"]

# Parents before children (term refers to concept).
COPIED_TABLES = ("concept", "term", "history", "tm_unit")
BATCH = 5000


def copy_database(source: Store, target: Store) -> dict[str, int]:
    """Copy every row of ``source`` into the empty ``target``; return rows copied per table.

    The source is read in one snapshot (REPEATABLE READ on PostgreSQL, one read
    transaction on SQLite); the target is written in one transaction, so an interrupted
    copy leaves it empty. A target that already holds data is refused.
    """
    if source.url == target.url:
        raise UsageError("the source and the target are the same database")
    tables = [Base.metadata.tables[name] for name in COPIED_TABLES]

    def work(session) -> dict[str, int]:
        out = session.connection()
        for table in tables:
            if out.execute(select(func.count()).select_from(table)).scalar():
                raise UsageError(f"{target.safe_url} already holds data ({table.name}); copy into a new, empty database")
        copied: dict[str, int] = {}
        with source.engine.connect() as src:
            if source.dialect == "postgresql":
                src.execution_options(isolation_level="REPEATABLE READ")
            with src.begin():
                for table in tables:
                    n = 0
                    rows = src.execution_options(yield_per=BATCH).execute(
                        select(table).order_by(*table.primary_key.columns))
                    for part in rows.partitions():
                        out.execute(table.insert(), [dict(r._mapping) for r in part])
                        n += len(part)
                    copied[table.name] = n
        # Caches are keyed on (URL, revision): new marks, so that no cache of the target's
        # URL (an earlier database of that name) or of the source's is taken for this one.
        bump_revision(session, terms=True, tm_lineage=True)
        if target.dialect == "postgresql":
            # Ids were inserted explicitly: move each serial sequence past the highest one.
            for name in COPIED_TABLES[1:]:
                out.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                 f"COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {name}"))
        return copied

    return target.run_write(work)
