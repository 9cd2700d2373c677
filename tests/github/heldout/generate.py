"""Make the classifier's evaluation logs: real runs of tools (and versions) its patterns were not written against.

How the logs were made (re-run to regenerate; the output is committed):

    python3.11 -m venv /tmp/ho/venv
    /tmp/ho/venv/bin/pip install ruff==0.4.10 black==23.12.1 mypy==1.8.0 pytest==7.4.4 pytest-timeout \
        pyflakes pycodestyle flake8==6.1.0 pylint==2.17.7 isort==5.13.2 \
        yamllint bandit codespell pydocstyle pytest-xdist hypothesis
    (cd /tmp/ho/node && npm init -y && npm install eslint@8.57.0 typescript@4.9.5 prettier@2.8.8 jest@29 mocha@10)
    # gcc, g++, make, cargo (with clippy and rustfmt), node 20 and npm 10 from the system
    HELDOUT_VENV=/tmp/ho/venv HELDOUT_NODE=/tmp/ho/node python tests/github/heldout/generate.py [name ...]

Each case writes a small broken project into a temporary folder and runs the failing
step's commands there under `bash -e`, as the runner does; the output is kept as
printed and wrapped the way GitHub Actions shows a job log (a runner and image other
than those of tests/github/logs, multi-line `run:` scripts, `env:` blocks). The few
runner-side failures (a hosted runner lost, a job cancelled) cannot be caused here:
their lines are copied in the shape the runner prints them, after a real step.

`manifest.json` records per log the category a person would give, the key lines a
person would quote (file and line of the seeded error, or a text fragment), and the
split: `tune` logs may be looked at while changing the classifier, `heldout` logs
only measured. In batch 1 the split is a hash of the name, fixed before any result was
seen. Batch 2 (other tools again: yamllint, bandit, codespell, pydocstyle, pytest-xdist,
doctest, hypothesis, mocha, node's test runner, ...) was made after the classifier had
been changed on batch 1's tune logs, measured once as held out (its figures are in
bench/results/2026-12-03-classifier-heldout.md), then used for tuning; so was batch 3
(vulture, interrogate, docformatter, autoflake, pytest-cov, jest time-outs, ...). Batch 4
was made after the classifier's last change and is held out whole.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.github.heldout.cases import CASES, Case

HERE = Path(__file__).parent
WORKSPACE = "/home/runner/work/shop/shop"
VENV = Path(os.environ.get("HELDOUT_VENV", "/tmp/ho/venv"))
NODE = Path(os.environ.get("HELDOUT_NODE", "/tmp/ho/node"))


def split(name: str, batch: int) -> str:
    """`tune` or `heldout`: by the name's hash in batch 1; batches 2 and 3 tune, batch 4 is held out whole."""
    if batch != 1:
        return "tune" if batch in (2, 3) else "heldout"
    return "tune" if hashlib.sha1(name.encode()).digest()[0] % 2 == 0 else "heldout"


def preamble() -> list[str]:
    return [
        "Current runner version: '2.320.0'",
        "##[group]Operating System",
        "Ubuntu",
        "24.04.1",
        "LTS",
        "##[endgroup]",
        "##[group]Runner Image",
        "Image: ubuntu-24.04",
        "Version: 20241020.1.0",
        "Included Software: https://github.com/actions/runner-images/blob/ubuntu24/20241020.1/images/ubuntu/Ubuntu2404-Readme.md",
        "##[endgroup]",
        "##[group]GITHUB_TOKEN Permissions",
        "Contents: read",
        "Metadata: read",
        "PullRequests: write",
        "##[endgroup]",
        "Secret source: Actions",
        "Prepare workflow directory",
        "Prepare all required actions",
        "Getting action download info",
        "Download action repository 'actions/checkout@v4' (SHA:11bd71901bbe5b1630ceea73d27597364c9af683)",
        "Download action repository 'actions/setup-python@v5' (SHA:0b93645e9fea7318ecaed2b359559ac225c90a2b)",
        "Complete job name: ci (3.12)",
        "##[group]Run actions/checkout@v4",
        "with:",
        "  repository: acme/shop",
        "  token: ***",
        "##[endgroup]",
        "Syncing repository: acme/shop",
        f"Working directory is '{WORKSPACE}'",
        "HEAD is now at 7be21c4 Merge a1f03de into 5c8e9b2",
        "##[group]Run actions/setup-python@v5",
        "with:",
        "  python-version: 3.12",
        "##[endgroup]",
        "Successfully set up CPython (3.12.7)",
    ]


def step(case: Case) -> list[str]:
    script = case.script.strip("\n").splitlines()
    lines = [f"##[group]Run {script[0]}", *script, "shell: /usr/bin/bash -e {0}"]
    if case.step_env:
        lines += ["env:", *(f"  {name}: {value}" for name, value in case.step_env.items())]
    return [*lines, "##[endgroup]"]


def execute(case: Case, folder: Path) -> tuple[str, int]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("PIP_")}
    # The machine's own pip configuration (local wheel folders) is not a runner's.
    env |= {"PIP_CONFIG_FILE": "/dev/null", "PIP_DISABLE_PIP_VERSION_CHECK": "1", "NO_COLOR": "1", "TERM": "dumb"}
    env |= {"CARGO_TERM_COLOR": "never", "npm_config_cache": f"{folder}/.npm", "CI": "true"}
    env |= {"CARGO_TARGET_DIR": f"{folder}/target", **case.step_env}
    env["PATH"] = f"{VENV}/bin:{NODE}/node_modules/.bin:{env['PATH']}"
    script = folder / "_temp" / "8c1d3e7f-step.sh"
    script.parent.mkdir(exist_ok=True)
    script.write_text(case.script)
    done = subprocess.run(
        ["bash", "-e", str(script)],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
        check=False,
    )
    output = done.stdout.replace(str(script), "/home/runner/work/_temp/8c1d3e7f-step.sh")
    for tools in (VENV, NODE):
        # Tracebacks name the tools' files relative to the project too.
        output = output.replace(os.path.relpath(tools, folder), str(tools))
    output = output.replace(str(folder), WORKSPACE).replace(str(NODE), WORKSPACE)
    for python in (str(VENV), sys.base_prefix):
        output = output.replace(python, "/opt/hostedtoolcache/Python/3.12.7/x64")
    return output, done.returncode


def make(case: Case) -> str:
    with tempfile.TemporaryDirectory(prefix="heldout-") as tmp:
        folder = Path(tmp)
        for name, text in case.files.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(text)
            if name.endswith(".sh"):
                (folder / name).chmod(0o755)
        if "npx " in case.script or "jest" in case.files.get("package.json", ""):
            # As after `npm ci` in an earlier step: the project's tools are installed.
            (folder / "node_modules").symlink_to(NODE / "node_modules")
        output, code = execute(case, folder)
    assert code != 0, f"{case.name}: the step did not fail:\n{output}"
    lines = [*preamble(), *step(case), *output.rstrip("\n").splitlines()]
    lines += case.runner_lines or [f"##[error]Process completed with exit code {code}."]
    lines += [
        "Post job cleanup.",
        "[command]/usr/bin/git version",
        "git version 2.46.2",
        "Cleaning up orphan processes",
    ]
    now = datetime(2026, 11, 28, 14, 2, 11, tzinfo=UTC)
    stamped = []
    for line in lines:
        now += timedelta(milliseconds=11)
        stamped.append(now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond:06d}0Z {line}\n")
    return "".join(stamped)


def main(names: list[str]) -> None:
    """Write the logs named (all without names) and the whole manifest."""
    manifest = {}
    for case in CASES:
        if not names or case.name in names:
            (HERE / f"{case.name}.log").write_text(make(case))
            print(f"{case.name}: written")
        manifest[case.name] = {
            "batch": case.batch,
            "category": case.category,
            "expected": case.expected,
            "split": split(case.name, case.batch),
        }
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
