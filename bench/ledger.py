"""1000 concurrent reservations of 2 tokens on a balance of 500: exactly 250 must win.

Run: python -m bench.ledger
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from bench.common import report
from services.core.account_repo import AccountRepo
from services.core.ledger import Ledger
from services.core.ledger_repo import LedgerRepo
from services.infra.db import Database

RESERVATIONS = 1000
COST = 2
ALLOWANCE = 500
USER = 1


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(Path(tmp) / "ledger.sqlite3")
        await db.connect()
        ledger = Ledger(LedgerRepo(db), pro_monthly_tokens=ALLOWANCE)
        await ledger.set_pro(USER, True, actor_id=0, key="bench")
        started = time.perf_counter()
        outcomes = await asyncio.gather(
            *(ledger.reserve(USER, COST, f"race:{i}", "bench") for i in range(RESERVATIONS))
        )
        elapsed = time.perf_counter() - started
        won = sum(outcome.reservation is not None for outcome in outcomes)
        account = await AccountRepo(db).get(USER)
        entries = await ledger.entries(USER)
        await db.close()
    balance = account.balance if account else -1
    ledger_sum = sum(entry.delta for entry in entries)
    ok = won == ALLOWANCE // COST and balance == 0 and ledger_sum == balance
    figures = {
        "ledger_ok": ok,
        "reservations_per_s": round(RESERVATIONS / elapsed),
        "won": won,
        "balance": balance,
        "ledger_sum": ledger_sum,
    }
    report(
        f"ledger race: {RESERVATIONS} x {COST} tokens on {ALLOWANCE}",
        [
            ("reservations won", won),
            ("final balance", balance),
            ("ledger sum = balance", ledger_sum == balance),
            ("reservations per second", figures["reservations_per_s"]),
        ],
        figures,
    )


if __name__ == "__main__":
    asyncio.run(main())
