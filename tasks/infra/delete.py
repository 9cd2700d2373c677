"""`delete`: remove an environment's tables, only when confirmed and never in prod unless allowed."""

from __future__ import annotations

from tasks.infra.apply import Applier
from tasks.infra.errors import Refused
from tasks.infra.live import Reader
from tasks.infra.lock import EnvironmentLock
from tasks.infra.run import RunContext, run_locked
from tasks.infra.specs import TableSet
from tasks.infra.status import ExecutionResult, StatusRecorder


def check_deletion(environment: str, confirm: str, *, allow_prod_delete: bool) -> None:
    """Refuse before any AWS call: a confirmation that does not match, or prod without permission."""
    if confirm != environment:
        raise Refused(f"confirm must equal the environment ({environment!r}) to delete its tables")
    if environment == "prod" and not allow_prod_delete:
        raise Refused("deleting prod tables is refused unless TASKS_INFRA__ALLOW_PROD_DELETE=true")


def delete_environment(context: RunContext, environment: str, tables: TableSet, confirm: str) -> ExecutionResult:
    """Delete every spec'd table of the environment (deletion protection is turned off first)."""
    check_deletion(environment, confirm, allow_prod_delete=context.settings.allow_prod_delete)
    names = list(tables.for_environment(environment))

    def body(recorder: StatusRecorder, lock: EnvironmentLock) -> None:
        reader = Reader(context.client, deep=False)
        applier = Applier(context.client, reader, environment, context.settings.wait_timeout_s, lock.check)
        for number, name in enumerate(names, 1):
            recorder.transition("deleting", f"deleting {name} ({number}/{len(names)})")
            if reader.describe(name) is None:
                continue
            applier.delete_table(name)
            recorder.result.tables_deleted.append(name)
        recorder.transition(
            "deleted",
            f"{len(recorder.result.tables_deleted)} table(s) deleted",
            success=True,
            next_action="run infra.ensure_tables to create the tables again",
        )

    return run_locked(context, environment, body, first_status="deletion_scheduled", failed_status="deletion_failed")
