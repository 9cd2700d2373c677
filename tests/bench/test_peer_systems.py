"""Which Procfile entries bench/peers.py runs as the platform's workers, and how."""

from __future__ import annotations

from pathlib import Path

from bench.peer_systems import PROJECT_BIN, procfile_workers

PROCFILE = """\
worker: celery -A tasks worker -l INFO
uploads: celery -A tasks worker -Q uploads -c 1 -l INFO
mixed: celery -A tasks worker --queues=pr,default --prefetch-multiplier 4 --loglevel=INFO
short: celery -A tasks worker -Qdefault -P threads -c 32 --loglevel DEBUG
beat: celery -A tasks beat -l INFO
# old: celery -A tasks worker -l INFO
flower: celery -A tasks flower
"""


def test_entries_consuming_default_run_at_warning_level_with_everything_else_as_shipped(tmp_path: Path) -> None:
    procfile = tmp_path / "Procfile"
    procfile.write_text(PROCFILE)
    celery = str(PROJECT_BIN / "celery")

    assert procfile_workers(procfile) == [
        [celery, "-A", "tasks", "worker", "-l", "WARNING"],
        [celery, "-A", "tasks", "worker", "--queues=pr,default", "--prefetch-multiplier", "4", "--loglevel=WARNING"],
        [celery, "-A", "tasks", "worker", "-Qdefault", "-P", "threads", "-c", "32", "--loglevel", "WARNING"],
    ]


def test_another_queue_selects_its_own_entries_and_those_naming_no_queue(tmp_path: Path) -> None:
    procfile = tmp_path / "Procfile"
    procfile.write_text(PROCFILE)

    commands = procfile_workers(procfile, queue="uploads")

    assert [command[4:] for command in commands] == [["-l", "WARNING"], ["-Q", "uploads", "-c", "1", "-l", "WARNING"]]
