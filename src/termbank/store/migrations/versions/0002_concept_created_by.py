"""concept.created_by: who added each concept

Revision ID: 0002
Revises: 0001

Schema 0001 kept only ``updated_by``, so after the first edit nobody could tell who had
created a concept without reading the history. Older concepts are filled in from their
oldest history row (the ``add``/``import``/``init`` that created them), else from
``updated_by``.
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('concept', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created_by', sa.String(length=200), nullable=True))

    # Plain SQL that SQLite and PostgreSQL both run: the author of the lowest history id.
    op.execute(
        "UPDATE concept SET created_by = COALESCE("
        "(SELECT h.author FROM history h WHERE h.concept_id = concept.id "
        "ORDER BY h.id LIMIT 1), updated_by)"
    )


def downgrade() -> None:
    with op.batch_alter_table('concept', schema=None) as batch_op:
        batch_op.drop_column('created_by')
