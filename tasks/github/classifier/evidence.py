r"""Evidence that names no tool: generic output shapes, the failing step's command, its exit code.

The tool rules of `patterns.py` are tried first; these catch the tools and versions they
were not written for. `GENERIC_RULES` score like tool rules, with lower weights, so a
tool's own rule wins where it matches. `STEP_COMMANDS` and `EXIT_CODES` are the last
resort: a log nothing else explains gets the category its step's command points to, with
low confidence. The linear-time rules at the top of `patterns.py` hold here too.
"""

from __future__ import annotations

from tasks.github.classifier.patterns import NUMBER, Category, Key, Rule

#: A step whose command installs packages fails as a dependency failure, whatever the installer printed
#: (a build of an sdist, a lockfile out of date), unless the runner, the network or a time limit failed it.
INSTALL_COMMAND = (
    r"(?:^|[\s;&|(])(?:(?:python3? -m |uv )?pip3? (?:install|download)|poetry (?:install|lock|update)"
    r"|pipenv (?:install|sync)|conda (?:install|env create)|mamba install|uv sync"
    r"|npm (?:ci|install|i)|yarn install|pnpm (?:install|i)|bun install|cargo fetch|go mod download"
    r"|bundle install|composer install|apt-get install|apt install|gem install)(?:\s|$)"
)

#: What a step's command says its failure is, tried in order on the command (the step's last line).
STEP_COMMANDS: tuple[tuple[str, Category], ...] = (
    (INSTALL_COMMAND, "dependency"),
    (
        r"\b(?:ruff format|black|isort|prettier|gofmt|rustfmt|cargo fmt|clang-format|yapf|autopep8|docformatter|shfmt"
        r"|taplo fmt|biome format|dprint (?:check|fmt))\b",
        "format",
    ),
    (r"\b(?:mypy|pyright|tsc|pytype|vue-tsc|flow)\b", "type_check"),
    (
        r"\b(?:pytest|py\.test|unittest|tox|nox|jest|vitest|mocha|ava|go test|cargo test|cargo nextest|ctest"
        r"|rspec|phpunit|npm (?:run )?test|yarn test|pnpm test|mvn (?:\S+ )?(?:test|verify)|gradlew? test"
        r"|make (?:test|check))\b",
        "test",
    ),
    (
        r"\b(?:ruff(?: check)?|flake8|pylint|pyflakes|pycodestyle|eslint|stylelint|shellcheck|hadolint|golangci-lint"
        r"|go vet|cargo clippy|rubocop|yamllint|markdownlint|bandit|codespell|pydocstyle|vulture|semgrep|actionlint"
        r"|typos|cspell|biome (?:check|lint)|autoflake|interrogate|pyupgrade|refurb|pydoclint|darglint|lint)\b",
        "lint",
    ),
    (
        r"\b(?:make|cmake|ninja|gcc|g\+\+|clang|cargo build|go build|mvn|gradlew?|javac|webpack|vite build"
        r"|npm run build|yarn build|pnpm build|docker build|python -m build|setup\.py build|meson|bazel)\b",
        "build",
    ),
)

#: Exit codes that name their cause whatever the command: SIGKILL (the OOM killer's), GNU timeout's own.
EXIT_CODES: dict[int, Category] = {137: "infrastructure", 124: "timeout"}

COMPILER_LOCATION = r"^(?P<file>/?[\w./-]+\.\w+):(?P<line>\d+):(?:\d+:)? (?:fatal )?error:? "

GENERIC_RULES: tuple[Rule, ...] = (
    Rule(
        "compiler-style errors",
        "build",
        ((COMPILER_LOCATION, 2.5), (r"^error(?:\[\w+\])?: ", 1)),
        (Key(COMPILER_LOCATION + r"(?P<message>.*)$"),),
    ),
    Rule(
        "test-runner summary",
        "test",
        (
            (rf"(?:^|[\s,(]){NUMBER} (?:failed|failing|failures?)\b", 3),
            (rf"^not ok {NUMBER}", 3),
            (r"^\s*(?:✕|✗) \S", 1),
        ),
        (Key(r"^\s*(?P<message>(?:not ok|✕|✗) \S.*)$"),),
    ),
    Rule(
        "resolver",
        "dependency",
        (
            (r"[Nn]o matching (?:version|distribution|package)s? (?:found|for)", 4),
            (r"[Cc]ould not resolve (?:dependenc|peer|package)", 4),
            (r"version solving failed|failed to select a version|conflicting dependencies|\bunsatisfiable\b", 4),
            (r"[Ll]ock ?file (?:is )?(?:out of date|needs to be updated|not up to date)", 4),
            (r"Unable to locate package \S", 4),
        ),
        (
            Key(
                r"(?P<message>(?:[Nn]o matching (?:version|distribution|package)|[Cc]ould not resolve|version solving"
                r"|failed to select a version|Unable to locate package|[Ll]ock ?file).{0,200})"
            ),
        ),
    ),
    Rule(
        "time limit",
        "timeout",
        (
            (r"Timeout \(>[\d.]+s\)|^\+{5,} Timeout \+{5,}$", 8),
            (r"Exceeded timeout of \d+ ?ms|[Tt]imed out after \d+ ?(?:ms|s|seconds|minutes|m)\b", 6),
            (r"[Tt]ime limit exceeded|[Dd]eadline exceeded|^##\[error\]The job was canceled", 6),
        ),
        (
            Key(
                r"^\+{5,} Timeout \+{5,}$"
                r"|(?P<message>(?:Failed: )?Timeout \(>.{0,200}|Exceeded timeout of .{0,200}"
                r"|[Tt]imed out after .{0,200}|[Tt]ime limit exceeded.{0,200}|[Dd]eadline exceeded.{0,200})"
            ),
        ),
    ),
)

#: A line naming the file of the GENERIC_KEYS that follow it (yamllint's, eslint's stylish format).
GENERIC_FILE_HEADER = r"^(?P<file>/?[\w./-]+\.\w+)$"

#: Lines worth quoting when no rule picked any: what most tools print for their error.
GENERIC_KEYS: tuple[Key, ...] = (
    Key(COMPILER_LOCATION + r"(?P<message>.*)$"),
    # Most linters: `file:line[:col][:] message`.
    Key(r"^(?P<file>[\w./-]+\.\w+):(?P<line>\d+)(?::\d+)?:? (?P<message>\S.*)$"),
    # Under a file header (GENERIC_FILE_HEADER): `  line:col  level  message`.
    Key(r"^\s+(?P<line>\d+):\d+\s+(?P<message>(?:error|warning)\s.*)$"),
    # make's own complaint (a recipe's missing program), not its `*** [target] Error N` echo.
    Key(r"^make(?:\[\d+\])?: (?!\*\*\* |Entering directory|Leaving directory|Nothing to be done)(?P<message>.+)$"),
    # `file: message` (autoflake, docformatter), and a file named alone (formatters' `--check`, `-l`).
    Key(r"^(?P<file>[\w./-]+\.\w+): (?!No issues)(?P<message>\S.*)$"),
    Key(r"^(?P<file>[\w./-]+\.\w+)$"),
    Key(r"^(?:ERROR|FATAL|[Ee]rror|[Ff]atal)(?:\[\w+\])?: \S"),
    Key(r"^\s*(?P<message>(?:[A-Z]\w*)?(?:Error|Exception): \S.*)$"),
)
