"""Initial index: organisations, children (keyed pseudonyms only), involvements, audit, outbox.

Revision ID: 0001
Revises: 
"""

import sqlalchemy as sa
from alembic import op

import gateway.core.db

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_record',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('occurred_at', gateway.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('request_id', sa.String(length=64), nullable=False),
    sa.Column('organisation_id', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('professional', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('child_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('purpose', sa.String(length=32), nullable=True),
    sa.Column('basis', sa.String(length=40), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('reasons', sa.String(length=200), nullable=False),
    sa.Column('fields', sa.String(length=200), nullable=False),
    sa.Column('policy_revision', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_record_child_id'), ['child_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_record_occurred_at'), ['occurred_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_record_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('organisation',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('identifier', sa.String(length=32), nullable=False),
    sa.Column('region', sa.String(length=64), nullable=False),
    sa.Column('contact_point', sa.String(length=200), nullable=False),
    sa.Column('webhook_url', sa.String(length=500), nullable=True),
    sa.Column('created_at', gateway.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_region'), ['region'], unique=False)

    op.create_table('child',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('index_key', sa.LargeBinary(length=32), nullable=False),
    sa.Column('key_id', sa.String(length=32), nullable=False),
    sa.Column('attendance_status', sa.String(length=32), nullable=False),
    sa.Column('attendance_since', sa.Date(), nullable=True),
    sa.Column('attendance_reported_by', sa.String(length=64), nullable=True),
    sa.Column('regisseur_id', sa.String(length=64), nullable=True),
    sa.Column('created_at', gateway.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['attendance_reported_by'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['regisseur_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('index_key')
    )
    with op.batch_alter_table('child', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_child_key_id'), ['key_id'], unique=False)

    op.create_table('outbox_message',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('recipient_id', sa.String(length=64), nullable=False),
    sa.Column('event_type', sa.String(length=40), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('created_at', gateway.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('next_attempt_at', gateway.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('lease_until', gateway.core.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', gateway.core.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('failed_at', gateway.core.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['recipient_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_due', ['delivered_at', 'failed_at', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_message_recipient_id'), ['recipient_id'], unique=False)

    op.create_table('involvement',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('child_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('organisation_id', sa.String(length=64), nullable=False),
    sa.Column('professional_role', sa.String(length=32), nullable=False),
    sa.Column('contact_point', sa.String(length=200), nullable=False),
    sa.Column('since', sa.Date(), nullable=False),
    sa.Column('until', sa.Date(), nullable=True),
    sa.Column('legal_basis', sa.String(length=40), nullable=False),
    sa.Column('ended_at', gateway.core.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_at', gateway.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['child_id'], ['child.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('involvement', schema=None) as batch_op:
        batch_op.create_index('ix_involvement_child_active', ['child_id', 'ended_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_involvement_organisation_id'), ['organisation_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('involvement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_involvement_organisation_id'))
        batch_op.drop_index('ix_involvement_child_active')

    op.drop_table('involvement')
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_message_recipient_id'))
        batch_op.drop_index('ix_outbox_due')

    op.drop_table('outbox_message')
    with op.batch_alter_table('child', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_child_key_id'))

    op.drop_table('child')
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_region'))

    op.drop_table('organisation')
    with op.batch_alter_table('audit_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_record_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_audit_record_occurred_at'))
        batch_op.drop_index(batch_op.f('ix_audit_record_child_id'))

    op.drop_table('audit_record')
