"""`make check` catches each kind of fault it is there for: every check passes on a copy
of the tree as it is, and fails once a deliberate fault is put into the copy (the real
tree is never touched). The commands are those of the Makefile's `check` target."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ANSI = re.compile(r"\x1b\[[0-9;]*m")
COPIED = [
    "core",
    "ui",
    "screens",
    "web",
    "migrations",
    "tests",
    "benchmarks",
    "streamlit_app.py",
    "pyproject.toml",
    "requirements.txt",
    "requirements-dev.txt",
]
RUNTIME_DEPTRY = ["deptry", "."]
TESTS_DEPTRY = [
    *("deptry", ".", "--ignore", "DEP002,DEP004"),
    *("--exclude", r"^(\.venv|core|ui|screens|web|migrations|streamlit_app\.py)(/|$)"),
    *("--extend-exclude", "^(docs|data|test-artifacts)/"),
]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the code and the configuration the checks read."""
    copy = tmp_path / "tree"
    copy.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=ignore)
        else:
            shutil.copy2(source, copy / name)
    return copy


def _run(tree: Path, *command: str) -> subprocess.CompletedProcess[str]:
    """Run a check's tool in the copy; its output (stdout and stderr) in `.stdout`."""
    result = subprocess.run(
        [str(BIN / command[0]), *command[1:]],
        cwd=tree,
        env={**os.environ, "NO_COLOR": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=600,
    )
    result.stdout = ANSI.sub("", result.stdout)
    return result


def _add(path: Path, text: str) -> None:
    path.write_text(path.read_text() + text)


def _requirement_moved(tree: Path, name: str, to: str | None) -> None:
    """Take `name`'s pin out of requirements.txt, into `to` (or nowhere)."""
    runtime = tree / "requirements.txt"
    lines = runtime.read_text().splitlines(keepends=True)
    pinned = [line for line in lines if line.lower().startswith(f"{name}==")]
    assert pinned, f"{name} is not pinned in requirements.txt"
    runtime.write_text("".join(line for line in lines if line not in pinned))
    if to:
        _add(tree / to, "".join(pinned))


# deptry: runtime code imports only what `make run` installs ---------------------------------


def test_deptry_passes_the_tree_as_it_is(tree):
    for command in (RUNTIME_DEPTRY, TESTS_DEPTRY):
        result = _run(tree, *command)
        assert result.returncode == 0, result.stdout


@pytest.mark.parametrize("module", ["core/text.py", "ui/pager.py", "streamlit_app.py"])
def test_deptry_fails_when_runtime_code_imports_a_dev_only_package(tree, module):
    _add(tree / module, "\nimport reportlab  # noqa: E402,F401\n")
    result = _run(tree, *RUNTIME_DEPTRY)
    assert result.returncode == 1
    assert f"{module}" in result.stdout
    assert "DEP004 'reportlab' imported but declared as a dev dependency" in result.stdout


def test_deptry_fails_when_a_package_core_imports_is_only_a_dev_requirement(tree):
    """The fault that broke `make run` on fresh machines: pypdf in requirements-dev.txt."""
    _requirement_moved(tree, "pypdf", to="requirements-dev.txt")
    result = _run(tree, *RUNTIME_DEPTRY)
    assert result.returncode == 1
    assert re.search(r"core/\w+\.py:\d+:\d+: DEP004 'pypdf'", result.stdout)


def test_deptry_fails_when_a_package_the_app_imports_is_in_no_requirements_file(tree):
    _requirement_moved(tree, "segno", to=None)
    result = _run(tree, *RUNTIME_DEPTRY)
    assert result.returncode == 1
    # DEP001 on a machine without it; DEP003 here, where another package pulls it in.
    assert "core/certificate_pdf.py" in result.stdout
    assert "'segno' imported but" in result.stdout


def test_deptry_fails_when_a_test_imports_a_package_in_neither_list(tree):
    _requirement_moved(tree, "zxcvbn", to=None)
    _add(tree / "tests" / "test_auth.py", "\nimport zxcvbn  # noqa: E402,F401\n")
    result = _run(tree, *TESTS_DEPTRY)
    assert result.returncode == 1
    assert "tests/test_auth.py" in result.stdout
    assert "'zxcvbn' imported but" in result.stdout


# import-linter: the layers ------------------------------------------------------------------


def test_import_contracts_hold_on_the_tree_as_it_is(tree):
    result = _run(tree, "lint-imports", "--no-cache")
    assert result.returncode == 0, result.stdout
    assert "0 broken" in result.stdout


CORE = "core never imports Streamlit, the screens, ui or the HTTP routes"
PAYMENTS = "core.payments imports no screen code"
LAYERS = "Layers: screens use ui, ui uses core, never upwards"
WEB = "web (HTTP routes) uses core, never screens or ui"


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("core/text.py", "import streamlit", CORE),
        ("core/certificates.py", "import ui.pager", CORE),
        ("core/text.py", "import web", CORE),
        ("core/payments/base.py", "import ui.pager", PAYMENTS),
        ("ui/pager.py", "import screens.home", LAYERS),
        ("web/__init__.py", "import ui.pager", WEB),
    ],
)
def test_an_import_across_the_layers_breaks_its_contract(tree, module, line, contract):
    _add(tree / module, f"\n{line}  # noqa: E402,F401\n")
    result = _run(tree, "lint-imports", "--no-cache")
    assert result.returncode == 1
    broken = [row for row in result.stdout.splitlines() if row.endswith(" BROKEN")]
    assert f"{contract} BROKEN" in broken, result.stdout


# mypy: types over core/ ---------------------------------------------------------------------


def _with_mypy_cache(tree: Path) -> Path:
    """The real run's cache, copied: only what the fault changes is checked again."""
    if (ROOT / ".mypy_cache").is_dir():
        shutil.copytree(ROOT / ".mypy_cache", tree / ".mypy_cache")
    return tree


def test_mypy_passes_core_as_it_is(tree):
    result = _run(_with_mypy_cache(tree), "mypy")
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("def half(value):\n    return value / 2\n", "[no-untyped-def]"),
        ("def half(value: float, places=1) -> float:\n    return value / 2\n", "[no-untyped-def]"),
        (
            "def initial(name: str | None) -> str:\n    return name[0]\n",
            'Value of type "str | None" is not indexable',
        ),
    ],
    ids=["untyped", "half typed", "optional used as if never None"],
)
def test_mypy_fails_on_a_type_fault_in_core(tree, code, error):
    (tree / "core" / "added.py").write_text(f'"""A deliberate fault."""\n\n\n{code}')
    result = _run(_with_mypy_cache(tree), "mypy")
    assert result.returncode == 1
    assert "core/added.py" in result.stdout
    assert error in result.stdout


# bandit: no medium or high finding ----------------------------------------------------------

BANDIT = ["bandit", "--quiet", "--severity-level", "medium", "-r", "core", "ui", "screens", "web"]


def test_bandit_fails_on_a_shell_command_built_from_input(tree):
    assert _run(tree, *BANDIT).returncode == 0
    _add(
        tree / "core" / "text.py",
        "\n\ndef run(name: str) -> None:\n"
        "    import subprocess\n\n"
        '    subprocess.run(f"ls {name}", shell=True)\n',
    )
    result = _run(tree, *BANDIT)
    assert result.returncode == 1
    assert "B602" in result.stdout


# pip-audit's verdict (.ci/audit.py) ---------------------------------------------------------


def _judged(tmp_path: Path, report: dict) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "audit.json"
    path.write_text(json.dumps(report))
    return subprocess.run(
        [sys.executable, str(ROOT / ".ci" / "audit.py"), "--report", str(path)],
        capture_output=True,
        text=True,
    )


def test_audit_fails_on_a_known_vulnerability_and_names_the_fix(tmp_path):
    report = {
        "dependencies": [
            {"name": "segno", "version": "1.6.6", "vulns": []},
            {
                "name": "pypdf",
                "version": "3.0.0",
                "vulns": [{"id": "GHSA-xxxx", "fix_versions": ["3.17.0"], "aliases": []}],
            },
        ],
        "fixes": [],
    }
    result = _judged(tmp_path, report)
    assert result.returncode == 1
    assert "pypdf 3.0.0: GHSA-xxxx, fixed in 3.17.0" in result.stdout


def test_audit_says_so_but_passes_when_no_package_could_be_audited(tmp_path):
    reason = "Dependency not found on PyPI and could not be audited: segno (1.6.6)"
    result = _judged(tmp_path, {"dependencies": [{"name": "segno", "skip_reason": reason}]})
    assert result.returncode == 0
    assert "advisory database could not be reached" in result.stdout


def test_audit_passes_with_no_vulnerability(tmp_path):
    result = _judged(tmp_path, {"dependencies": [{"name": "segno", "version": "1", "vulns": []}]})
    assert result.returncode == 0
    assert "no known vulnerability in 1 packages" in result.stdout
