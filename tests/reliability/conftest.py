"""Fault-injection scenarios: every test here is marked `reliability` and reports its figures.

Sizes are reduced unless pytest runs with `--full-size`; each scenario records one row
(sent, completed, lost, duplicated, seconds to recover) that is printed at the end of the
run and written to `reliability.json` in the run's folder.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.reliability.figures import ROWS, Figures


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.reliability)


@pytest.fixture(scope="session")
def full_size(request: pytest.FixtureRequest) -> bool:
    """True when the run asked for the scenarios' full size (`--full-size`)."""
    return bool(request.config.getoption("--full-size"))


@pytest.fixture
def figures(request: pytest.FixtureRequest, run_dir: Path) -> Figures:
    """The row of figures this scenario fills in; kept even when the scenario fails."""
    row = Figures(scenario=request.node.name)
    ROWS.append(row)
    request.addfinalizer(lambda: (run_dir / "reliability.json").write_text(json.dumps([r.as_dict() for r in ROWS])))
    return row
