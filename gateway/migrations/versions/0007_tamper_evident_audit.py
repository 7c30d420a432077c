"""Tamper-evident audit: positions, hashes, trace context, processing activity and decision input per record;
the log head; signed checkpoints; policy sources per revision. Existing records are chained in id order.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

import gateway.core.db
from gateway.audit import chain

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('audit_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', gateway.core.db.BigId, nullable=True))
        batch_op.add_column(sa.Column('trace_id', sa.String(length=32), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('span_id', sa.String(length=16), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('processing_activity', sa.String(length=64), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('decision_input', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('client', sa.String(length=64), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('entry_hash', sa.LargeBinary(length=32), nullable=True))
        batch_op.add_column(sa.Column('chain_hash', sa.LargeBinary(length=32), nullable=True))
        batch_op.add_column(sa.Column('purged', sa.Boolean(), nullable=False, server_default=sa.false()))

    bind = op.get_bind()
    records = sa.table('audit_record', *(sa.column(name) for name in (
        'id', 'seq', 'entry_hash', 'chain_hash', *[c for c in chain.CONTENT if c != 'seq'])))
    previous, frontier, size = chain.EMPTY_CHAIN, list[bytes](), 0
    for row in bind.execute(sa.select(records).order_by(records.c.id)).mappings().all():
        size += 1
        content = chain.content_of({**row, 'seq': size})
        leaf = chain.leaf_hash(content)
        previous = chain.chain_next(previous, leaf)
        frontier = chain.frontier_append(frontier, size - 1, leaf)
        bind.execute(records.update().where(records.c.id == row['id']).values(
            seq=size, entry_hash=leaf, chain_hash=previous))

    with op.batch_alter_table('audit_record', schema=None) as batch_op:
        batch_op.alter_column('seq', existing_type=gateway.core.db.BigId, nullable=False)
        batch_op.alter_column('entry_hash', existing_type=sa.LargeBinary(length=32), nullable=False)
        batch_op.alter_column('chain_hash', existing_type=sa.LargeBinary(length=32), nullable=False)
        batch_op.create_unique_constraint('uq_audit_record_seq', ['seq'])

    head = op.create_table('audit_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', gateway.core.db.BigId, nullable=False),
    sa.Column('chain_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('frontier', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.bulk_insert(head, [{'id': 1, 'seq': size, 'chain_hash': previous, 'frontier': chain.pack(frontier)}])
    op.create_table('audit_checkpoint',
    sa.Column('tree_size', gateway.core.db.BigId, autoincrement=False, nullable=False),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('key_id', sa.String(length=64), nullable=False),
    sa.Column('signature', sa.String(length=200), nullable=False),
    sa.Column('signed_at', gateway.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tree_size')
    )
    op.create_table('policy_source',
    sa.Column('revision', sa.String(length=64), nullable=False),
    sa.Column('sources', sa.Text(), nullable=False),
    sa.Column('recorded_at', gateway.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('revision')
    )


def downgrade() -> None:
    op.drop_table('policy_source')
    op.drop_table('audit_checkpoint')
    op.drop_table('audit_head')
    with op.batch_alter_table('audit_record', schema=None) as batch_op:
        batch_op.drop_constraint('uq_audit_record_seq', type_='unique')
        for column in ('purged', 'chain_hash', 'entry_hash', 'client', 'decision_input', 'processing_activity',
                       'span_id', 'trace_id', 'seq'):
            batch_op.drop_column(column)
