"""Row rules that span two tables, enforced by the database itself.

A CHECK constraint sees only its own row, so "a session lies within its
meeting's dates" or "a registration's delegation belongs to the same meeting"
need a trigger. Each rule is one SQL condition over `NEW`; this module writes
it as a trigger for SQLite and for PostgreSQL. A broken rule raises the
database's constraint error, which Django turns into `IntegrityError`, like a
CHECK constraint.

The triggers are not created by migrations: SQLite rebuilds a table to alter
it, and a trigger that names the table would break or vanish on the way. So
they are dropped before every `migrate` and created again after it, from the
rules the apps register here (see `connect`).
"""

from dataclasses import dataclass

from django.db import connections
from django.db.models.signals import post_migrate, pre_migrate

_RULES = []


@dataclass(frozen=True)
class RowRule:
    name: str
    table: str
    condition: str
    message: str
    # Every table the condition reads, so a rule is created only once all exist.
    tables: tuple = ()

    def create_sql(self, vendor):
        if "'" in self.message:
            raise ValueError(f"{self.name}: the message is quoted in SQL; no '.")
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

    def drop_sql(self, vendor, existing_tables):
        if vendor == "sqlite":
            return [
                f"DROP TRIGGER IF EXISTS {self.name}_{event}"
                for event in ("insert", "update")
            ]
        statements = []
        if self.table in existing_tables:
            statements.append(f"DROP TRIGGER IF EXISTS {self.name} ON {self.table}")
        statements.append(f"DROP FUNCTION IF EXISTS {self.name}_fn()")
        return statements


def register(*rules):
    _RULES.extend(rule for rule in rules if rule not in _RULES)


def drop_all(using="default"):
    connection = connections[using]
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        for rule in reversed(_RULES):
            for statement in rule.drop_sql(connection.vendor, existing):
                cursor.execute(statement)


def create_all(using="default"):
    """(Re)create every rule whose tables exist."""
    drop_all(using)
    connection = connections[using]
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        for rule in _RULES:
            if {rule.table, *rule.tables} <= existing:
                for statement in rule.create_sql(connection.vendor):
                    cursor.execute(statement)


def _before_migrate(sender, using="default", **kwargs):
    drop_all(using)


def _after_migrate(sender, using="default", **kwargs):
    create_all(using)


def connect():
    """Called once from an AppConfig.ready()."""
    pre_migrate.connect(_before_migrate, dispatch_uid="jwg_portal.db_rules.drop")
    post_migrate.connect(_after_migrate, dispatch_uid="jwg_portal.db_rules.create")
