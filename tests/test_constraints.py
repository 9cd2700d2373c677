"""constraints.txt locks every dependency of pyproject.toml, at a version its specifier allows."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from scripts.freeze_constraints import CUDA_ONLY, ROOT, TARGET, project_requirements


def pins() -> dict[str, Version]:
    found: dict[str, Version] = {}
    for line in Path(TARGET).read_text().splitlines():
        if line and not line.startswith("#"):
            requirement = Requirement(line)
            (specifier,) = requirement.specifier
            assert specifier.operator == "==", line
            found[canonicalize_name(requirement.name)] = Version(specifier.version)
    return found


def test_every_dependency_and_extra_is_pinned_within_its_specifier() -> None:
    locked = pins()
    requirements = project_requirements()

    assert {"ruff", "mypy", "import-linter", "sentence-transformers", "celery"} <= {
        canonicalize_name(req.name) for req in requirements
    }
    for requirement in requirements:
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{name} is not in constraints.txt: run scripts/freeze_constraints.py"
        assert requirement.specifier.contains(locked[name], prereleases=True), (
            f"constraints.txt pins {name}=={locked[name]}, outside pyproject's {requirement.specifier}"
        )


def test_the_dev_tools_are_pinned_exactly() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    dev = [Requirement(text) for text in project["optional-dependencies"]["dev"]]

    assert {"ruff", "mypy", "import-linter", "pytest"} <= {canonicalize_name(req.name) for req in dev}
    for requirement in dev:
        assert [spec.operator for spec in requirement.specifier] == ["=="], str(requirement)


def test_torch_is_pinned_as_a_release_any_index_serves_and_no_cuda_wheel_is() -> None:
    locked = pins()

    assert locked["torch"] == Version("2.13.0")
    assert not [name for name in locked if CUDA_ONLY.match(name)]
