"""Counting the SQL statements a request sends: a page that costs the same for 2 and 20
organisations (or deployments, roadmaps) is flat in the size of the data."""

from __future__ import annotations

import sqlalchemy as sa


def statements_of(app, client, url: str) -> int:
    """The number of SQL statements GET `url` sends (it must answer 200)."""
    connection = app.extensions["db"].bind
    sent: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        sent.append(statement)

    sa.event.listen(connection, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        sa.event.remove(connection, "before_cursor_execute", count)
    assert response.status_code == 200, response.status_code
    return len(sent)
