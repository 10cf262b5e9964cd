"""store_revision.tm_lineage: the memory's lineage mark

Revision ID: 0003
Revises: 0002

A translation-memory search index is extended, not rebuilt, when units were only added
since it was saved. Telling that from the unit count and the sum of unit ids was not
enough: SQLite gives a removed last unit's id to the next unit, and a database made
again under the same name can reach the same figures. The lineage mark changes on any
other change (repo.bump_revision). A memory that holds units gets one here.
"""
import secrets

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('store_revision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tm_lineage', sa.Integer(), server_default='0', nullable=False))

    mark = secrets.randbelow(2**31 - 1) + 1
    op.execute(f"UPDATE store_revision SET tm_lineage = {mark} WHERE EXISTS (SELECT 1 FROM tm_unit)")


def downgrade() -> None:
    with op.batch_alter_table('store_revision', schema=None) as batch_op:
        batch_op.drop_column('tm_lineage')
