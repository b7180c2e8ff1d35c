"""Hand-written SQL for the few statements on the portal's hottest path, and nowhere else.

The ORM builds and compiles every query anew. On these machines that costs 0.3–0.5 ms of CPU a query, against
about 0.07 ms to send the same statement as text; a petition signature ran five such queries, a third of its
CPU time (docs/participation.md, "Benchmark: sustained signing"). So the statements every signature runs — the
session, the citizen with their assurance grant, the petition, the signature's INSERT — are SQL text, built
once from the models' own table and column names. Their rows become model instances with the same conversions
the ORM applies, and their parameters are prepared by the fields as the ORM prepares them, so they behave the
same on SQLite and PostgreSQL. Everything else uses the ORM.

`insert` writes the row only: it sends no pre_save/post_save signal and applies no Python default. A model
written with it says so in its docstring, and its insert names every NOT NULL column without a database default
(tests/core/test_architecture.py checks both, and that only the modules of the hottest path import this one).

Every function takes the database alias `using`; left out, it is the router's choice for the model: the read
database for reads (`read_alias`), the write database for `insert` (`write_alias`). Callers of `fetch_one` pass
the alias of the model they read.

PORTAL_SQL_FAST_PATHS=false turns the session engine and the auth backends back to Django's own."""

import weakref

from django.db import DEFAULT_DB_ALIAS, connections, router

# Converters per database connection (a thread's own), per model and fields: worked out once.
_converters = weakref.WeakKeyDictionary()


def read_alias(model):
    return router.db_for_read(model) or DEFAULT_DB_ALIAS


def write_alias(model):
    return router.db_for_write(model) or DEFAULT_DB_ALIAS


def table(model, using=None):
    return connections[using or read_alias(model)].ops.quote_name(model._meta.db_table)


def columns(model, names, *, qualified=False, using=None):
    """The quoted columns of `model`'s fields `names`, comma-separated (prefixed by the table if `qualified`)."""
    using = using or read_alias(model)
    quote = connections[using].ops.quote_name
    prefix = f"{table(model, using)}." if qualified else ""
    return ", ".join(prefix + quote(model._meta.get_field(name).column) for name in names)


def param(model, name, value, using=None):
    """`value` prepared for a comparison with `model`'s field `name`, as the ORM would send it."""
    return model._meta.get_field(name).get_db_prep_value(value, connections[using or read_alias(model)], prepared=False)


def fits(model, name, value, using=None):
    """Whether the integer `value` fits `model`'s integer field `name` on this database. The ORM finds nothing
    for a number out of range; SQL text would be refused by the database (an error, not "not found")."""
    ops = connections[using or read_alias(model)].ops
    internal_type = model._meta.get_field(name).get_internal_type()
    if internal_type not in ops.integer_field_ranges:
        return True
    low, high = ops.integer_field_range(internal_type)
    return (low is None or value >= low) and (high is None or value <= high)


def fetch_one(sql, params, using=DEFAULT_DB_ALIAS):
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def instance(model, names, values, using=None):
    """The `model` instance of a row's `values` for the fields `names` (the other fields deferred, as `only()`
    leaves them), each value converted from the database as the ORM converts it."""
    using = using or read_alias(model)
    connection = connections[using]
    per_model = _converters.setdefault(connection, {})
    key = (model, tuple(names))
    plan = per_model.get(key)
    if plan is None:
        plan = per_model[key] = _plan(model, names, connection)
    attnames, steps = plan
    converted = []
    for index, functions, column in steps:
        value = values[index]
        for function in functions:
            value = function(value, column, connection)
        converted.append(value)
    return model.from_db(using, attnames, converted)


def _plan(model, names, connection):
    """How to turn a row into `model.from_db` arguments: which value each field takes (from_db wants them in
    the model's field order) and the converters it goes through."""
    wanted = {model._meta.get_field(name).attname: index for index, name in enumerate(names)}
    attnames, steps = [], []
    for field in model._meta.concrete_fields:
        if field.attname in wanted:
            column = field.get_col(model._meta.db_table)
            functions = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            attnames.append(field.attname)
            steps.append((wanted[field.attname], functions, column))
    return attnames, steps


def insert(model, values, *, only_if=None, ignore_conflicts=False, using=None):
    """INSERT one row of `model` and return its primary key, or None when no row was written.

    `values` maps fields to values and must name every NOT NULL column without a database default (a Python
    `default=` is not applied here). `only_if` is an SQL condition with its parameters, `(sql, params)`: the row
    is written only when it holds, in the same statement. `ignore_conflicts`: a row that would break a unique
    constraint is not written (ON CONFLICT DO NOTHING). No signal is sent."""
    using = using or write_alias(model)
    connection = connections[using]
    fields = [model._meta.get_field(name) for name in values]
    params = [field.get_db_prep_save(value, connection) for field, value in zip(fields, values.values(), strict=True)]
    quote = connection.ops.quote_name
    placeholders = ", ".join(["%s"] * len(fields))
    if only_if is None:
        rows = f"VALUES ({placeholders})"
    else:
        condition, condition_params = only_if
        rows = f"SELECT {placeholders} WHERE {condition}"
        params += list(condition_params)
    sql = (
        f"INSERT INTO {table(model, using)} ({', '.join(quote(field.column) for field in fields)}) {rows}"
        f"{' ON CONFLICT DO NOTHING' if ignore_conflicts else ''} RETURNING {quote(model._meta.pk.column)}"
    )
    row = fetch_one(sql, params, using)
    return row[0] if row else None
