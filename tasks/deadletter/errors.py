"""Errors of the dead-letter store's API; the CLI turns them into exit status 1."""

from __future__ import annotations

from tasks.errors import PlatformError


class DeadLetterError(PlatformError):
    """A dead-letter operation that cannot be done as asked."""


class EntryNotFound(DeadLetterError):
    def __init__(self, entry_id: str):
        super().__init__(f"no dead letter with id {entry_id!r}")
        self.entry_id = entry_id


class AlreadyReplayed(DeadLetterError):
    def __init__(self, entry_id: str, replayed_as: str):
        super().__init__(f"dead letter {entry_id} was already replayed as {replayed_as}; use --force to replay again")
        self.entry_id = entry_id
        self.replayed_as = replayed_as
