"""The code stays lint-clean, formatted, type-checked and layered: the README's test command
(and so CI) runs ruff, mypy --strict and import-linter's contracts with the configuration in
pyproject.toml."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(("ruff", "check", "."), id="ruff-check"),
        pytest.param(("ruff", "format", "--check", "."), id="ruff-format"),
        pytest.param(("mypy",), id="mypy-strict"),
    ],
)
def test_the_code_passes(command: tuple[str, ...]):
    result = run(*command)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_layers_hold():
    """import-linter's contracts (pyproject.toml): layers only look down, no package has a
    cycle, and nothing but the wiring imports the chat handlers."""
    result = subprocess.run(
        [sys.executable, "-c", "from importlinter.cli import lint_imports_command as c; c()"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 broken" in result.stdout
