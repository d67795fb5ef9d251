"""events: a partial index over model registrations

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

_WHERE = sa.text("type = 'model.registered'")


def upgrade() -> None:
    # Scoring looks registrations up by type; a partial index costs other rows nothing.
    op.create_index('ix_events_model_registrations', 'events', ['pos'], unique=False,
                    sqlite_where=_WHERE, postgresql_where=_WHERE)


def downgrade() -> None:
    op.drop_index('ix_events_model_registrations', table_name='events')
