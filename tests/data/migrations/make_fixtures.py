"""Build the fixture databases of earlier schema versions: ``schema-<revision>.db``.

Each file is a SQLite database created by the Alembic migrations up to that revision
and filled with SAMPLES[revision] through plain SQL against that revision's tables (not
the current ORM models), as the termbank of that time would have left it.
tests/test_migrations.py upgrades a copy of each in place and checks that nothing was
lost; on PostgreSQL it builds the same database with :func:`build`.

When a migration is added, keep the files of the earlier revisions and add one for the
revision that just stopped being the newest: add its SAMPLES entry and run

    python tests/data/migrations/make_fixtures.py

(the current newest revision needs no fixture: new databases are created at it).
"""

from __future__ import annotations

import hashlib
import sqlite3
import sys
import unicodedata
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import text

HERE = Path(__file__).resolve().parent


def _key(source_lang: str, source: str, target_lang: str, target: str) -> str:
    """The TM duplicate key as schema 0001's termbank computed it (frozen copy)."""
    def norm(s: str) -> str:
        return " ".join(unicodedata.normalize("NFC", s).split())

    raw = "\x1f".join((source_lang.lower(), norm(source), target_lang.lower(), norm(target)))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _t(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp).replace(tzinfo=timezone.utc)


# Rows per table, as written by termbank at that schema version. Timestamps are UTC.
SAMPLES: dict[str, dict[str, list[dict]]] = {
    "0001": {
        "concept": [
            dict(id="lt-gen", category="title", subject="military ranks",
                 definition="three-star general officer", note=None, source="AP Stylebook",
                 version=2, created_at=_t("2024-03-01 10:00:00"), updated_at=_t("2024-03-02 09:30:00"),
                 updated_by="ben"),
            dict(id="sedena", category="institution", subject=None, definition=None,
                 note="Mexico's defense ministry", source=None, version=1,
                 created_at=_t("2024-03-01 10:05:00"), updated_at=_t("2024-03-01 10:05:00"), updated_by="ana"),
            dict(id="no-history", category="other", subject=None, definition=None, note=None, source=None,
                 version=1, created_at=_t("2024-03-03 08:00:00"), updated_at=_t("2024-03-03 08:00:00"),
                 updated_by="carla"),
        ],
        "term": [
            dict(id=1, concept_id="lt-gen", position=0, lang="en", text="Lieutenant General", type="fullForm",
                 status="preferred", case_sensitive=None, match_rule=None, part_of_speech="noun", gender=None,
                 number=None, geo=None, usage=None, source=None, context=None, note=None),
            dict(id=2, concept_id="lt-gen", position=1, lang="en", text="Lt. Gen.", type="abbreviation",
                 status="admitted", case_sensitive=True, match_rule="case", part_of_speech=None, gender=None,
                 number=None, geo="US", usage="AP style", source=None, context=None, note=None),
            dict(id=3, concept_id="lt-gen", position=2, lang="es", text="teniente general", type="fullForm",
                 status="preferred", case_sensitive=None, match_rule=None, part_of_speech="noun",
                 gender="masculine", number="singular", geo=None, usage=None, source=None, context=None, note=None),
            dict(id=4, concept_id="lt-gen", position=3, lang="es-MX", text="Tte. Gral.", type="abbreviation",
                 status="admitted", case_sensitive=True, match_rule="case", part_of_speech=None, gender=None,
                 number=None, geo="MX", usage=None, source=None, context="el Tte. Gral. declaró", note=None),
            dict(id=5, concept_id="sedena", position=0, lang="es", text="Secretaría de la Defensa Nacional",
                 type="fullForm", status="preferred", case_sensitive=None, match_rule=None, part_of_speech=None,
                 gender="feminine", number=None, geo="MX", usage=None, source=None, context=None, note=None),
            dict(id=6, concept_id="sedena", position=1, lang="es", text="SEDENA", type="acronym",
                 status="admitted", case_sensitive=None, match_rule=None, part_of_speech=None, gender=None,
                 number=None, geo=None, usage=None, source=None, context=None, note=None),
            dict(id=7, concept_id="sedena", position=2, lang="en", text="Secretariat of National Defense",
                 type="fullForm", status="preferred", case_sensitive=None, match_rule=None, part_of_speech=None,
                 gender=None, number=None, geo=None, usage=None, source=None, context=None, note=None),
            dict(id=8, concept_id="no-history", position=0, lang="en", text="ordnance", type="fullForm",
                 status="preferred", case_sensitive=None, match_rule=None, part_of_speech=None, gender=None,
                 number=None, geo=None, usage=None, source=None, context=None, note=None),
        ],
        "history": [
            dict(id=1, concept_id="lt-gen", action="add", author="ana", at=_t("2024-03-01 10:00:00"),
                 changes='{"after": {"category": "title", "id": "lt-gen"}}'),
            dict(id=2, concept_id="sedena", action="import", author="ana", at=_t("2024-03-01 10:05:00"),
                 changes='{"after": {"category": "institution", "id": "sedena"}}'),
            dict(id=3, concept_id="lt-gen", action="edit", author="ben", at=_t("2024-03-02 09:30:00"),
                 changes='{"source": {"from": null, "to": "AP Stylebook"}}'),
            dict(id=4, concept_id="gone", action="add", author="ana", at=_t("2024-03-02 11:00:00"),
                 changes='{"after": {"category": "other", "id": "gone"}}'),
            dict(id=5, concept_id="gone", action="remove", author="ben", at=_t("2024-03-02 12:00:00"),
                 changes='{"before": {"category": "other", "id": "gone"}}'),
        ],
        "tm_unit": [
            dict(id=1, key=_key("en", "The general arrived.", "es", "El general llegó."), source_lang="en",
                 source="The general arrived.", target_lang="es", target="El general llegó.", origin="news.tmx",
                 created_by="ana", created_at=_t("2024-03-01 12:00:00"), updated_at=_t("2024-03-01 12:00:00"),
                 note=None, props='{"x-domain": "defense"}'),
            dict(id=2, key=_key("es-MX", "La SEDENA informó.", "en", "SEDENA reported."), source_lang="es-MX",
                 source="La SEDENA informó.", target_lang="en", target="SEDENA reported.", origin=None,
                 created_by=None, created_at=_t("2024-03-01 12:01:00"), updated_at=_t("2024-03-01 12:01:00"),
                 note="checked", props=None),
        ],
        "store_revision": [dict(id=1, terms=5, tm=1)],
    },
}
# 0002 added concept.created_by (the same rows, with their creators).
SAMPLES["0002"] = {
    **SAMPLES["0001"],
    "concept": [dict(row, created_by=who) for row, who in zip(SAMPLES["0001"]["concept"], ("ana", "ana", "carla"))],
    "store_revision": [dict(id=1, terms=1849201337, tm=204911)],
}

TABLE_ORDER = ("concept", "term", "history", "tm_unit")


def _stored(value, dialect: str):
    # Schema 0001 used DateTime(timezone=True): SQLAlchemy stores naive UTC text on SQLite.
    if isinstance(value, datetime) and dialect == "sqlite":
        return value.astimezone(timezone.utc).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    return value


def fill(conn, revision: str) -> None:
    """Insert SAMPLES[revision] on an open connection whose schema is at ``revision``."""
    sample, dialect = SAMPLES[revision], conn.dialect.name
    for table in TABLE_ORDER:
        for row in sample[table]:
            cols = ", ".join(row)
            marks = ", ".join(f":{c}" for c in row)
            conn.execute(text(f"INSERT INTO {table} ({cols}) VALUES ({marks})"),
                         {k: _stored(v, dialect) for k, v in row.items()})
    for row in sample["store_revision"]:
        conn.execute(text("UPDATE store_revision SET terms = :terms, tm = :tm WHERE id = :id"), row)
    if dialect == "postgresql":  # explicit ids were inserted: move the sequences past them
        for table in TABLE_ORDER[1:]:
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                              f"(SELECT MAX(id) FROM {table}))"))


def build(url: str, revision: str) -> None:
    """Create the schema of ``revision`` at ``url`` (an empty database) and fill it."""
    from termbank.store.db import Store

    store = Store(url)
    try:
        store.upgrade(revision)
        with store.write_engine.begin() as conn:
            fill(conn, revision)
    finally:
        store.dispose()


def make_sqlite(revision: str, folder: Path = HERE) -> Path:
    """Write ``schema-<revision>.db`` (rollback journal, vacuumed: one small self-contained file)."""
    path = folder / f"schema-{revision}.db"
    path.unlink(missing_ok=True)
    build(f"sqlite:///{path}", revision)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.execute("VACUUM")
    conn.close()
    return path


if __name__ == "__main__":
    for rev in sys.argv[1:] or sorted(SAMPLES):
        print(make_sqlite(rev))
