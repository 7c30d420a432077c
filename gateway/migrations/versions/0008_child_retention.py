"""Retention: when a child leaves the index (the month after its 23rd birthday, when a partner gave the date).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('child', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retain_until', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_child_retain_until'), ['retain_until'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('child', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_child_retain_until'))
        batch_op.drop_column('retain_until')
