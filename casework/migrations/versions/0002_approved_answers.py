"""approved answers: staff-written answers tied to source hashes (web dashboard, issue 7)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 12:02:23.559001
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
import casework.models


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('approved_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('question_key', sa.String(length=500), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('sources', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('review_reason', sa.Text(), nullable=True),
    sa.Column('origin_submission_id', sa.Integer(), nullable=True),
    sa.Column('origin_feedback_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', casework.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', casework.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('flagged_at', casework.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('uses', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['staff_users.id'], name=op.f('fk_approved_answers_created_by_staff_users')),
    sa.ForeignKeyConstraint(['origin_submission_id'], ['submissions.id'], name=op.f('fk_approved_answers_origin_submission_id_submissions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_approved_answers'))
    )
    with op.batch_alter_table('approved_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_approved_answers_question_key'), ['question_key'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('approved_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_approved_answers_question_key'))

    op.drop_table('approved_answers')
