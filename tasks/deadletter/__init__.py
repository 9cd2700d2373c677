"""The dead-letter store: every permanently failed job, to inspect and replay.

Public API: `list_entries`, `get`, `find_by_task_id`, `counts_by_task`, `replay`, `delete`, `purge`, `trim`, `record`.
"""

from tasks.deadletter.errors import AlreadyReplayed, DeadLetterError, EntryNotFound
from tasks.deadletter.reasons import REASONS, Reason, classify
from tasks.deadletter.replay import replay
from tasks.deadletter.store import counts_by_task, delete, find_by_task_id, get, list_entries, purge, record, trim

__all__ = [
    "REASONS",
    "AlreadyReplayed",
    "DeadLetterError",
    "EntryNotFound",
    "Reason",
    "classify",
    "counts_by_task",
    "delete",
    "find_by_task_id",
    "get",
    "list_entries",
    "purge",
    "record",
    "replay",
    "trim",
]
