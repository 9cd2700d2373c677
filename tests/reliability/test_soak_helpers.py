"""The soak's bookkeeping: which kills it draws and which tasks a kill caught in flight."""

from __future__ import annotations

import random
from datetime import datetime
from pathlib import Path

from tests.reliability.soak_kills import Kill, in_flight, kinds
from tests.reliability.soak_load import document_text

A = "aaaaaaaa-0000-0000-0000-000000000001"
B = "bbbbbbbb-0000-0000-0000-000000000002"
C = "cccccccc-0000-0000-0000-000000000003"
D = "dddddddd-0000-0000-0000-000000000004"


def line(at: str, task_id: str, what: str) -> str:
    return f"2026-01-01 10:00:{at} INFO MainProcess celery.worker.strategy [- -] Task testing.work[{task_id}] {what}"


def test_in_flight_is_received_and_not_finished_well_before_the_kill(tmp_path: Path) -> None:
    log = tmp_path / "worker.log"
    log.write_text(
        "\n".join(
            [
                line("01,000", A, "received"),
                line("02,000", A, "succeeded in 0.1s: 1"),  # acknowledged long before the kill
                line("04,000", B, "received"),
                line("09,800", B, "succeeded in 0.1s: 2"),  # its acknowledgement may not have gone out
                line("09,900", C, "received"),  # never finished
                line("10,500", D, "received"),  # after the kill
            ]
        )
    )
    kill = Kill("pool", datetime(2026, 1, 1, 10, 0, 10), log)
    assert in_flight(kill) == {B, C}


def test_kinds_draw_each_kind_once_at_least() -> None:
    for seed in range(20):
        drawn = kinds(3, random.Random(seed))
        assert len(drawn) == 3 and {"worker", "pool"} <= set(drawn)
    assert len(kinds(1, random.Random(0))) == 1


def test_every_upload_has_its_own_content() -> None:
    assert len({document_text("t", n) for n in range(500)}) == 500
