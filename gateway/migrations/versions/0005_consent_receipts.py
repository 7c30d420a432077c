"""Consent: who gave it and how; signed receipts kept for download.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

import gateway.core.db

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('consent_receipt',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('consent_id', sa.Uuid(), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('document', sa.Text(), nullable=False),
    sa.Column('created_at', gateway.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['consent_id'], ['consent.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('consent_receipt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_receipt_consent_id'), ['consent_id'], unique=False)

    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.add_column(sa.Column('given_by', sa.String(length=400), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('obtained_via', sa.String(length=16), nullable=False, server_default='organisation'))
        batch_op.add_column(sa.Column('registered_by', sa.String(length=64), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.drop_column('registered_by')
        batch_op.drop_column('obtained_via')
        batch_op.drop_column('given_by')

    with op.batch_alter_table('consent_receipt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_receipt_consent_id'))

    op.drop_table('consent_receipt')
