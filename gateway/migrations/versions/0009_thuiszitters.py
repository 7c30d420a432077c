"""Thuiszitters: attendance and case events, derived cases and their clocks, the routekaart; the child's birth
month and status rule version; an organisation's gemeente and school type (for the monitor).

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

import gateway.core.db

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('routekaart_entry',
    sa.Column('region', sa.String(length=64), nullable=False),
    sa.Column('signal', sa.String(length=48), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.Column('partner_type', sa.String(length=16), nullable=False),
    sa.Column('advice', sa.String(length=400), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', gateway.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('region', 'signal')
    )
    op.create_table('case_event',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('child_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('organisation_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('hours', sa.Integer(), nullable=True),
    sa.Column('detail', sa.String(length=24), nullable=True),
    sa.Column('subject_organisation', sa.String(length=64), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('fingerprint', sa.LargeBinary(length=32), nullable=False),
    sa.Column('received_at', gateway.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['child_id'], ['child.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.create_index('ix_case_event_child', ['child_id', 'received_at'], unique=False)

    op.create_table('case_step',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('child_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('step_key', sa.String(length=80), nullable=False),
    sa.Column('case_started_on', sa.Date(), nullable=True),
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('party', sa.String(length=80), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('announced_at', gateway.core.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('overdue_at', gateway.core.db.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['child_id'], ['child.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('child_id', 'step_key')
    )
    with op.batch_alter_table('case_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_step_due_on'), ['due_on'], unique=False)
        batch_op.create_index('ix_case_step_open', ['done_on', 'starts_on'], unique=False)

    op.create_table('thuiszitter_case',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('child_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('thuiszitter_on', sa.Date(), nullable=True),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('end_reason', sa.String(length=24), nullable=True),
    sa.Column('offer', sa.String(length=24), nullable=True),
    sa.Column('gemeente', sa.String(length=64), nullable=False),
    sa.Column('school_type', sa.String(length=16), nullable=False),
    sa.Column('rule_version', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['child_id'], ['child.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('child_id', 'started_on')
    )
    with op.batch_alter_table('thuiszitter_case', schema=None) as batch_op:
        batch_op.create_index('ix_case_period', ['started_on', 'ended_on'], unique=False)

    with op.batch_alter_table('child', schema=None) as batch_op:
        batch_op.add_column(sa.Column('birth_month', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('status_rule_version', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('assessed_on', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_child_assessed_on'), ['assessed_on'], unique=False)

    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('gemeente', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('school_type', sa.String(length=16), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('school_type')
        batch_op.drop_column('gemeente')

    with op.batch_alter_table('child', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_child_assessed_on'))
        batch_op.drop_column('assessed_on')
        batch_op.drop_column('status_rule_version')
        batch_op.drop_column('birth_month')

    with op.batch_alter_table('thuiszitter_case', schema=None) as batch_op:
        batch_op.drop_index('ix_case_period')

    op.drop_table('thuiszitter_case')
    with op.batch_alter_table('case_step', schema=None) as batch_op:
        batch_op.drop_index('ix_case_step_open')
        batch_op.drop_index(batch_op.f('ix_case_step_due_on'))

    op.drop_table('case_step')
    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.drop_index('ix_case_event_child')

    op.drop_table('case_event')
    op.drop_table('routekaart_entry')
