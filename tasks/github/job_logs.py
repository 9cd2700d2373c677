"""GitHub Actions job logs: strip the runner's decoration, find the step that failed.

A job log is timestamped lines; each step starts with `##[group]Run <command>`,
its script and environment up to `##[endgroup]`, then its output. A failing step
ends with `##[error]Process completed with exit code N.`; runner-level failures
(time limits, cancellations, shutdowns) add their own `##[error]` lines.
"""

from __future__ import annotations

import re

TIMESTAMP = re.compile(r"^\ufeff?\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z ?")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
STEP_START = "##[group]Run "
ERROR_MARK = "##[error]"
PROCESS_FAILED = re.compile(r"^##\[error\]Process completed with exit code \d+\.$")
#: The classifier reads at most this many lines of the failing step (its end, where the errors are).
MAX_STEP_LINES = 5000
#: And at most this many of the runner's `##[error]` lines after it.
MAX_RUNNER_ERRORS = 100
#: Characters of a line the classifier reads (its start: tools put the file, line and error
#: first); the rest is dropped, so no pattern ever scans a megabyte-long line.
MAX_LINE_CHARS = 2000
#: Colour codes cut short by the line limit are removed whole, so the limit applies before them.
_ANSI_SLACK = 4 * MAX_LINE_CHARS


def normalise(raw: str) -> list[str]:
    """Lines without timestamps or colour codes, each at most MAX_LINE_CHARS long."""
    return [ANSI.sub("", TIMESTAMP.sub("", line[:_ANSI_SLACK]))[:MAX_LINE_CHARS].rstrip() for line in raw.splitlines()]


def failing_step(lines: list[str]) -> list[str]:
    """The step that failed (its `Run` line, output and error), then the runner's other `##[error]` lines.

    The step's script and environment (between its `Run` line and `##[endgroup]`) are left out:
    they repeat the command, which is not output. Without any `##[error]` the whole text is
    returned (a check run's output, or a log of another shape).
    """
    errors = [index for index, line in enumerate(lines) if line.startswith(ERROR_MARK)]
    if not errors:
        return lines[-MAX_STEP_LINES:]
    first_error = next((i for i in errors if PROCESS_FAILED.match(lines[i])), errors[0])
    starts = [i for i in range(first_error) if lines[i].startswith(STEP_START)]
    start = starts[-1] if starts else 0
    step = _without_script(lines[start : first_error + 1])
    others = [lines[i] for i in errors if i > first_error]
    return step[-MAX_STEP_LINES:] + others[:MAX_RUNNER_ERRORS]


def _without_script(step: list[str]) -> list[str]:
    if not step or not step[0].startswith(STEP_START):
        return step
    try:
        end = step.index("##[endgroup]")
    except ValueError:
        return step
    return [step[0], *step[end + 1 :]]
