"""One active involvement per organisation and child (partial unique index).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('involvement', schema=None) as batch_op:
        batch_op.create_index('uq_involvement_active_per_org', ['child_id', 'organisation_id'], unique=True, sqlite_where=sa.text('ended_at IS NULL'), postgresql_where=sa.text('ended_at IS NULL'))



def downgrade() -> None:
    with op.batch_alter_table('involvement', schema=None) as batch_op:
        batch_op.drop_index('uq_involvement_active_per_org', sqlite_where=sa.text('ended_at IS NULL'), postgresql_where=sa.text('ended_at IS NULL'))

