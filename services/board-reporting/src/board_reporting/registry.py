"""The board registry as admins edit it: add a board, change one. Each change is checked as a new board is
(domain.check_board), recorded with who made it and the board before and after, and applies to claims from then on:
reports already opened keep the deadline they were given. No other service keeps a copy of the registry (the README
says who reads board codes), so a change announces nothing."""

from __future__ import annotations

import dataclasses
from typing import Any

from board_reporting import domain, repository, schemas
from board_reporting.config import SERVICE
from opencme_contracts.events import BoardUpdated
from opencme_kit import db, errors, outbox
from opencme_kit.auth import Principal
from opencme_kit.clock import utcnow


def _shown(board: domain.Board) -> schemas.Board:
    return schemas.Board(**dataclasses.asdict(board))


async def _announce(conn: db.Connection, board: domain.Board) -> None:
    """The board as it is now, keyed by its code so one board's changes keep their order."""
    await outbox.emit(
        conn,
        BoardUpdated(**dataclasses.asdict(board), updated_at=utcnow()),
        producer=SERVICE,
        subject=board.code,
    )


async def add_board(*, conn: db.Connection, admin: Principal, request: schemas.BoardCreate) -> schemas.Board:
    board = domain.Board(**request.model_dump())
    domain.check_board(board)
    async with conn.transaction():
        if not await repository.insert_board(conn, board):
            raise errors.Conflict("code", "a board with this code is registered already; edit it instead")
        await repository.record_board_change(
            conn, code=board.code, by=admin.id, before=None, after=dataclasses.asdict(board)
        )
        await _announce(conn, board)
    return _shown(board)


async def edit_board(
    *, conn: db.Connection, admin: Principal, code: str, request: schemas.BoardUpdate
) -> schemas.Board:
    """Changes the fields the request gives; a change to nothing records nothing."""
    async with conn.transaction():
        before = await repository.get_board(conn, code, for_update=True)
        if before is None:
            raise errors.NotFound(None, "board not found")
        changes: dict[str, Any] = request.model_dump(exclude_unset=True)
        if changes.get("name", "") is None or changes.get("mode", "") is None:
            field = "name" if "name" in changes and changes["name"] is None else "mode"
            raise errors.Invalid(field, "must not be null")
        after = dataclasses.replace(before, **changes)
        domain.check_board(after)
        if after != before:
            await repository.update_board(conn, after)
            await repository.record_board_change(
                conn, code=after.code, by=admin.id, before=dataclasses.asdict(before), after=dataclasses.asdict(after)
            )
            await _announce(conn, after)
    return _shown(after)


async def board_changes(*, conn: db.Connection, code: str) -> list[schemas.BoardChange]:
    board = await repository.get_board(conn, code)
    if board is None:
        raise errors.NotFound(None, "board not found")
    return [
        schemas.BoardChange(
            board_code=r["board_code"],
            changed_by=r["changed_by"],
            changed_by_name=r["changed_by_name"],
            changed_at=r["changed_at"],
            before=r["before"],
            after=r["after"],
        )
        for r in await repository.board_changes(conn, board.code)
    ]
