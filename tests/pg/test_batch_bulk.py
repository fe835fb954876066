"""The batch's one-statement writes (``issuer.batch.bulk``) read back exactly what was given,
on PostgreSQL (COPY, UPDATE … FROM unnest, = ANY) and on SQLite (executemany, IN): JSON with
quotes, backslashes, Chinese and nulls, columns that vary and columns that do not."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import (
    JSON,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    select,
)
from sqlalchemy.orm import Session

from issuer.batch.bulk import custom_plans, insert_many, one_of, update_many

METADATA = MetaData()
ROWS = Table(
    "bulk_rows",
    METADATA,
    Column("job_id", Integer, primary_key=True),
    Column("line", Integer, primary_key=True),
    Column("state", String(16), nullable=False),
    Column("note", Text),
    Column("problems", JSON),
)
AWKWARD: list[Any] = [
    None,
    [],
    ['引号 " 和反斜杠 \\ 和制表\t'],
    [{"field": "name", "message": "Chinese 名字, 'quotes', \\N"}],
    {"nested": [1, 2.5, True, None, "\\u0000 is text"]},
]


@pytest.fixture(params=["sqlite", "postgresql"])
def session(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Session]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'bulk.db'}"
    else:
        url = request.getfixturevalue("fresh_database_url")
    engine = create_engine(url)
    METADATA.create_all(engine)
    try:
        with Session(engine) as opened:
            yield opened
    finally:
        engine.dispose()


def _read(session: Session) -> list[tuple[Any, ...]]:
    query = select(ROWS.c.job_id, ROWS.c.line, ROWS.c.state, ROWS.c.note, ROWS.c.problems)
    return [tuple(row) for row in session.execute(query.order_by(ROWS.c.job_id, ROWS.c.line))]


def test_insert_update_and_lookup_read_back_what_was_given(session: Session) -> None:
    given = [
        {"job_id": 7, "line": i, "state": "planned", "note": f"行 {i}\n", "problems": p}
        for i, p in enumerate(AWKWARD)
    ]
    insert_many(session, ROWS, given)
    session.commit()
    assert _read(session) == [(7, i, "planned", f"行 {i}\n", p) for i, p in enumerate(AWKWARD)]
    # the state and the job are the same on every row; the note and problems vary
    changed = [
        {"job_id": 7, "line": i, "state": "issued", "note": None, "problems": AWKWARD[-1 - i]}
        for i in range(len(AWKWARD))
    ]
    update_many(session, ROWS, ["job_id", "line"], changed)
    session.commit()
    assert _read(session) == [(7, i, "issued", None, AWKWARD[-1 - i]) for i in range(len(AWKWARD))]
    custom_plans(session)
    found = session.scalars(select(ROWS.c.line).where(one_of(session, ROWS.c.line, [0, 3, 99])))
    assert sorted(found) == [0, 3]
    session.commit()


def test_an_update_touches_only_the_rows_named(session: Session) -> None:
    insert_many(
        session,
        ROWS,
        [
            {"job_id": j, "line": 1, "state": "planned", "note": None, "problems": None}
            for j in (1, 2)
        ],
    )
    update_many(
        session,
        ROWS,
        ["job_id", "line"],
        [{"job_id": 2, "line": 1, "state": "failed", "note": "x", "problems": ["bad"]}],
    )
    session.commit()
    assert _read(session) == [(1, 1, "planned", None, None), (2, 1, "failed", "x", ["bad"])]
