"""Copy a whole termbase from one database to another, in one transaction.

Concepts, terms, the change history and the translation memory are copied row for row
(ids, versions, authors and timestamps included), so a SQLite file moved to a team's
PostgreSQL server, or a server backed up into a SQLite file, is the same termbase.
"""

from __future__ import annotations

from sqlalchemy import func, select, text, update

from ..errors import UsageError
from .db import Store
from .models import Base, RevisionRow

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
    revision_table = RevisionRow.__table__

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
                src_rev = src.execute(select(revision_table.c.terms, revision_table.c.tm)).first()
        # Caches are keyed on (URL, revision): move the target's counters past both.
        tgt_rev = out.execute(select(revision_table.c.terms, revision_table.c.tm)).first()
        out.execute(update(revision_table).where(revision_table.c.id == 1).values(
            terms=max(src_rev.terms, tgt_rev.terms) + 1, tm=max(src_rev.tm, tgt_rev.tm) + 1))
        if target.dialect == "postgresql":
            # Ids were inserted explicitly: move each serial sequence past the highest one.
            for name in COPIED_TABLES[1:]:
                out.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                 f"COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {name}"))
        return copied

    return target.run_write(work)
