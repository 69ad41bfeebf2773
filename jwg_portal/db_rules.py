"""Row rules that span two tables, enforced by the database itself.

A CHECK constraint sees only its own row, so "a session lies within its
meeting's dates" or "a registration's delegation belongs to the same meeting"
need a trigger. Each rule is one SQL condition over `NEW`; this module writes
it as a trigger for SQLite and for PostgreSQL, so migrations state a rule
once. A broken rule raises the database's constraint error, which Django
turns into `IntegrityError`, exactly like a CHECK constraint.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class RowRule:
    name: str
    table: str
    condition: str
    message: str

    def create_sql(self, vendor):
        if vendor == "sqlite":
            return [
                f"CREATE TRIGGER {self.name}_{event.lower()} "
                f"BEFORE {event} ON {self.table} FOR EACH ROW "
                f"WHEN NOT ({self.condition}) "
                f"BEGIN SELECT RAISE(ABORT, '{self.name}: {self.message}'); END"
                for event in ("INSERT", "UPDATE")
            ]
        if vendor == "postgresql":
            return [
                f"CREATE OR REPLACE FUNCTION {self.name}_fn() RETURNS trigger AS $$ "
                f"BEGIN IF NOT ({self.condition}) THEN "
                f"RAISE EXCEPTION '{self.name}: {self.message}' "
                f"USING ERRCODE = 'check_violation'; "
                f"END IF; RETURN NEW; END; $$ LANGUAGE plpgsql",
                f"CREATE TRIGGER {self.name} BEFORE INSERT OR UPDATE ON {self.table} "
                f"FOR EACH ROW EXECUTE FUNCTION {self.name}_fn()",
            ]
        raise NotImplementedError(f"No trigger syntax for {vendor}.")

    def drop_sql(self, vendor):
        if vendor == "sqlite":
            return [
                f"DROP TRIGGER IF EXISTS {self.name}_{event}"
                for event in ("insert", "update")
            ]
        return [
            f"DROP TRIGGER IF EXISTS {self.name} ON {self.table}",
            f"DROP FUNCTION IF EXISTS {self.name}_fn()",
        ]


def install(*rules):
    """Two functions for `migrations.RunPython`: create the rules, drop them."""

    def forward(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        for rule in rules:
            for statement in rule.create_sql(vendor):
                schema_editor.execute(statement)

    def backward(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        for rule in reversed(rules):
            for statement in rule.drop_sql(vendor):
                schema_editor.execute(statement)

    return forward, backward
