"""SQLAlchemy 2.x declarative models of the term store and translation memory.

Concept-oriented like TBX (ISO 30042): a :class:`ConceptRow` owns :class:`TermRow` rows;
every change is written to :class:`HistoryRow`. The schema is created and upgraded only
by the Alembic migrations in ``store/migrations`` (never by ``create_all`` in production).
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from ..config import AUTHOR_MAX

__all__ = ["Base", "ConceptRow", "TermRow", "HistoryRow", "TMUnitRow", "RevisionRow", "UTCDateTime", "utcnow"]

# Stable constraint names on SQLite and PostgreSQL (alembic docs: naming.rst).
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always returned timezone-aware (UTC).

    SQLite has no time zones: SQLAlchemy drops the offset when storing and returns naive
    values, while PostgreSQL returns aware values in the session's zone. This type stores
    UTC on both and gives back aware UTC datetimes, so history and TM dates compare and
    serialize the same on either database (naive input is taken as UTC).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        value = value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


#: Longest concept id and term ``geo`` every database holds (PostgreSQL's VARCHAR refuses
#: longer ones, SQLite would not): checked before writing (repo.check_fits), as the
#: author's name is (config.current_author).
ID_MAX = 200
GEO_MAX = 100


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class ConceptRow(Base):
    __tablename__ = "concept"

    id: Mapped[str] = mapped_column(String(ID_MAX), primary_key=True)
    category: Mapped[str] = mapped_column(String(32), default="other")
    subject: Mapped[str | None] = mapped_column(Text)
    definition: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    # Optimistic concurrency (issue 7): an UPDATE that finds another version fails.
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(AUTHOR_MAX))
    # Added by migration 0002 (filled from the oldest history row for older concepts).
    created_by: Mapped[str | None] = mapped_column(String(AUTHOR_MAX))

    terms: Mapped[list["TermRow"]] = relationship(
        back_populates="concept",
        cascade="all, delete-orphan",
        order_by="TermRow.position",
        lazy="selectin",
    )

    __mapper_args__ = {"version_id_col": version}


class TermRow(Base):
    __tablename__ = "term"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    concept_id: Mapped[str] = mapped_column(ForeignKey("concept.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    lang: Mapped[str] = mapped_column(String(35), index=True)
    text: Mapped[str] = mapped_column(Text)
    type: Mapped[str] = mapped_column(String(32), default="fullForm")
    status: Mapped[str] = mapped_column(String(32), default="preferred")
    case_sensitive: Mapped[bool | None] = mapped_column(Boolean)
    match_rule: Mapped[str | None] = mapped_column(String(32))
    part_of_speech: Mapped[str | None] = mapped_column(String(32))
    gender: Mapped[str | None] = mapped_column(String(32))
    number: Mapped[str | None] = mapped_column(String(32))
    geo: Mapped[str | None] = mapped_column(String(GEO_MAX))
    usage: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    context: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)

    concept: Mapped[ConceptRow] = relationship(back_populates="terms")


class HistoryRow(Base):
    """One change to one concept: who, when, what (a JSON document of before/after)."""

    __tablename__ = "history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # No foreign key: the history of a removed concept is kept.
    concept_id: Mapped[str] = mapped_column(String(ID_MAX), index=True)
    action: Mapped[str] = mapped_column(String(16))
    author: Mapped[str] = mapped_column(String(AUTHOR_MAX))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    changes: Mapped[str] = mapped_column(Text, default="{}")


class TMUnitRow(Base):
    """A translation unit; ``key`` identifies duplicates (same languages and texts)."""

    __tablename__ = "tm_unit"
    __table_args__ = (UniqueConstraint("key"), Index("ix_tm_unit_langs", "source_lang", "target_lang"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(64))
    source_lang: Mapped[str] = mapped_column(String(35))
    source: Mapped[str] = mapped_column(Text)
    target_lang: Mapped[str] = mapped_column(String(35))
    target: Mapped[str] = mapped_column(Text)
    origin: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(AUTHOR_MAX))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)
    props: Mapped[str | None] = mapped_column(Text)


class RevisionRow(Base):
    """A single row of revision marks, new random values at each change; caches (compiled matcher, TM index) key on it.

    ``tm_lineage`` changes only when the memory changes otherwise than by units added
    (see repo.bump_revision): a TM index built before can then be extended, not rebuilt.
    """

    __tablename__ = "store_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    terms: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    tm: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    tm_lineage: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
