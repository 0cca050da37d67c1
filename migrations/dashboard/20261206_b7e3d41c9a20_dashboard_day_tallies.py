"""dashboard: a stored tally per UTC day of arrivals, and the days changed since (by triggers)

Revision ID: b7e3d41c9a20
Revises:
Create Date: 2026-12-06 18:50:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'b7e3d41c9a20'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ('dashboard',)
# The case table (intake) and the breach table (casework) as they are today.
depends_on: str | Sequence[str] | None = ('2f372fda64c8', '6d533f3fea03')

# The case columns the figures read (triage.dashboard.tally.ROW_COLUMNS, and whether it is
# merged away): a change to any other column leaves the day's tally right.
READ = ("created_at, state, outcome, area, priority, assignee_id, first_response_at, "
        "first_response_business_minutes, first_response_due_at, closed_at, "
        "resolution_business_minutes, resolution_due_at, merged_into_id")

POSTGRES = [
    """CREATE FUNCTION dashboard_case_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.created_at IS DISTINCT FROM NEW.created_at)
        THEN
            INSERT INTO dashboard_changed (day) VALUES ((OLD.created_at AT TIME ZONE 'UTC')::date);
        END IF;
        IF TG_OP <> 'DELETE' THEN
            INSERT INTO dashboard_changed (day) VALUES ((NEW.created_at AT TIME ZONE 'UTC')::date);
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION dashboard_breach_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO dashboard_changed (day)
            SELECT (created_at AT TIME ZONE 'UTC')::date FROM "case"
            WHERE id = (CASE WHEN TG_OP = 'DELETE' THEN OLD.case_id ELSE NEW.case_id END);
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER dashboard_case_added AFTER INSERT OR DELETE ON "case"
        FOR EACH ROW EXECUTE FUNCTION dashboard_case_changed()""",
    f"""CREATE TRIGGER dashboard_case_updated AFTER UPDATE OF {READ} ON "case"
        FOR EACH ROW EXECUTE FUNCTION dashboard_case_changed()""",
    """CREATE TRIGGER dashboard_breach_changed AFTER INSERT OR UPDATE OR DELETE ON sla_breach
        FOR EACH ROW EXECUTE FUNCTION dashboard_breach_changed()""",
]

# SQLite keeps the UTC instant as text, so date() is its UTC day.
SQLITE = [
    """CREATE TRIGGER dashboard_case_inserted AFTER INSERT ON "case" BEGIN
        INSERT INTO dashboard_changed (day) VALUES (date(NEW.created_at)); END""",
    f"""CREATE TRIGGER dashboard_case_updated AFTER UPDATE OF {READ} ON "case" BEGIN
        INSERT INTO dashboard_changed (day) SELECT date(OLD.created_at)
            WHERE date(OLD.created_at) IS NOT date(NEW.created_at);
        INSERT INTO dashboard_changed (day) VALUES (date(NEW.created_at)); END""",  # noqa: S608 - READ is this file's constant
    """CREATE TRIGGER dashboard_case_deleted AFTER DELETE ON "case" BEGIN
        INSERT INTO dashboard_changed (day) VALUES (date(OLD.created_at)); END""",
    """CREATE TRIGGER dashboard_breach_inserted AFTER INSERT ON sla_breach BEGIN
        INSERT INTO dashboard_changed (day)
            SELECT date(created_at) FROM "case" WHERE id = NEW.case_id; END""",
    """CREATE TRIGGER dashboard_breach_updated AFTER UPDATE ON sla_breach BEGIN
        INSERT INTO dashboard_changed (day)
            SELECT date(created_at) FROM "case" WHERE id IN (OLD.case_id, NEW.case_id); END""",
    """CREATE TRIGGER dashboard_breach_deleted AFTER DELETE ON sla_breach BEGIN
        INSERT INTO dashboard_changed (day)
            SELECT date(created_at) FROM "case" WHERE id = OLD.case_id; END""",
]

TRIGGERS = ("dashboard_case_added", "dashboard_case_inserted", "dashboard_case_updated",
            "dashboard_case_deleted", "dashboard_breach_changed", "dashboard_breach_inserted",
            "dashboard_breach_updated", "dashboard_breach_deleted")


def upgrade() -> None:
    op.create_table('dashboard_day',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('counted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('stamp', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('tally', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('day')
    )
    op.create_table('dashboard_changed',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('dashboard_changed', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dashboard_changed_day'), ['day'], unique=False)
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRES if postgres else SQLITE:
        op.execute(statement)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name in TRIGGERS:
        table = "sla_breach" if "breach" in name else '"case"'
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if postgres else ""))
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS dashboard_case_changed()")
        op.execute("DROP FUNCTION IF EXISTS dashboard_breach_changed()")
    with op.batch_alter_table('dashboard_changed', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dashboard_changed_day'))
    op.drop_table('dashboard_changed')
    op.drop_table('dashboard_day')
