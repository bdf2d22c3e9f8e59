"""Where each token hold and weekly use was started (see migration v6): the chat and the
progress message, and what "Generate" needs to start the work again. The sweeper marks an
origin when it refunds the hold a crash left behind, and again once the person is told."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from services.infra.db import Database, Transaction, marks


@dataclass(frozen=True, slots=True)
class Origin:
    """The message a generation reports on (the one the person pressed)."""

    chat_id: int
    message_id: int


class WorkKind(StrEnum):
    TOKENS = "tokens"
    """A studio post's token hold (`ref` is the reservation id, also the post id)."""
    USE = "use"
    """A Cosmic Coach weekly use (`ref` is the use's id)."""


@dataclass(frozen=True, slots=True)
class Interruption:
    """Work the sweeper refunded and the person has not been told about yet."""

    id: int
    kind: WorkKind
    ref: int
    user_id: int
    chat_id: int
    message_id: int
    language: str
    tokens: int
    """Tokens given back (0 for a weekly use)."""
    balance: int
    """The token balance now."""
    again: dict[str, Any] = field(default_factory=dict)
    """What the product wrote down to do the work again (`remember`)."""

    @property
    def action(self) -> str:
        """What the hold paid for, as its product named it in `again["action"]` ("post"
        when it did not)."""
        return str(self.again.get("action", "post"))


class WorkRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    @staticmethod
    async def remember(
        tx: Transaction,
        kind: WorkKind,
        ref: int,
        user_id: int,
        origin: Origin,
        again: dict[str, Any],
    ) -> None:
        column = "reservation_id" if kind is WorkKind.TOKENS else "use_id"
        await tx.execute(
            f"INSERT INTO work_origins ({column}, user_id, chat_id, message_id, again,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (ref, user_id, origin.chat_id, origin.message_id, json.dumps(again), time.time()),
        )

    @staticmethod
    async def swept(tx: Transaction, kind: WorkKind, ref: int) -> dict[str, Any] | None:
        """Marks the work as refunded by the sweeper (inside the refund's transaction);
        returns what "Generate" needs, or None when the work has no origin."""
        column = "reservation_id" if kind is WorkKind.TOKENS else "use_id"
        row = await tx.fetch_one(
            f"UPDATE work_origins SET swept_at = ? WHERE {column} = ? AND swept_at IS NULL"
            " RETURNING again",
            (time.time(), ref),
        )
        return json.loads(row[0]) if row else None

    async def untold(self, live: Sequence[str] = ()) -> list[Interruption]:
        """Swept work nobody told the person about: never claimed, or claimed by an
        incarnation that is not `live` (it died telling)."""
        rows = await self._db.fetch_all(
            "SELECT w.id, w.reservation_id, w.use_id, w.user_id, w.chat_id, w.message_id,"
            " a.language, COALESCE(r.allowance_amount + r.bonus_amount, 0),"
            " a.allowance + a.bonus, w.again FROM work_origins w"
            " JOIN accounts a ON a.user_id = w.user_id"
            " LEFT JOIN reservations r ON r.id = w.reservation_id"
            " WHERE w.swept_at IS NOT NULL AND (w.told_at IS NULL"
            f" OR (w.told_by IS NOT NULL AND w.told_by NOT IN ({marks(live)}))) ORDER BY w.id",
            tuple(live),
        )
        return [
            Interruption(
                id=row[0],
                kind=WorkKind.TOKENS if row[1] is not None else WorkKind.USE,
                ref=row[1] if row[1] is not None else row[2],
                user_id=row[3],
                chat_id=row[4],
                message_id=row[5],
                language=row[6],
                tokens=row[7],
                balance=row[8],
                again=json.loads(row[9]),
            )
            for row in rows
        ]

    async def claim(
        self, interruption_id: int, claimant: str | None = None, live: Sequence[str] = ()
    ) -> bool:
        """`claimant` takes the telling on: when nobody has, or its claimant is not `live`
        (False: another live process took it already). Until `told`, the claim names its
        claimant, so a claimant that dies telling leaves it to be offered again."""
        row = await self._db.execute_atomic(
            "UPDATE work_origins SET told_at = ?, told_by = ? WHERE id = ? AND (told_at IS NULL"
            f" OR (told_by IS NOT NULL AND told_by NOT IN ({marks(live)}))) RETURNING id",
            (time.time(), claimant, interruption_id, *live),
        )
        return row is not None

    async def told(self, interruption_id: int) -> None:
        """The person was told (or cannot be): the claim is final."""
        await self._db.execute_atomic(
            "UPDATE work_origins SET told_by = NULL WHERE id = ?", (interruption_id,)
        )

    async def release(self, interruption_id: int) -> None:
        """Gives a claimed telling back, for the next sweep (Telegram could not be reached)."""
        await self._db.execute_atomic(
            "UPDATE work_origins SET told_at = NULL, told_by = NULL WHERE id = ?",
            (interruption_id,),
        )

    async def again(self, kind: WorkKind, ref: int, user_id: int) -> dict[str, Any] | None:
        """What "Generate" needs for the person's swept work (None: not theirs, or not
        interrupted)."""
        column = "reservation_id" if kind is WorkKind.TOKENS else "use_id"
        row = await self._db.fetch_one(
            f"SELECT again FROM work_origins WHERE {column} = ? AND user_id = ?"
            " AND swept_at IS NOT NULL",
            (ref, user_id),
        )
        return json.loads(row[0]) if row else None
