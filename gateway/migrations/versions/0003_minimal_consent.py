"""Minimal consent record (child, purpose, recipient, period, status) read by the policies;
the audit basis can name a consent.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

import gateway.core.db

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('audit_record', schema=None) as batch_op:  # room for "consent:<uuid>"
        batch_op.alter_column('basis', existing_type=sa.String(length=40), type_=sa.String(length=64),
                              existing_nullable=True)
    op.create_table('consent',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('child_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('purpose', sa.String(length=32), nullable=False),
    sa.Column('recipient_id', sa.String(length=64), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', gateway.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', gateway.core.db.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['child_id'], ['child.id'], ),
    sa.ForeignKeyConstraint(['recipient_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.create_index('ix_consent_child_recipient', ['child_id', 'recipient_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('audit_record', schema=None) as batch_op:
        batch_op.alter_column('basis', existing_type=sa.String(length=64), type_=sa.String(length=40),
                              existing_nullable=True)
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.drop_index('ix_consent_child_recipient')

    op.drop_table('consent')
