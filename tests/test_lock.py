"""uv.lock is the one source of every Python install: it matches pyproject.toml, and a
pyproject.toml edited without `make lock` stops `make` with the fix in words."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, wait

VENV = Path(sys.prefix)  # the environment `make` made, with uv in it


def check_lock(project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", "check-lock", f"VENV={VENV}"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=wait(120),
        check=False,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of what `make check-lock` reads."""
    if not (VENV / "bin" / "uv").exists():
        pytest.fail(f"no uv in {VENV}: run the tests with `make test`, which installs it")
    for name in ("Makefile", "pyproject.toml", "uv.lock", "README.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def test_the_lock_matches_pyproject(project: Path) -> None:
    done = check_lock(project)
    assert done.returncode == 0, done.stderr


def test_a_dependency_change_without_the_lock_fails_saying_make_lock(project: Path) -> None:
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text()
    assert '"itsdangerous>=2.2,<3"' in text
    pyproject.write_text(text.replace('"itsdangerous>=2.2,<3"', '"itsdangerous>=2.2,<2.9"'))
    done = check_lock(project)
    assert done.returncode != 0
    assert "uv.lock does not match pyproject.toml" in done.stderr
    assert "Run 'make lock'" in done.stderr
