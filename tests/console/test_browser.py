"""The console in a real browser: a real server process, basic auth, filtering, replay onto a real worker, delete.

Chromium comes from the system (`apt-get install chromium`, which scripts/setup.sh does); Playwright drives it.
Screenshots of every page go to $CONSOLE_ARTIFACTS_DIR (default tests/artifacts/console/).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from celery import Celery
from playwright.sync_api import Browser, Page, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from tasks import deadletter
from tasks.settings import get_settings
from tests.console.conftest import running_console
from tests.harness.services import free_port
from tests.harness.workers import WorkerProcess, wait_for

CHROMIUM = Path("/usr/bin/chromium")
USER, PASSWORD = "operator", "browser-test-password"
#: A task that succeeds on any worker, to be dead-lettered and replayed.
REPLAYED_TASK = "health.check_dependencies"


@pytest.fixture(scope="module")
def artifacts() -> Path:
    folder = Path(os.environ.get("CONSOLE_ARTIFACTS_DIR") or Path(__file__).parents[1] / "artifacts" / "console")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def console_url(run_dir: Path) -> Iterator[str]:
    """`celery -A tasks console` as a real server process on a free port, with basic auth on."""
    port = free_port()
    with running_console(run_dir, "--port", str(port), TASKS_CONSOLE__BASIC_AUTH=f"{USER}:{PASSWORD}"):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def browser() -> Iterator[Browser]:
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: run scripts/setup.sh (apt-get install -y chromium)"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        yield launched
        launched.close()


def record(task: str, queue: str, reason: deadletter.Reason) -> dict[str, object]:
    settings = get_settings()
    return deadletter.record(
        task_id=f"browser-{os.urandom(6).hex()}",
        task=task,
        queue=queue,
        args=[],
        kwargs={},
        reason=reason,
        exception=RuntimeError("dependency check failed"),
        retries=3,
        worker="w@host",
        dlq=settings.dlq,
        secrets=settings.secrets(),
    )


def test_operator_replays_and_deletes_dead_letters(
    console_url: str, browser: Browser, app: Celery, worker: WorkerProcess, artifacts: Path
) -> None:
    # Given two dead letters of the test's own: one of a task any worker runs, one of a task to delete
    since = (datetime.now(UTC) - timedelta(seconds=2)).strftime("%Y-%m-%dT%H:%M:%S")
    replayable = record(REPLAYED_TASK, "scheduled", "retries_exhausted")
    doomed_task = f"testing.browser_{os.urandom(4).hex()}"
    doomed = record(doomed_task, "default", "non_retryable")

    anonymous = browser.new_context()
    with pytest.raises(PlaywrightError, match="ERR_INVALID_AUTH_CREDENTIALS"):
        anonymous.new_page().goto(f"{console_url}/deadletters")
    anonymous.close()

    context = browser.new_context(http_credentials={"username": USER, "password": PASSWORD})
    page = context.new_page()
    page.goto(f"{console_url}/")
    expect(page.locator("h1")).to_have_text("Overview")
    page.screenshot(path=artifacts / "overview.png", full_page=True)

    # When the operator filters the dead letters down to the replayable one
    page.click("text=Dead letters")
    page.fill("#filters input[name=task]", REPLAYED_TASK)
    page.select_option("#filters select[name=reason]", "retries_exhausted")
    page.fill("#filters input[name=since]", since)
    page.click("#filters button[type=submit]")
    rows = page.locator("#dead-letters tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-entry-id", str(replayable["id"]))
    page.screenshot(path=artifacts / "deadletters-filtered.png", full_page=True)

    page.click(f"tr[data-entry-id='{replayable['id']}'] a")
    expect(page.locator("#traceback")).to_contain_text("dependency check failed")
    page.screenshot(path=artifacts / "deadletter-detail.png", full_page=True)
    page.go_back()

    # ... and replays it after confirming
    page.click(f"tr[data-entry-id='{replayable['id']}'] a.replay")
    page.screenshot(path=artifacts / "confirm-replay.png", full_page=True)
    page.click("#confirm button[type=submit]")

    # Then it leaves the list, and its task runs on the worker under the new id
    message = page.locator(".message.success")
    expect(message).to_contain_text(f"Replayed {replayable['id']} as task")
    expect(page.locator(f"tr[data-entry-id='{replayable['id']}']")).to_have_count(0)
    page.screenshot(path=artifacts / "deadletters-after-replay.png", full_page=True)
    new_id = _task_id(message.inner_text())
    outcome = app.AsyncResult(new_id).get(timeout=60)
    assert isinstance(outcome, dict) and app.AsyncResult(new_id).state == "SUCCESS"

    # When the operator deletes the other after confirming
    _delete_through_the_list(page, doomed_task, str(doomed["id"]), artifacts)

    # Then the store no longer holds it
    assert deadletter.get(str(doomed["id"])) is None
    assert deadletter.get(str(replayable["id"])) is not None, "a replayed entry is kept, marked"

    # The replayed run reaches the overview through the workers' shared metrics
    def overview_counts_a_success() -> bool:
        page.goto(f"{console_url}/")
        row = page.locator("#tasks tr", has_text=REPLAYED_TASK)
        return row.count() == 1 and int(row.locator("td").nth(2).inner_text()) >= 1

    wait_for(overview_counts_a_success, timeout_s=30, interval_s=1, what="the replayed run in the overview")
    page.screenshot(path=artifacts / "overview-after-replay.png", full_page=True)

    for path, name in (("/documents", "documents"), ("/infra", "infra"), ("/pulls", "pulls")):
        answer = page.goto(f"{console_url}{path}")
        assert answer is not None and answer.status == 200, path
        page.screenshot(path=artifacts / f"{name}.png", full_page=True)
    context.close()


def _delete_through_the_list(page: Page, task: str, entry_id: str, artifacts: Path) -> None:
    page.fill("#filters input[name=task]", task)
    page.select_option("#filters select[name=reason]", "")
    page.click("#filters button[type=submit]")
    expect(page.locator("#dead-letters tbody tr")).to_have_count(1)
    page.click(f"tr[data-entry-id='{entry_id}'] a.delete")
    page.screenshot(path=artifacts / "confirm-delete.png", full_page=True)
    page.click("#confirm button[type=submit]")
    expect(page.locator(".message.success")).to_contain_text(f"Deleted {entry_id}")
    expect(page.locator("#no-entries")).to_be_visible()
    page.screenshot(path=artifacts / "deadletters-after-delete.png", full_page=True)


def _task_id(message: str) -> str:
    found = re.search(r"as task ([0-9a-f]{32})", message)
    assert found, message
    return found.group(1)
