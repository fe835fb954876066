"""outcome catalogue, accreditation history, unique wallet applications

An accreditation that is suspended or ended when this runs gets one change in its history,
at its ``updated_at`` (what was known before: a lifted past suspension was only in the audit
log).

Revision ID: 431796aed07f
Revises: d8a6fe95de44
Create Date: 2026-11-28 18:11:51.014748
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "431796aed07f"
down_revision: str | None = "d8a6fe95de44"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outcome_catalogue",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("match_key", sa.String(length=120), nullable=False),
        sa.Column("active_key", sa.String(length=120), nullable=True),
        sa.Column("skill_domain_code", sa.String(length=32), nullable=True),
        sa.Column("level", sa.String(length=16), nullable=True),
        sa.Column("education_level", sa.String(length=32), nullable=True),
        sa.Column("major_code", sa.String(length=32), nullable=True),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("credits", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_catalogue")),
        sa.UniqueConstraint("active_key", name=op.f("uq_outcome_catalogue_active_key")),
    )
    with op.batch_alter_table("outcome_catalogue", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outcome_catalogue_match_key"), ["match_key"], unique=False
        )

    op.create_table(
        "accreditation_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("accreditation_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["accreditation_id"],
            ["accreditations.id"],
            name=op.f("fk_accreditation_changes_accreditation_id_accreditations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accreditation_changes")),
    )
    with op.batch_alter_table("accreditation_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_accreditation_changes_accreditation_id"),
            ["accreditation_id"],
            unique=False,
        )
    op.execute(
        "INSERT INTO accreditation_changes (accreditation_id, status, reason, at) "
        "SELECT id, status, status_reason, updated_at FROM accreditations "
        "WHERE status <> 'active'"
    )

    with op.batch_alter_table("credential_offers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_credential_offers_number", ["organization_id", "kind", "number"], unique=False
        )

    with op.batch_alter_table("credit_conversions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_credit_conversions_learner_did"), ["learner_did"], unique=False
        )

    with op.batch_alter_table("wallet_credit_applications", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            batch_op.f("uq_wallet_credit_applications_conversion_id"), ["conversion_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("wallet_credit_applications", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_wallet_credit_applications_conversion_id"), type_="unique"
        )

    with op.batch_alter_table("credit_conversions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_conversions_learner_did"))

    with op.batch_alter_table("credential_offers", schema=None) as batch_op:
        batch_op.drop_index("ix_credential_offers_number")

    with op.batch_alter_table("accreditation_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accreditation_changes_accreditation_id"))

    op.drop_table("accreditation_changes")
    with op.batch_alter_table("outcome_catalogue", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outcome_catalogue_match_key"))

    op.drop_table("outcome_catalogue")
