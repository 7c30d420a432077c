"""Portal: when each person (by pseudonym) last visited, for "new since your last visit".

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

import gateway.core.db

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('portal_visit',
    sa.Column('person', sa.String(length=64), nullable=False),
    sa.Column('seen_at', gateway.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('person')
    )


def downgrade() -> None:
    op.drop_table('portal_visit')
