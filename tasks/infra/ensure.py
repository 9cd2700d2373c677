"""`ensure`: make an environment's tables match their specs, phase by phase, safe to repeat."""

from __future__ import annotations

from dataclasses import dataclass

from tasks.infra.apply import Applier
from tasks.infra.errors import Refused
from tasks.infra.live import Reader
from tasks.infra.lock import EnvironmentLock
from tasks.infra.plan import ACTIONS, plan_lines
from tasks.infra.run import RunContext, run_locked
from tasks.infra.specs import TableSet, TableSpec
from tasks.infra.status import ExecutionResult, StatusRecorder
from tasks.infra.validate import Issue, validate_tables

#: Environments whose tables are never re-created or lowered, whatever the arguments.
PROTECTED = frozenset({"prod"})
#: Issue kinds that one UpdateTable of billing and capacities resolves together.
BILLING_KINDS = frozenset({"billing_mode", "capacity", "index_capacity"})


@dataclass(frozen=True)
class EnsureOptions:
    dry_run: bool = False
    force_recreate: bool = False
    skip_validation: bool = False


def ensure_environment(
    context: RunContext, environment: str, tables: TableSet, options: EnsureOptions
) -> ExecutionResult:
    """Create what is missing, fix drift in place, re-create only when forced; one run at a time."""
    specs = tables.for_environment(environment)
    if options.force_recreate and environment in PROTECTED:
        raise Refused(f"force_recreate is never allowed in {environment}")
    run = _Run(context, environment, specs, options)
    return run_locked(
        context, environment, run.body, first_status="initializing", failed_status="failed", dry_run=options.dry_run
    )


@dataclass
class _Run:
    context: RunContext
    environment: str
    specs: dict[str, TableSpec]
    options: EnsureOptions

    def body(self, recorder: StatusRecorder, lock: EnvironmentLock) -> None:
        deep = not self.options.skip_validation
        reader = Reader(self.context.client, deep=deep, with_tags=deep)
        if self.options.dry_run:
            recorder.transition("validating", f"reading {len(self.specs)} tables; planning without writes")
            issues = validate_tables(reader, self.specs, self.environment)
            self._complete(recorder, issues, plan=plan_lines(issues))
            return
        applier = Applier(
            self.context.client, reader, self.environment, self.context.settings.wait_timeout_s, lock.check
        )
        recorder.note(f"reading {len(self.specs)} tables")
        issues = validate_tables(reader, self.specs, self.environment)
        self._create_tables(recorder, applier, [issue.table for issue in issues if issue.fix == "create_table"])
        self._create_indexes(recorder, applier, [issue for issue in issues if issue.fix == "create_index"])
        if self.options.skip_validation:
            recorder.transition(
                "completed", "tables and indexes exist (not validated)", success=True, next_action="none"
            )
            return
        recorder.transition("validating", "comparing every table with its spec")
        issues = validate_tables(reader, self.specs, self.environment)
        fixable = self._fixable(issues)
        if fixable:
            self._fix(recorder, applier, fixable)
            recorder.transition("revalidating", "comparing the fixed tables with their specs")
            issues = validate_tables(reader, self.specs, self.environment)
        self._complete(recorder, issues, plan=[])

    def _create_tables(self, recorder: StatusRecorder, applier: Applier, names: list[str]) -> None:
        for number, name in enumerate(names, 1):
            recorder.transition("creating_tables", f"creating {name} ({number}/{len(names)})")
            applier.create_table(self.specs[name])
            recorder.result.tables_created.append(name)
        for name in names:
            recorder.transition("waiting_for_tables", f"waiting for {name} to become ACTIVE")
            applier.wait_table_active(name)
            applier.configure_new_table(self.specs[name])

    def _create_indexes(self, recorder: StatusRecorder, applier: Applier, issues: list[Issue]) -> None:
        # DynamoDB backfills one new index per table at a time: create, wait, then the next.
        for number, issue in enumerate(issues, 1):
            assert issue.index is not None
            where = f"{issue.table}/{issue.index}"
            recorder.transition("creating_indexes", f"creating {where} ({number}/{len(issues)})")
            applier.create_index(self.specs[issue.table], issue.index)
            recorder.result.indexes_created.append(where)
            recorder.transition("waiting_for_indexes", f"waiting for {where} to backfill")
            applier.wait_index_active(issue.table, issue.index)

    def _fixable(self, issues: list[Issue]) -> list[Issue]:
        forced = {"lower_with_force", "recreate_index", "recreate_table"}
        allowed = {"in_place"} | (forced if self.options.force_recreate else set())
        # A lowering request also raises what is below the spec, so it goes first and covers the table.
        chosen = sorted((issue for issue in issues if issue.fix in allowed), key=lambda i: i.fix != "lower_with_force")
        recreated = {issue.table for issue in chosen if issue.fix == "recreate_table"}
        unique: dict[tuple[str, str | None, str], Issue] = {}
        for issue in chosen:
            if issue.fix == "recreate_table":
                unique.setdefault((issue.table, None, issue.fix), issue)
            elif issue.table not in recreated:
                unique.setdefault(_fix_key(issue), issue)
        order = {"recreate_table": 0, "recreate_index": 1, "lower_with_force": 2, "in_place": 2}
        return sorted(unique.values(), key=lambda issue: order[issue.fix])

    def _fix(self, recorder: StatusRecorder, applier: Applier, issues: list[Issue]) -> None:
        for issue in issues:
            line = f"{ACTIONS[issue.fix]} {issue.table}: {issue.message}"
            recorder.transition("fixing_issues", line)
            spec = self.specs[issue.table]
            if issue.fix == "recreate_table":
                applier.recreate_table(spec)
            elif issue.fix == "recreate_index":
                assert issue.index is not None
                applier.recreate_index(spec, issue.index)
            else:
                applier.fix_in_place(spec, issue)
            recorder.result.fixes_applied.append(line)

    def _complete(self, recorder: StatusRecorder, issues: list[Issue], *, plan: list[str]) -> None:
        blocking = [issue for issue in issues if issue.blocking]
        drift = [issue for issue in issues if issue.drift]
        valid = not blocking
        recorder.transition(
            "completed",
            "dry run: nothing written" if self.options.dry_run else "done",
            success=valid or self.options.dry_run,
            valid=valid,
            issues=[issue.model_dump() for issue in issues],
            plan=plan,
            drift=[f"{issue.table}: {issue.message}" for issue in drift],
            next_action=_next_action(blocking, drift, self.options.dry_run),
        )


def _fix_key(issue: Issue) -> tuple[str, str | None, str]:
    """Issues that one write resolves share a key: billing and every capacity of a table are one UpdateTable."""
    if issue.kind in BILLING_KINDS:
        return (issue.table, None, "billing")
    if issue.fix in {"in_place", "lower_with_force"}:
        return (issue.table, issue.index, issue.kind)
    return (issue.table, issue.index, issue.fix)


def _next_action(blocking: list[Issue], drift: list[Issue], dry_run: bool) -> str:
    if not blocking:
        if drift:
            return (
                "tables have more protection or capacity than their specs: raise the specs to match, "
                "or re-run with force_recreate to lower them (never in prod)"
            )
        return "none"
    if dry_run:
        return "run infra.ensure_tables without dry_run to apply the plan"
    fixes = {issue.fix for issue in blocking}
    if fixes & {"recreate_table", "recreate_index"}:
        return "change the spec, or re-run with force_recreate (never in prod; re-creating a table loses its items)"
    return "fix by hand: " + "; ".join(issue.message for issue in blocking)
