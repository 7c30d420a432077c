"""OAuth clients (public JWKS per organisation) and used client assertion ids.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

import gateway.core.db

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('used_assertion',
    sa.Column('jti_hash', sa.String(length=64), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('expires_at', gateway.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('jti_hash')
    )
    with op.batch_alter_table('used_assertion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_used_assertion_expires_at'), ['expires_at'], unique=False)

    op.create_table('oauth_client',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('jwks', sa.Text(), nullable=False),
    sa.Column('revoked_at', gateway.core.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_at', gateway.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade() -> None:
    op.drop_table('oauth_client')
    with op.batch_alter_table('used_assertion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_used_assertion_expires_at'))

    op.drop_table('used_assertion')
