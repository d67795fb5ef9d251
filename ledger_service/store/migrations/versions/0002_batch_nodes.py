"""batch_nodes: stored upper Merkle levels per sealed batch

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Batches sealed before this revision have no row: proofs rebuild their tree.
    op.create_table('batch_nodes',
    sa.Column('seq', sa.Integer(), nullable=False, autoincrement=False),
    sa.Column('nodes', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('seq')
    )


def downgrade() -> None:
    op.drop_table('batch_nodes')
