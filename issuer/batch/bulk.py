"""Writing a chunk's rows in one statement each.

A chunk of a batch inserts hundreds of credentials, audit entries and status allocations and
updates as many batch rows. ``session.execute(insert(table), rows)`` is an executemany: on
SQLite (in process) that is cheap, but psycopg runs it as one statement per row in a pipeline,
and PostgreSQL parses, binds and executes each one, on the cores the signing workers need.
On PostgreSQL these helpers write a chunk in one statement, in the caller's transaction, with
the same constraints and triggers: inserts with ``COPY … FROM STDIN`` (rows formatted by
psycopg's C code), updates with one ``UPDATE … FROM`` over the unnested column arrays (values
that are the same on every row go as one parameter), and lookups by many values with
``= ANY(:array)`` — one parameter instead of one per value, so the statement stays short
enough for psycopg to keep it parsed and prepared. Any other database gets the executemany.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg import sql as pg_sql
from sqlalchemy import (
    JSON,
    Column,
    ColumnElement,
    Table,
    Text,
    and_,
    any_,
    bindparam,
    cast,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

Rows = Sequence[dict[str, Any]]


def is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def custom_plans(session: Session) -> None:
    """Plan the rest of this transaction's statements for their actual parameters.

    psycopg prepares a statement run five times on a connection, and PostgreSQL may then switch
    it to a generic plan made without the values. For a lookup by many values
    (:func:`one_of`) the generic plan it picks scans all the organization's credentials and
    tests each against the array: 0.1–0.2 s a chunk at 10,000 credentials, growing with the
    table (the ``IN`` list of before had the same plan). A custom plan uses the composite index.
    ``SET LOCAL`` ends with the transaction; it changes planning only, nothing about durability
    or isolation. Every caller of :func:`one_of` calls this first.
    """
    if is_postgresql(session):
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


def one_of(session: Session, column: Any, values: Sequence[Any]) -> Any:
    """``column IN (values)``; on PostgreSQL ``column = ANY(:array)``, one parameter however
    many values (a short statement psycopg and the server can prepare once)."""
    if is_postgresql(session):
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)


def insert_many(session: Session, table: Table, rows: Rows) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table``."""
    if not rows:
        return
    names = list(rows[0])
    # COPY applies only the database's defaults: a column left out that has a Python-side
    # default (which executemany would fill in) keeps the executemany.
    defaulted = [c for c in table.columns if c.name not in names and c.default is not None]
    connection = _psycopg_connection(session)
    if connection is None or defaulted:
        session.execute(insert(table), list(rows))
        return
    session.flush()  # the rows may refer to objects the session has not written yet
    json_columns = {name for name in names if isinstance(table.c[name].type, JSON)}
    statement = pg_sql.SQL("COPY {} ({}) FROM STDIN").format(
        pg_sql.Identifier(*filter(None, (table.schema, table.name))),
        pg_sql.SQL(", ").join(pg_sql.Identifier(name) for name in names),
    )
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([json.dumps(row[n]) if n in json_columns else row[n] for n in names])


def _psycopg_connection(session: Session) -> psycopg.Connection[Any] | None:
    """The session's psycopg connection (in its transaction), or None for other databases."""
    if not is_postgresql(session):
        return None
    connection = session.connection().connection.driver_connection
    return connection if isinstance(connection, psycopg.Connection) else None


def update_many(session: Session, table: Table, keys: Sequence[str], rows: Rows) -> None:
    """Set the non-key columns of ``rows`` on the rows of ``table`` found by ``keys`` (its
    primary key). Every row has the same keys."""
    if not rows:
        return
    names = [name for name in rows[0] if name not in keys]
    if not is_postgresql(session):
        statement = (
            update(table)
            .where(*[table.c[key] == bindparam(f"k_{key}") for key in keys])
            .values({n: bindparam(f"v_{n}", type_=table.c[n].type) for n in names})
        )
        session.execute(
            statement,
            [
                {**{f"k_{k}": row[k] for k in keys}, **{f"v_{n}": row[n] for n in names}}
                for row in rows
            ],
        )
        return
    # A column with one value for every row (the job, the new state, the time) goes as one
    # parameter; the others as arrays, unnested side by side.
    same = {n for n in [*keys, *names] if all(row[n] == rows[0][n] for row in rows)}
    value: dict[str, Any] = {
        n: bindparam(f"s_{n}", rows[0][n], type_=table.c[n].type) for n in same
    }
    varying = [n for n in [*keys, *names] if n not in same]
    if varying:
        given = select(*_unnested(table, varying, rows, "u")).subquery("given")
        value.update({n: given.c[n] for n in varying})
    session.execute(
        update(table)
        .where(and_(*[table.c[key] == value[key] for key in keys]))
        .values({name: value[name] for name in names})
    )


def _unnested(table: Table, names: list[str], rows: Rows, prefix: str) -> list[ColumnElement[Any]]:
    """``unnest(:array) AS name`` for each column: PostgreSQL runs set-returning functions of
    one select list in lockstep, so row i of the result is ``rows[i]``. JSON values go as
    their text (an array of JSON arrays would be read as one multidimensional array)."""
    return [_unnest_column(table.c[name], [row[name] for row in rows], prefix) for name in names]


def _unnest_column(column: Column[Any], values: list[Any], prefix: str) -> ColumnElement[Any]:
    name = f"{prefix}_{column.name}"
    if isinstance(column.type, JSON):
        texts = [json.dumps(value) for value in values]
        array = bindparam(name, texts, type_=ARRAY(Text()))
        return cast(func.unnest(array), column.type).label(column.name)
    return func.unnest(bindparam(name, values, type_=ARRAY(column.type))).label(column.name)
