"""initial schema: concepts, terms, history, translation units

Revision ID: 0001
Revises: 
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('concept',
    sa.Column('id', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('subject', sa.Text(), nullable=True),
    sa.Column('definition', sa.Text(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('source', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=200), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_concept'))
    )
    op.create_table('history',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('concept_id', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('author', sa.String(length=200), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changes', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_history'))
    )
    with op.batch_alter_table('history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_history_concept_id'), ['concept_id'], unique=False)

    op.create_table('store_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('terms', sa.Integer(), nullable=False),
    sa.Column('tm', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_store_revision'))
    )
    # The single counter row that caches key on.
    op.execute("INSERT INTO store_revision (id, terms, tm) VALUES (1, 0, 0)")
    op.create_table('tm_unit',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('source_lang', sa.String(length=35), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('target_lang', sa.String(length=35), nullable=False),
    sa.Column('target', sa.Text(), nullable=False),
    sa.Column('origin', sa.Text(), nullable=True),
    sa.Column('created_by', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('props', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tm_unit')),
    sa.UniqueConstraint('key', name=op.f('uq_tm_unit_key'))
    )
    with op.batch_alter_table('tm_unit', schema=None) as batch_op:
        batch_op.create_index('ix_tm_unit_langs', ['source_lang', 'target_lang'], unique=False)

    op.create_table('term',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('concept_id', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('lang', sa.String(length=35), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('case_sensitive', sa.Boolean(), nullable=True),
    sa.Column('match_rule', sa.String(length=32), nullable=True),
    sa.Column('part_of_speech', sa.String(length=32), nullable=True),
    sa.Column('gender', sa.String(length=32), nullable=True),
    sa.Column('number', sa.String(length=32), nullable=True),
    sa.Column('geo', sa.String(length=100), nullable=True),
    sa.Column('usage', sa.Text(), nullable=True),
    sa.Column('source', sa.Text(), nullable=True),
    sa.Column('context', sa.Text(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['concept_id'], ['concept.id'], name=op.f('fk_term_concept_id_concept'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_term'))
    )
    with op.batch_alter_table('term', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_term_concept_id'), ['concept_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_term_lang'), ['lang'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('term', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_term_lang'))
        batch_op.drop_index(batch_op.f('ix_term_concept_id'))

    op.drop_table('term')
    with op.batch_alter_table('tm_unit', schema=None) as batch_op:
        batch_op.drop_index('ix_tm_unit_langs')

    op.drop_table('tm_unit')
    op.drop_table('store_revision')
    with op.batch_alter_table('history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_history_concept_id'))

    op.drop_table('history')
    op.drop_table('concept')
