"""The failing step as GitHub Actions shows it: its command (the script's last line) and exit code."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tasks.github.job_logs import ERROR_MARK, PROCESS_FAILED, STEP_START

EXIT_CODE = re.compile(r"exit code (\d+)\.$")
#: Lines the runner prints after a step's script, before `##[endgroup]`.
SCRIPT_END = re.compile(r"^(?:shell|env|with): ?")


@dataclass(frozen=True)
class Step:
    #: The line that ran last in the step's script (under `bash -e`, usually the one that failed).
    command: str | None
    exit_code: int | None


def failing_step_command(lines: list[str]) -> Step:
    """The command and exit code of the step that failed; Nones for a log of another shape."""
    errors = [index for index, line in enumerate(lines) if line.startswith(ERROR_MARK)]
    if not errors:
        return Step(None, None)
    failed = next((i for i in errors if PROCESS_FAILED.match(lines[i])), errors[0])
    code = EXIT_CODE.search(lines[failed]) if PROCESS_FAILED.match(lines[failed]) else None
    start = next((i for i in range(failed - 1, -1, -1) if lines[i].startswith(STEP_START)), None)
    if start is None:
        return Step(None, int(code.group(1)) if code else None)
    script = [lines[start].removeprefix(STEP_START)]
    # The whole script is shown only inside the step's group; without one, the `Run` line is all there is.
    if "##[endgroup]" in lines[start + 1 : failed]:
        for line in lines[start + 1 : failed]:
            if line == "##[endgroup]" or SCRIPT_END.match(line):
                break
            script.append(line)
    commands = [line.strip() for line in script[1:] or script if line.strip() and not line.lstrip().startswith("#")]
    return Step(commands[-1] if commands else None, int(code.group(1)) if code else None)
