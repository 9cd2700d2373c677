r"""What each tool's failure looks like: signals (regex, weight) and key-line patterns.

To teach the classifier a new tool, add a `Rule`: signals say "this log is from
that tool" (each counted once, weights add up), key lines pick the error lines
out, with `file` and `line` groups where the tool prints a location and an
optional `message` group. A key line without a `message` group uses the whole
line, or with `message_from_previous` the line before it (rustc's and ruff's
`--> file:line:col` come after their message). `file_header` is a line naming
the file of the key lines that follow (eslint's stylish format).

Every pattern must run in time linear in the line's length, since logs are
untrusted: no leading `.*` under `search` (a key without a `message` group already
quotes its whole line), no two adjacent unbounded quantifiers over characters they
share (`\w*Test\w*`: use a lookahead), digit runs started only at their first digit
(`(?<!\d)\d++`), and "A, then later B on the same line" as `followed(A, B)`.
tests/github/test_classifier_adversarial.py sends each kind of hostile line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Category = Literal[
    "lint", "format", "type_check", "test", "build", "dependency", "timeout", "infrastructure", "unknown"
]


@dataclass(frozen=True)
class Key:
    pattern: str
    message_from_previous: bool = False


@dataclass(frozen=True)
class Rule:
    tool: str
    category: Category
    signals: tuple[tuple[str, float], ...]
    keys: tuple[Key, ...] = ()
    file_header: str | None = None
    #: A failure that a plain re-run may well pass (the runner's or the network's fault).
    transient: bool = False


def run(command: str, weight: float = 3.0) -> tuple[str, float]:
    """A signal: the failing step's `Run` line invokes this command."""
    return (rf"^##\[group\]Run .*\b{command}\b", weight)


def followed(first: str, then: str) -> str:
    """A line with `first`, then `then` later on it: linear, however often `first` repeats.

    The atomic group commits to the first `first`; a later one could not find a `then`
    the first one missed, so the engine never tries them (which would be quadratic).
    """
    return rf"^(?>.*?(?:{first})).*(?:{then})"


#: A whole number: tried only at its first digit, never re-split (`\d+ x` on a run of digits is quadratic).
NUMBER = r"(?<!\d)\d++"


PY_FILE = r"(?P<file>[\w./-]+\.pyi?)"
JS_FILE = r"(?P<file>/?[\w./@-]+\.(?:[cm]?[jt]sx?|vue|svelte))"
#: The test's own frame in a JavaScript stack: `at Object.toBe (vat.test.js:4:20)`.
JS_TEST_FRAME = Key(r"^\s+at [^()]*\((?P<file>(?=[^)]*\.(?:test|spec)\.)[\w./@-]+):(?P<line>\d+):\d+\)$")
ARROW = Key(r"^\s*--> (?P<file>[^:\s]+):(?P<line>\d+):\d+$", message_from_previous=True)
GO_LOCATION = Key(r"^(?:\./)?(?P<file>[\w./-]+\.go):(?P<line>\d+):\d+: (?P<message>.+)$")
NETWORK_ERRORS = (
    r"Could not resolve host|Temporary failure in name resolution|Name or service not known|Connection refused"
    r"|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|ENOTFOUND|Connection timed out|Read timed out|i/o timeout"
    r"|TLS handshake timeout|Connection reset by peer|The remote end hung up unexpectedly|Unknown host \S"
    r"|unable to resolve host address|Network is unreachable|getaddrinfo \w|Couldn't connect to server"
)

RULES: tuple[Rule, ...] = (
    Rule(
        "pytest",
        "test",
        (
            (r"^=+ FAILURES =+$", 3),
            (r"^(?:FAILED|ERROR) \S+::", 3),
            (followed(r"^=+ ", rf"{NUMBER} (?:failed|error)") + r".* in [\d.]+s", 2),
            (r"^=+ test session starts =+$", 1),
            (r"^=+ ERRORS =+$", 2),
            (r"^FAIL Required test coverage of ", 3),
            run("pytest", 1),
        ),
        (
            Key(rf"^{PY_FILE}:(?P<line>\d+): (?P<message>\w+(?:Error|Exception|Failed)\b.*)$"),
            Key(r"^(?P<message>(?:FAILED|ERROR) (?P<file>[\w./-]+\.py)(?:::.*)?)$"),
            # `--tb=short` names the test's own frame as `file:line: in test_x`.
            Key(rf"^{PY_FILE}:(?P<line>\d+): in (?P<message>test\w*)$"),
            # pytest-cov's `--cov-fail-under`: the tests passed, the coverage did not.
            Key(r"^(?P<message>FAIL Required test coverage of .*)$"),
            Key(r"^E\s+(?P<message>(?:ModuleNotFound|Import|Syntax|Name|Attribute|Indentation)Error: .*)$"),
        ),
    ),
    Rule(
        "unittest",
        "test",
        ((r"^(?:FAIL|ERROR): \w+ \(", 3), (r"^FAILED \((?:failures|errors)=\d+", 3), (r"^Ran \d+ tests? in ", 1)),
        (
            Key(r'^\s*File "(?P<file>(?=[^"]*test)[^"]*\.py)", line (?P<line>\d+), in (?P<message>test\w*)'),
            Key(r"^(?P<message>(?:FAIL|ERROR): \w+ \(.*)$"),
        ),
    ),
    Rule(
        "ruff",
        "lint",
        (
            run("ruff check"),
            (r"^Found \d+ errors?\.$", 2),
            (r"^\[\*\] \d+ fixable with", 2),
            (r"^[A-Z]{1,4}\d{3,4} (?:\[\*\] )?\S", 2),
        ),
        (ARROW, Key(rf"^{PY_FILE}:(?P<line>\d+):\d+: (?P<message>[A-Z]{{1,4}}\d{{3,4}} .*)$")),
    ),
    Rule(
        "flake8",
        "lint",
        (run("flake8"), (r"^[\w./-]+\.py:\d+:\d+: [EFWCNB]\d{3} ", 3)),
        (Key(rf"^{PY_FILE}:(?P<line>\d+):\d+: (?P<message>[A-Z]+\d+ .*)$"),),
    ),
    Rule(
        "pylint",
        "lint",
        (
            run("pylint"),
            (r"^\*{13} Module ", 3),
            (r"Your code has been rated at", 3),
            (r"^[\w./-]+\.py:\d+:\d+: [CRWEF]\d{4}: ", 2),
        ),
        (Key(rf"^{PY_FILE}:(?P<line>\d+):\d+: (?P<message>[CRWEF]\d{{4}}: .*)$"),),
    ),
    Rule(
        "bandit",
        "lint",
        (run("bandit"), (r"^>> Issue: \[B\d{3}:", 4), (r"^Run started:", 1)),
        (Key(r"^\s+Location: (?P<file>[\w./-]+\.py):(?P<line>\d+)"), Key(r"^>> Issue: (?P<message>.*)$")),
    ),
    Rule(
        "interrogate",
        "lint",
        (run("interrogate"), (r"RESULT: FAILED \(minimum: ", 4)),
        (Key(r"(?P<message>RESULT: FAILED \(minimum: [^)]{0,100}\))"),),
    ),
    Rule(
        "black",
        "format",
        (run("black"), (r"^would reformat ", 3), (r"^Oh no! ", 2), (rf"{NUMBER} files? would be reformatted\.$", 2)),
        (Key(r"^would reformat (?P<file>\S+)$"),),
    ),
    Rule(
        "ruff format",
        "format",
        (
            run("ruff format"),
            (r"^Would reformat: ", 3),
            (r"File would be reformatted$", 3),
            (r"^\d+ files? would be reformatted$", 2),
        ),
        (Key(r"^Would reformat: (?P<file>\S+)$"), ARROW),
    ),
    Rule(
        "prettier",
        "format",
        (run("prettier"), (r"^\[warn\] Code style issues (?:found|in)", 4), (r"^Checking formatting\.\.\.$", 1)),
        (Key(r"^\[warn\] (?P<file>(?!Code style issues)\S+)$"),),
    ),
    Rule(
        "mypy",
        "type_check",
        (run("mypy"), (r"^Found \d+ errors? in \d+ files? \(checked", 4), (r"^[\w./-]+\.pyi?:\d+: error: ", 3)),
        (Key(rf"^{PY_FILE}:(?P<line>\d+)(?::\d+)?: error: (?P<message>.*)$"),),
    ),
    Rule(
        "pyright",
        "type_check",
        (run("pyright"), (r"^\d+ errors?, \d+ warnings?, \d+ (?:informations?|notes?)", 4), (r" - error: ", 2)),
        (Key(r"^\s*(?P<file>/?[\w./-]+\.pyi?):(?P<line>\d+):\d+ - error: (?P<message>.*)$"),),
    ),
    Rule(
        "tsc",
        "type_check",
        (run("tsc"), (r"error TS\d+:", 4)),
        (
            Key(r"^(?P<file>[\w./-]+\.[cm]?tsx?)\((?P<line>\d+),\d+\): error (?P<message>TS\d+: .*)$"),
            Key(r"^(?P<file>[\w./-]+\.[cm]?tsx?):(?P<line>\d+):\d+ - error (?P<message>TS\d+: .*)$"),
        ),
    ),
    Rule(
        "eslint",
        "lint",
        (
            run("eslint"),
            (r"^✖ \d+ problems? \(\d+ errors?", 4),
            (r"^\s+\d+:\d+\s+error\s+", 2),
            (r"\[Error/[\w/@-]+\]$", 3),
        ),
        (
            Key(r"^\s+(?P<line>\d+):\d+\s+error\s+(?P<message>.*)$"),
            # `--format unix`: `file:line:col: message [Error/rule]`.
            Key(rf"^{JS_FILE}:(?P<line>\d+):\d+: (?P<message>.*\[Error/[\w/@-]+\])$"),
        ),
        file_header=r"^(?P<file>/?[\w./@-]+\.(?:[cm]?[jt]sx?|vue|svelte))$",
    ),
    Rule(
        "jest",
        "test",
        (
            run("jest|vitest", 1),
            (r"^FAIL (?:\./)?\S+\.(?:test|spec)\.[cm]?[jt]sx?$", 4),
            (r"^Tests:\s+\d+ failed", 4),
            (r"^Test Suites: \d+ failed", 2),
        ),
        (JS_TEST_FRAME, Key(r"^\s+● (?P<message>.+)$")),
    ),
    Rule(
        "mocha",
        "test",
        (run("mocha", 1), (r"^\s+\d+ failing$", 4), (r"^\s+\d+ passing \(\d+m?s\)$", 1)),
        (JS_TEST_FRAME, Key(r"^\s+\d+\) (?P<message>\S.*)$")),
    ),
    Rule(
        "go test",
        "test",
        (run("go test"), (r"^--- FAIL: ", 4), (r"^FAIL\t", 2)),
        (
            Key(r"^\s+(?P<file>[\w./-]+_test\.go):(?P<line>\d+): (?P<message>.*)$"),
            Key(r"^(?P<message>--- FAIL: .*)$"),
        ),
    ),
    Rule(
        "go test timeout",
        "timeout",
        ((r"^panic: test timed out after ", 8),),
        (Key(r"^(?P<message>panic: test timed out after .*)$"), Key(r"^\s+(?P<file>/[\w./-]+_test\.go):(?P<line>\d+)")),
    ),
    Rule(
        "go vet", "lint", (run("go vet"), (r"^# [\w./-]+$", 1), (r"^(?:\./)?[\w./-]+\.go:\d+:\d+: ", 1)), (GO_LOCATION,)
    ),
    Rule(
        "go build",
        "build",
        (run("go (?:build|install)"), (r"^# [\w./-]+$", 1), (r"^(?:\./)?[\w./-]+\.go:\d+:\d+: ", 1)),
        (GO_LOCATION,),
    ),
    Rule(
        "cargo build",
        "build",
        ((r"^error(?:\[E\d+\])?: ", 2), (r"^error: could not compile `", 3), (r"^\s+Compiling \S+ v", 1)),
        (ARROW,),
    ),
    Rule(
        "cargo clippy",
        "lint",
        (run("cargo clippy", 4), (r"^\s+Checking \S+ v", 2), (r"rust-clippy", 3), (r"#\[deny\(clippy::", 3)),
        (ARROW,),
    ),
    Rule(
        "rustfmt",
        "format",
        (run("cargo fmt"), (r"^Diff in \S+\.rs(?::\d+:| at line \d+:)$", 4)),
        (Key(r"^Diff in (?P<file>\S+\.rs)(?: at line |:)(?P<line>\d+):$"),),
    ),
    Rule(
        "cargo dependencies",
        "dependency",
        (
            (r"^error: failed to get `[\w-]+` as a dependency of package", 6),
            (r"^error: no matching package named `", 6),
            (r"^error: failed to select a version for", 5),
        ),
        (Key(r"^error: (?P<message>(?:failed to get|no matching package named|failed to select a version).*)$"),),
    ),
    Rule(
        "cargo test",
        "test",
        ((r"^test result: FAILED\.", 4), (r"^---- \S+ stdout ----$", 2), (r"panicked at ", 2)),
        (Key(r"panicked at (?P<file>[\w./-]+\.rs):(?P<line>\d+):\d+:?$"),),
    ),
    Rule(
        "C/C++ compiler",
        "build",
        (
            (r"^[\w./-]+\.(?:c|cc|cpp|cxx|h|hpp):\d+:\d+: (?:fatal )?error: ", 4),
            (r"compilation terminated\.", 2),
            (r"collect2: error: ld returned", 4),
            (r"^make(?:\[\d+\])?: \*\*\* ", 1),
            (r"^make(?:\[\d+\])?: \*\*\* No rule to make target ", 3),
        ),
        (
            Key(r"^(?P<file>[\w./-]+\.(?:c|cc|cpp|cxx|h|hpp)):(?P<line>\d+):\d+: (?P<message>(?:fatal )?error: .*)$"),
            Key(r"undefined reference to "),
            Key(r"^make(?:\[\d+\])?: \*\*\* (?P<message>No rule to make target .*)$"),
        ),
    ),
    Rule(
        "npm",
        "dependency",
        (
            (r"^npm (?:ERR!|error) code (?:ERESOLVE|ETARGET|E404|ENOVERSIONS|EBADENGINE)", 6),
            (r"ERESOLVE (?:unable to resolve|could not resolve)", 3),
            (r"Could not resolve dependency", 2),
            (r"^npm (?:ERR!|error) The `npm ci` command can only install with an existing package-lock", 6),
            (r"^npm (?:ERR!|error) `npm ci` can only install packages when your package\.json and", 6),
            (r"^npm (?:ERR!|error) notarget No matching version found for ", 3),
        ),
        (
            Key(r"^npm (?:ERR!|error) (?P<message>(?:code \S+|ERESOLVE .*|Could not resolve dependency:.*|peer .*))$"),
            Key(
                r"^npm (?:ERR!|error) (?:notarget |404 +)"
                r"(?P<message>(?:No matching version|The requested resource|Not Found).*)$"
            ),
            Key(r"^npm (?:ERR!|error) (?P<message>(?:The )?`npm ci`(?: command)? can only install .*)$"),
        ),
    ),
    Rule(
        "yarn",
        "dependency",
        (
            (r"^error Couldn't find any versions for", 6),
            (r"^error .*(?:Couldn't find package|Unable to resolve|Incorrect peer dependency)", 4),
            (followed("YN0082: ", "No candidates found"), 6),
            (followed("YN0001: ", "resolution|Couldn't find"), 4),
            (followed("YN0000: ", "Failed with errors in "), 1),
            run("yarn", 1),
        ),
        (
            Key(r"^(?P<message>error (?:Couldn't find|Unable to resolve|Incorrect peer dependency).*)$"),
            Key(r"(?P<message>YN00(?:01|82): .*)$"),
        ),
    ),
    Rule(
        "pnpm",
        "dependency",
        (
            (r"ERR_PNPM_(?:OUTDATED_LOCKFILE|PEER_DEP_ISSUES|NO_MATCHING_VERSION|FETCH_404)", 6),
            (r"✕ unmet peer ", 2),
            (r"No matching version found for \S", 2),
            run("pnpm", 1),
        ),
        (
            # pnpm 8-10 print ` ERR_PNPM_X  message`, pnpm 11+ `[ERR_PNPM_X] message` or `Error: ERR_PNPM_X`.
            Key(r"^\s*(?:Error: |\[)?ERR_PNPM_\w+"),
            Key(r"(?P<message>✕ unmet peer .*)$"),
            Key(r"(?P<message>No matching version found for \S+)"),
        ),
    ),
    Rule(
        "pip",
        "dependency",
        (
            (r"^ERROR: ResolutionImpossible", 6),
            (r"^ERROR: Cannot install .* conflicting dependencies", 4),
            (r"^ERROR: No matching distribution found for ", 4),
            (r"^ERROR: Could not find a version that satisfies the requirement", 3),
            (r"^error: (?:subprocess-exited-with-error|metadata-generation-failed)$", 4),
            (r"^ERROR: Failed (?:to build|building wheel for) ", 3),
        ),
        (
            Key(
                r"^(?P<message>ERROR: (?:ResolutionImpossible|Cannot install|No matching distribution found"
                r"|Could not find a version|Failed to build|Failed building wheel).{0,200})"
            ),
            # What the failing build printed last: its exception.
            Key(r"^\s+(?P<message>[A-Z]\w*(?:Error|Exception): \S.{0,200})"),
        ),
    ),
    Rule(
        "maven",
        "build",
        (
            (r"\[ERROR\] COMPILATION ERROR", 5),
            (followed(r"\[ERROR\] Failed to execute goal ", "maven-compiler-plugin"), 3),
        ),
        (Key(r"^\[ERROR\] (?P<file>/?[\w./-]+\.java):\[(?P<line>\d+),\d+\] (?P<message>.*)$"),),
    ),
    Rule(
        "maven dependencies",
        "dependency",
        ((r"Could not resolve dependencies for project", 6), (r"Could not find artifact ", 3)),
        (Key(r"^\[ERROR\] (?P<message>Failed to execute goal .*Could not resolve dependencies.{0,200})"),),
    ),
    Rule(
        "maven/gradle tests",
        "test",
        (
            (r"\[ERROR\] Tests run: \d+, Failures: \d+", 4),
            (r"There are test failures", 3),
            (r"There were failing tests", 4),
            (r"^\S+ > \S+ FAILED$", 3),
        ),
        (
            Key(r"^\[ERROR\]\s+(?P<message>\S+:\d+ .*)$"),
            Key(r"^(?P<message>\S+ > \S+ FAILED)$"),
            # The failing test's own frame in the stack trace (JUnit names the file and line).
            Key(r"^\s+at [\w.$]+\((?P<file>(?=\w*Test)\w+\.java):(?P<line>\d+)\)$"),
        ),
    ),
    Rule(
        "gradle/javac",
        "build",
        (
            (r"^> Task :(?=\S*compile)\S* FAILED", 4),
            (r"^[\w./-]+\.java:\d+: error: ", 4),
            (r"^e: ", 1),
            run("javac"),
        ),
        (
            Key(r"^(?P<file>/?[\w./-]+\.java):(?P<line>\d+): (?P<message>error: .*)$"),
            Key(r"^e: (?:file://)?(?P<file>/?[\w./-]+\.kts?):(?P<line>\d+):\d+ (?P<message>.*)$"),
        ),
    ),
    Rule(
        "runner time limit",
        "timeout",
        ((r"has exceeded the maximum execution time of", 8), (r"^##\[error\]The action .* has timed out after", 8)),
        (Key(r"^##\[error\](?P<message>.*(?:exceeded the maximum execution time|has timed out after).*)$"),),
        transient=True,
    ),
    Rule(
        "cancellation",
        "timeout",
        ((r"^##\[error\]The operation was canceled\.$", 5),),
        (Key(r"^##\[error\](?P<message>The operation was canceled\.)$"),),
        transient=True,
    ),
    Rule(
        "runner",
        "infrastructure",
        (
            (r"The runner has received a shutdown signal", 8),
            (r"lost communication with the server", 8),
            (r"No space left on device|\bENOSPC\b|Disk quota exceeded", 6),
            (r"^##\[error\]The hosted runner encountered an error while running your job", 8),
        ),
        (
            Key(
                r"received a shutdown signal|lost communication with the server|The hosted runner encountered an error"
                r"|No space left|ENOSPC|Disk quota exceeded"
            ),
        ),
        transient=True,
    ),
    Rule(
        "OOM kill",
        "infrastructure",
        (
            (r"^\S+: line \d+: +\d+ Killed ", 6),
            (r"Process completed with exit code 137\.", 3),
            (r"OOMKilled|Out of memory: Killed process|JavaScript heap out of memory", 6),
            (r"^MemoryError\b|Cannot allocate memory|std::bad_alloc|Killed signal terminated program", 6),
        ),
        (
            Key(
                rf"{NUMBER} Killed |OOMKilled|Out of memory|heap out of memory|^MemoryError|Cannot allocate memory"
                r"|std::bad_alloc|Killed signal terminated program"
            ),
        ),
    ),
    Rule(
        "network",
        "infrastructure",
        (
            (r"Could not resolve host|Temporary failure in name resolution", 6),
            (r"Failed to establish a new connection", 5),
            (rf"{NETWORK_ERRORS}", 4),
            (r"WARNING: Retrying \(Retry\(", 2),
            (r"Could not transfer artifact \S+ from/to ", 2),
        ),
        (
            # Maven's one-line error is too long to quote whole: keep the artifact and the repository.
            Key(followed(r"(?P<message>Could not transfer artifact \S+ from/to \S+ \(\S+\))", NETWORK_ERRORS)),
            Key(NETWORK_ERRORS),
        ),
        transient=True,
    ),
)
