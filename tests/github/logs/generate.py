"""Make the classifier's test logs by running real tools on small failing projects.

How the logs were made (re-run to regenerate; the output is committed):

    python3.11 -m venv /tmp/ghlogs/venv
    /tmp/ghlogs/venv/bin/pip install ruff flake8 pylint black mypy pytest
    (cd /tmp/ghlogs/npmtools && npm init -y && npm install eslint prettier typescript pyright yarn@1 pnpm)
    (cd /tmp/ghlogs/yarnberry && npm init -y && npm install @yarnpkg/cli-dist)   # Yarn 4 ("berry")
    cp -r ~/.m2/repository /tmp/ghlogs/m2   # a Maven cache holding the plugins, see below
    # cargo (with clippy), gcc, go, git, Maven and a JDK (javac) from the system
    TOOLS_VENV=/tmp/ghlogs/venv NODE_TOOLS=/tmp/ghlogs/npmtools/node_modules/.bin \
        YARN_BERRY=/tmp/ghlogs/yarnberry/node_modules/.bin MAVEN_REPO=/tmp/ghlogs/m2 \
        python tests/github/logs/generate.py [name ...]   # only the logs named; the manifest in full

Each case writes a tiny project into a temporary folder, runs the tool there and
keeps its real output (stdout and stderr, interleaved as the runner shows them).
The temporary folder's path is replaced by the runner's workspace path, and the
output is wrapped the way GitHub Actions shows a job log: timestamped lines, the
runner's set-up groups, `##[group]Run <command>` ... `##[endgroup]`, the output,
`##[error]Process completed with exit code N.`, then the post-job clean-up.

Failures that come from the runner itself (a job past its time limit, a
cancellation, a runner shutdown, a lost runner) cannot be caused by a tool here;
their lines are the runner's own messages, copied in the shape the runner prints
them. OOM kills and network failures are real: a process killed with SIGKILL (what
the kernel's OOM killer sends) under bash, and real tools failing to reach a closed
port or an unresolvable host.

Maven Central is not reachable from the machine the logs were made on, so Maven
runs offline (`-o`) on a copy of a local repository that already holds the
plugins it needs (resources 3.3.1, compiler 3.13.0, surefire 3.2.5 and JUnit 5,
pinned in the POM): the compile error and the failing test are Maven's real output.
A missing artifact is a real resolution failure against a mirror (a `file://` folder
in the project, set in `.mvn/settings.xml`) that lacks it, with the plugins still
taken from that local repository. Maven with an empty local repository and no `-o`
fails fetching its first plugin because Central's host cannot be resolved: that
real output is kept as a network failure (`infrastructure`, worth a re-run), the
way a CI job with a DNS or proxy outage fails. Yarn and pnpm resolve against the npm registry, which is reachable:
their failures are real resolution errors (a version that does not exist, and a
conflicting peer dependency under pnpm's `strictPeerDependencies`). Gradle is not
installed here and has no log.

`manifest.json` records, per log, the expected category and the key lines the
classifier should find: the file and line each seeded error was put at, or a
message fragment when the tool gives no location.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).parent
WORKSPACE = "/home/runner/work/widgets/widgets"
VENV = Path(os.environ.get("TOOLS_VENV", "/tmp/ghlogs/venv"))
NODE_BIN = Path(os.environ.get("NODE_TOOLS", "/tmp/ghlogs/npmtools/node_modules/.bin"))
YARN_BERRY = Path(os.environ.get("YARN_BERRY", "/tmp/ghlogs/yarnberry/node_modules/.bin"))
MAVEN_REPO = Path(os.environ.get("MAVEN_REPO", "/tmp/ghlogs/m2"))

Expected = dict[str, str | int]


@dataclass
class Case:
    name: str
    category: str
    #: Shell commands of the failing step, run in the project folder; their output is the log.
    commands: list[str]
    files: dict[str, str] = field(default_factory=dict)
    expected: list[Expected] = field(default_factory=list)
    #: Steps that pass before the failing one: (command, files are shared).
    passing: list[str] = field(default_factory=list)
    #: Lines the runner itself prints after the step (timeouts, cancellations, shutdowns).
    runner_lines: list[str] = field(default_factory=list)
    #: Extra environment of the failing step; `{project}` stands for the project folder.
    env: dict[str, str] = field(default_factory=dict)


PY_LINT = "import os\n\n\ndef total(x):\n    return undefined_name + x\n"
PY_UNFORMATTED = "def f( a,b ):\n  return {'a':a,\n   'b':b}\n"
PY_TYPED = "def count(items: list[str]) -> int:\n    return len(items)\n\n\ndef label() -> int:\n    return 'x'\n"
CALC = "def add(a, b):\n    return a + b + 1\n"
TEST_CALC = (
    "from calc import add\n\n\ndef test_add_small():\n    assert add(1, 1) == 2\n\n\n"
    "def test_zero():\n    assert add(0, 0) == 0\n"
)
TEST_UNITTEST = (
    "import unittest\n\n\nclass StringTests(unittest.TestCase):\n    def test_upper(self):\n"
    "        word = 'abc'\n        self.assertEqual(word.upper(), 'ABD')\n\n\n"
    "if __name__ == '__main__':\n    unittest.main()\n"
)
GO_MOD = "module example.com/calc\n\ngo 1.19\n"
GO_CALC = "package calc\n\nfunc Add(a, b int) int {\n\treturn a + b + 1\n}\n"
GO_TEST = (
    'package calc\n\nimport "testing"\n\nfunc TestAdd(t *testing.T) {\n\tif got := Add(2, 2); got != 4 {\n'
    '\t\tt.Errorf("Add(2, 2) = %d, want 4", got)\n\t}\n}\n'
)
GO_VET = 'package main\n\nimport "fmt"\n\nfunc main() {\n\tname := "x"\n\tfmt.Printf("%d\\n", name)\n}\n'
GO_SLOW_TEST = (
    'package calc\n\nimport (\n\t"testing"\n\t"time"\n)\n\nfunc TestSlow(t *testing.T) {\n'
    "\ttime.Sleep(5 * time.Second)\n}\n"
)
CARGO_TOML = '[package]\nname = "widgets"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n'
RUST_BUILD = 'fn main() {\n    let count: i32 = "three";\n    println!("{count}");\n}\n'
RUST_LIB = (
    "pub fn double(x: i32) -> i32 {\n    x * 2 + 1\n}\n\n#[cfg(test)]\nmod tests {\n    use super::*;\n\n"
    "    #[test]\n    fn doubles() {\n        assert_eq!(double(2), 4);\n    }\n}\n"
)
RUST_CLIPPY = 'fn main() {\n    let x = 5;\n    if x == x {\n        println!("same");\n    }\n}\n'
C_BUILD = '#include <stdio.h>\n\nint main(void) {\n    printf("%d\\n", missing);\n    return 0;\n}\n'
TS_CODE = "const total: number = 1;\nexport function label(): number {\n  return 'x';\n}\nexport { total };\n"
TS_CONFIG = '{"compilerOptions": {"strict": true, "noEmit": true}, "include": ["src"]}\n'
ESLINT_CONFIG = 'export default [{ files: ["**/*.js"], rules: { "no-unused-vars": "error", "no-undef": "error" } }];\n'
JS_CODE = "const unused = 1;\nexport function run() {\n  return missingThing + 1;\n}\n"
JS_UNFORMATTED = "export   const  a = {b:1,\n  c:2}\n"
PACKAGE_JSON = '{"name": "widgets", "version": "1.0.0", "type": "module"}\n'
ERESOLVE_PACKAGE = (
    '{"name": "widgets", "version": "1.0.0", "dependencies": {"react": "17.0.2", "react-dom": "18.2.0"}}\n'
)
MISSING_VERSION_PACKAGE = (
    '{"name": "widgets", "version": "1.0.0", "dependencies": {"left-pad": "1.3.0", "react": "99.0.0"}}\n'
)
BERRY_PACKAGE = (
    '{"name": "widgets", "version": "1.0.0", "packageManager": "yarn@4.18.1", "dependencies": {"react": "99.0.0"}}\n'
)
PLUGIN = (
    "<plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-{}-plugin</artifactId>"
    "<version>{}</version></plugin>"
)
POM = f"""<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.acme</groupId>
  <artifactId>widgets</artifactId>
  <version>1.0.0</version>
  <properties>
    <maven.compiler.release>17</maven.compiler.release>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
  </properties>
  <dependencies>
    <dependency><groupId>org.junit.jupiter</groupId><artifactId>junit-jupiter</artifactId><version>5.11.4</version><scope>test</scope></dependency>
  </dependencies>
  <build><pluginManagement><plugins>
    {PLUGIN.format("resources", "3.3.1")}
    {PLUGIN.format("compiler", "3.13.0")}
    {PLUGIN.format("surefire", "3.2.5")}
  </plugins></pluginManagement></build>
</project>
"""
JAVA_APP = (
    "package com.acme;\n\npublic class App {\n    public static void main(String[] args) {\n"
    '        int count = "three";\n        System.out.println(count);\n    }\n}\n'
)
JAVA_CALC = (
    "package com.acme;\n\npublic class Calc {\n    public static int add(int a, int b) {\n"
    "        return a + b + 1;\n    }\n}\n"
)
JAVA_TEST = (
    "package com.acme;\n\nimport static org.junit.jupiter.api.Assertions.assertEquals;\n\n"
    "import org.junit.jupiter.api.Test;\n\nclass CalcTest {\n    @Test\n    void addsSmallNumbers() {\n"
    "        assertEquals(4, Calc.add(2, 2));\n    }\n}\n"
)
#: A company mirror that lacks one of the project's artifacts (an empty folder in the project).
MIRROR_SETTINGS = (
    "<settings><mirrors><mirror><id>central</id><mirrorOf>*</mirrorOf>"
    "<url>file://${maven.multiModuleProjectDirectory}/.mvn/company-mirror</url></mirror></mirrors></settings>\n"
)
MISSING_ARTIFACT = (
    "<dependency><groupId>com.acme</groupId><artifactId>widget-core</artifactId><version>2.4.0</version></dependency>"
)
MAVEN_CACHE = {"MAVEN_OPTS": f"-Dmaven.repo.local={MAVEN_REPO}"}
CLOSED_PORT = "http://127.0.0.1:9/simple"
OOM_SCRIPT = (
    "import os, signal\nblocks = [bytearray(10_000_000) for _ in range(5)]\nos.kill(os.getpid(), signal.SIGKILL)\n"
)

TIMEOUT_LINES = [
    "##[error]The job running on runner GitHub Actions 17 has exceeded the maximum execution time of 10 minutes.",
    "##[error]The operation was canceled.",
]
CANCELLED_LINES = ["##[error]The operation was canceled."]
SHUTDOWN_LINES = [
    "##[error]The runner has received a shutdown signal. This can happen when the runner service is stopped, "
    "or a manually started runner is canceled.",
    "##[error]Process completed with exit code 143.",
]
LOST_LINES = [
    "##[error]The self-hosted runner: build-runner-04 lost communication with the server. Verify the machine is "
    "running and has a healthy network connection. Anything in your workflow that terminates the runner process, "
    "starves it for CPU/Memory, or blocks its network access can cause this error.",
]


def cases() -> list[Case]:
    py = f"{VENV}/bin"
    node = str(NODE_BIN)
    pkg = {"package.json": PACKAGE_JSON}
    app = "src/main/java/com/acme/App.java"
    calc = {"src/main/java/com/acme/Calc.java": JAVA_CALC, "src/test/java/com/acme/CalcTest.java": JAVA_TEST}
    return [
        Case("pytest", "test", [f"{py}/pytest"], {"calc.py": CALC, "test_calc.py": TEST_CALC},
             [{"file": "test_calc.py", "line": 5}, {"file": "test_calc.py", "line": 9}]),
        Case("pytest_after_lint", "test", [f"{py}/pytest -q"], {"calc.py": CALC, "test_calc.py": TEST_CALC},
             [{"file": "test_calc.py", "line": 5}, {"file": "test_calc.py", "line": 9}],
             passing=[f"{py}/ruff check calc.py"]),
        Case("unittest", "test", [f"{py}/python -m unittest -v"], {"test_strings.py": TEST_UNITTEST},
             [{"file": "test_strings.py", "line": 7}]),
        Case("ruff_check", "lint", [f"{py}/ruff check ."], {"app.py": PY_LINT},
             [{"file": "app.py", "line": 1}, {"file": "app.py", "line": 5}]),
        Case("ruff_check_concise", "lint", [f"{py}/ruff check --output-format=concise ."], {"app.py": PY_LINT},
             [{"file": "app.py", "line": 1}, {"file": "app.py", "line": 5}]),
        Case("flake8", "lint", [f"{py}/flake8 app.py"], {"app.py": PY_LINT},
             [{"file": "app.py", "line": 1}, {"file": "app.py", "line": 5}]),
        Case("pylint", "lint", [f"{py}/pylint app.py"], {"app.py": PY_LINT},
             [{"file": "app.py", "line": 1}, {"file": "app.py", "line": 5}]),
        Case("black", "format", [f"{py}/black --check ."], {"fmt.py": PY_UNFORMATTED}, [{"file": "fmt.py"}]),
        Case("ruff_format", "format", [f"{py}/ruff format --check ."], {"fmt.py": PY_UNFORMATTED},
             [{"file": "fmt.py"}]),
        Case("prettier", "format", [f"{node}/prettier --check src"], {**pkg, "src/index.js": JS_UNFORMATTED},
             [{"file": "src/index.js"}]),
        Case("mypy", "type_check", [f"{py}/mypy --strict typed.py"], {"typed.py": PY_TYPED},
             [{"file": "typed.py", "line": 6}]),
        Case("pyright", "type_check", [f"{node}/pyright typed.py"], {"typed.py": PY_TYPED},
             [{"file": "typed.py", "line": 6}]),
        Case("tsc", "type_check", [f"{node}/tsc -p ."], {"tsconfig.json": TS_CONFIG, "src/index.ts": TS_CODE},
             [{"file": "src/index.ts", "line": 3}]),
        Case("eslint", "lint", [f"{node}/eslint src"],
             {**pkg, "eslint.config.js": ESLINT_CONFIG, "src/app.js": JS_CODE},
             [{"file": "src/app.js", "line": 1}, {"file": "src/app.js", "line": 3}]),
        Case("go_test", "test", ["go test ./..."], {"go.mod": GO_MOD, "calc.go": GO_CALC, "calc_test.go": GO_TEST},
             [{"file": "calc_test.go", "line": 7}]),
        Case("go_vet", "lint", ["go vet ./..."], {"go.mod": GO_MOD.replace("calc", "vetme"), "main.go": GO_VET},
             [{"file": "main.go", "line": 7}]),
        Case("go_test_timeout", "timeout", ["go test -timeout 1s ./..."],
             {"go.mod": GO_MOD, "calc.go": GO_CALC, "slow_test.go": GO_SLOW_TEST},
             [{"text": "test timed out after 1s"}]),
        Case("cargo_build", "build", ["cargo build --color never"],
             {"Cargo.toml": CARGO_TOML, "src/main.rs": RUST_BUILD}, [{"file": "src/main.rs", "line": 2}]),
        Case("cargo_test", "test", ["cargo test --color never"],
             {"Cargo.toml": CARGO_TOML, "src/lib.rs": RUST_LIB}, [{"file": "src/lib.rs", "line": 11}]),
        Case("cargo_clippy", "lint", ["cargo clippy --color never -- -D warnings"],
             {"Cargo.toml": CARGO_TOML, "src/main.rs": RUST_CLIPPY}, [{"file": "src/main.rs", "line": 3}]),
        Case("gcc", "build", ["gcc -Wall -o main main.c"], {"main.c": C_BUILD}, [{"file": "main.c", "line": 4}]),
        Case("npm_eresolve", "dependency", ["npm install --no-audit --no-fund"], {"package.json": ERESOLVE_PACKAGE},
             [{"text": "ERESOLVE"}]),
        Case("yarn_no_version", "dependency", ["yarn install --non-interactive"],
             {"package.json": MISSING_VERSION_PACKAGE},
             [{"text": 'Couldn\'t find any versions for "react" that matches "99.0.0"'}]),
        Case("yarn_berry_no_version", "dependency", [f"{YARN_BERRY}/yarn install"],
             {"package.json": BERRY_PACKAGE, "yarn.lock": ""}, [{"text": "react@npm:99.0.0: No candidates found"}]),
        Case("pnpm_peer_conflict", "dependency", ["pnpm install"],
             {"package.json": ERESOLVE_PACKAGE, "pnpm-workspace.yaml": "strictPeerDependencies: true\n"},
             [{"text": "ERR_PNPM_PEER_DEP_ISSUES"}, {"text": "unmet peer react"}]),
        Case("pnpm_no_version", "dependency", ["pnpm install"], {"package.json": MISSING_VERSION_PACKAGE},
             [{"text": "ERR_PNPM_NO_MATCHING_VERSION"}, {"text": "No matching version found for react@99.0.0"}]),
        Case("maven_compile", "build", ["mvn -B -ntp -o compile"], {"pom.xml": POM, app: JAVA_APP},
             [{"file": app, "line": 5}], env=MAVEN_CACHE),
        Case("maven_dependency", "dependency", ["mvn -B -ntp compile"],
             {"pom.xml": POM.replace("<dependencies>", f"<dependencies>\n    {MISSING_ARTIFACT}"), app: JAVA_APP,
              ".mvn/maven.config": "-s .mvn/settings.xml\n", ".mvn/settings.xml": MIRROR_SETTINGS},
             [{"text": "Could not find artifact com.acme:widget-core:jar:2.4.0"}], env=MAVEN_CACHE),
        Case("maven_test", "test", ["mvn -B -ntp -o test"], {"pom.xml": POM, **calc},
             [{"file": "CalcTest.java", "line": 10}, {"text": "CalcTest.addsSmallNumbers:10"}], env=MAVEN_CACHE),
        Case("javac", "build", ["javac -d build src/App.java"],
             {"src/App.java": JAVA_APP.removeprefix("package com.acme;\n\n")}, [{"file": "src/App.java", "line": 3}]),
        Case("pip_resolution", "dependency", [f"{py}/pip install --dry-run 'pytest==8.3.3' 'pluggy<1.0'"], {},
             [{"text": "ResolutionImpossible"}]),
        Case("pip_no_version", "dependency", [f"{py}/pip install 'requests==0.0.1-does-not-exist'"], {},
             [{"text": "No matching distribution found"}]),
        Case("network_pip", "infrastructure",
             [f"{py}/pip install --isolated --no-cache-dir --retries 1 --timeout 2 --index-url {CLOSED_PORT} "
              "--target vendor requests"],
             {}, [{"text": "Connection refused"}]),
        Case("network_git", "infrastructure", ["git clone https://git.example.invalid/acme/widgets.git checkout"],
             {}, [{"text": "Could not resolve host"}]),
        Case("network_curl", "infrastructure", ["curl -sSf --max-time 5 https://downloads.example.invalid/tool.tgz"],
             {}, [{"text": "Could not resolve host"}]),
        Case("network_maven", "infrastructure", ["mvn -B -ntp compile"], {"pom.xml": POM, app: JAVA_APP},
             [{"text": "Could not transfer artifact org.apache.maven.plugins:maven-resources-plugin"}],
             env={"MAVEN_OPTS": "-Dmaven.repo.local={project}/.m2"}),
        Case("oom_killed", "infrastructure", [f"{py}/python train.py"], {"train.py": OOM_SCRIPT},
             [{"text": "Killed"}]),
        Case("job_timeout", "timeout", ["sleep 1 && echo 'still running the integration suite...'"], {},
             [{"text": "exceeded the maximum execution time"}], runner_lines=TIMEOUT_LINES),
        Case("cancelled", "timeout", ["echo 'Deploying preview...' && sleep 1"], {},
             [{"text": "The operation was canceled"}], runner_lines=CANCELLED_LINES),
        Case("runner_shutdown", "infrastructure", ["echo 'Building wheels...' && sleep 1"], {},
             [{"text": "received a shutdown signal"}], runner_lines=SHUTDOWN_LINES),
        Case("runner_lost", "infrastructure", ["echo 'Compiling...' && sleep 1"], {},
             [{"text": "lost communication with the server"}], runner_lines=LOST_LINES),
        Case("custom_script", "unknown", ["echo 'checking release notes' && echo 'release notes missing' && exit 3"],
             {}, []),
    ]  # fmt: skip


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 20, 9, 14, 2, tzinfo=UTC)

    def stamp(self, step_ms: int = 7) -> str:
        self.now += timedelta(milliseconds=step_ms)
        return self.now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{self.now.microsecond:06d}0Z"


def preamble() -> list[str]:
    return [
        "Current runner version: '2.321.0'",
        "##[group]Operating System",
        "Ubuntu",
        "22.04.5",
        "LTS",
        "##[endgroup]",
        "##[group]Runner Image",
        "Image: ubuntu-22.04",
        "Version: 20241117.1.0",
        "##[endgroup]",
        "##[group]GITHUB_TOKEN Permissions",
        "Contents: read",
        "Metadata: read",
        "##[endgroup]",
        "Secret source: Actions",
        "Prepare workflow directory",
        "Prepare all required actions",
        "Getting action download info",
        "Download action repository 'actions/checkout@v4' (SHA:11bd71901bbe5b1630ceea73d27597364c9af683)",
        "Complete job name: check",
        "##[group]Run actions/checkout@v4",
        "with:",
        "  repository: acme/widgets",
        "  fetch-depth: 1",
        "##[endgroup]",
        "Syncing repository: acme/widgets",
        "##[group]Getting Git version info",
        f"Working directory is '{WORKSPACE}'",
        "[command]/usr/bin/git version",
        "git version 2.47.0",
        "##[endgroup]",
        "HEAD is now at 3f2c1aa Merge 9d1e7b2 into 41c0f55",
    ]


def step(command: str, output: str) -> list[str]:
    lines = [f"##[group]Run {command}", command, "shell: /usr/bin/bash -e {0}", "##[endgroup]"]
    return lines + output.rstrip("\n").splitlines()


def run(command: str, folder: Path, extra: dict[str, str] | None = None) -> tuple[str, int]:
    env = {**os.environ, "NO_COLOR": "1", "TERM": "dumb", "CARGO_TERM_COLOR": "never", "GOFLAGS": "-mod=mod"}
    # Package managers' caches and stores go into the project folder, not the home directory.
    env |= {"YARN_CACHE_FOLDER": f"{folder}/.yarn-cache", "YARN_ENABLE_GLOBAL_CACHE": "false"}
    env |= {"YARN_ENABLE_TELEMETRY": "0", "pnpm_config_store_dir": f"{folder}/.pnpm-store"}
    env |= {name: value.format(project=folder) for name, value in (extra or {}).items()}
    env["PATH"] = f"{VENV}/bin:{NODE_BIN}:{env['PATH']}"
    # Like the runner: the step's script is a file run by `bash -e`, so bash reports a killed child.
    script = folder / "_temp" / "2f5c9a0e-step.sh"
    script.parent.mkdir(exist_ok=True)
    script.write_text(command + "\n")
    done = subprocess.run(
        ["bash", "-e", str(script)],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=600,
    )
    output = done.stdout.replace(str(script), "/home/runner/work/_temp/2f5c9a0e-step.sh")
    return output.replace(str(folder), WORKSPACE).replace(f"{VENV}/bin/", ""), done.returncode


def make(case: Case) -> str:
    with tempfile.TemporaryDirectory(prefix="ghlog-") as tmp:
        folder = Path(tmp)
        for name, text in case.files.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(text)
        lines = preamble()
        for command in case.passing:
            output, code = run(command, folder)
            assert code == 0, f"{case.name}: passing step failed:\n{output}"
            lines += step(command.replace(f"{VENV}/bin/", ""), output)
        code = 0
        for command in case.commands:
            output, code = run(command, folder, case.env)
            shown = command.replace(f"{VENV}/bin/", "").replace(f"{NODE_BIN}/", "npx ").replace(f"{YARN_BERRY}/", "")
            lines += step(shown, output)
        if case.runner_lines:
            lines += case.runner_lines
        else:
            assert code != 0, f"{case.name}: the tool did not fail:\n{output}"
            lines.append(f"##[error]Process completed with exit code {code}.")
    lines += [
        "Post job cleanup.",
        "[command]/usr/bin/git version",
        "git version 2.47.0",
        "Cleaning up orphan processes",
    ]
    clock = Clock()
    return "".join(f"{clock.stamp()} {line}\n" for line in lines)


def main(names: list[str]) -> None:
    """Write the logs named (all without names) and the whole manifest."""
    manifest = {}
    for case in cases():
        if not names or case.name in names:
            (HERE / f"{case.name}.log").write_text(make(case))
            print(f"{case.name}: written")
        manifest[case.name] = {"category": case.category, "expected": case.expected}
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
