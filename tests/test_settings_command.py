"""`celery -A tasks settings`: the effective settings with secrets masked; the README's reference is current."""

from __future__ import annotations

import json

from scripts.settings_reference import README, with_reference
from tasks.cli.settings import reference_markdown, variables
from tests.harness.cli import celery

SECRETS = {
    "TASKS_GITHUB__TOKEN": "ghp_0123456789abcdefMARKER",
    "TASKS_FLOWER__BASIC_AUTH": "admin:flower-pass-MARKER",
    "TASKS_BROKER_URL": "redis://:broker-pass-MARKER@127.0.0.1:6399/3",
    "TASKS_REPORTS__WEBHOOK_URL": "https://hooks.example.com/services/T000/B000/MARKERPATH",
}


def test_json_shows_the_effective_values_and_no_secret() -> None:
    done = celery("settings", "--json", env={**SECRETS, "TASKS_UPLOAD__MAX_PAGES": "17"})

    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["upload"]["max_pages"] == 17
    assert document["infra"]["enabled"] is False
    assert document["broker_url"] == "redis://***@127.0.0.1:6399/3"
    assert document["github"]["token"] != SECRETS["TASKS_GITHUB__TOKEN"]
    assert document["flower"]["basic_auth"] != SECRETS["TASKS_FLOWER__BASIC_AUTH"]
    for secret in ("MARKER", "broker-pass", "flower-pass"):
        assert secret not in done.stdout + done.stderr


def test_text_names_every_variable_once() -> None:
    done = celery("settings", env=SECRETS)

    assert done.returncode == 0, done.stderr
    names = [line.split()[0] for line in done.stdout.splitlines()]
    assert names == [variable.env for variable in variables()]
    for secret in ("MARKER", "broker-pass", "flower-pass"):
        assert secret not in done.stdout
    assert "TASKS_UPLOAD__MAX_PAGES                          2000" in done.stdout.splitlines()


def test_a_bad_value_names_the_variable() -> None:
    done = celery("settings", env={"TASKS_UPLOAD__MAX_PAGES": "many"})

    assert done.returncode != 0
    assert "Invalid platform settings. TASKS_UPLOAD__MAX_PAGES" in done.stderr


def test_the_readme_reference_is_current() -> None:
    readme = README.read_text()

    assert with_reference(readme, reference_markdown()) == readme, "run scripts/settings_reference.py"


def test_the_reference_has_every_variable_with_its_type_default_and_comment() -> None:
    reference = reference_markdown()

    assert len(reference.splitlines()) == 2 + len(variables())
    assert (
        "| `TASKS_INFRA__ENABLED` | `bool` | `false` | Schedule `infra_ensure` against the AWS account the credentials"
        in reference
    )
    assert "| `TASKS_UPLOAD__MAX_PAGES` | `PositiveInt` | `2000` |" in reference
    assert "| `TASKS_SCHEDULE__INFRA_ENSURE` | `str \\| None` | `the entry's own` |" in reference
