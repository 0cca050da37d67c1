"""docs/security.md stays honest: every requirement it calls met, and every finding of the attack
on the product it calls fixed, names tests pytest can collect.

The table under "## Met" and the one under "## Findings of the attack on the product..." each
have a last column of pytest node ids in backticks. A row without one, or one naming a test that
was renamed or deleted, fails here, so the page cannot claim what no test proves. The test files
are read with `ast` rather than imported or collected by a second pytest, so the check takes a
fraction of a second; a test module that does not import fails the suite anyway.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.sqlite_only

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "security.md"
MET = "## Met"
FINDINGS = "## Findings of the attack on the product, and the tests that prove them fixed"
NODE_ID = re.compile(r"`(tests/[\w/]+\.py(?:::\w+)+)`")
ROW = re.compile(r"^\|(.+)\|\s*$")
SEPARATOR = re.compile(r"^\|(\s*:?-+:?\s*\|)+\s*$")


@dataclass(frozen=True)
class Row:
    line: int
    requirement: str
    tests: tuple[str, ...]


def table_rows(text: str, heading: str) -> list[Row]:
    """The rows of the first table after `heading` (header and separator skipped)."""
    rows: list[Row] = []
    in_section = in_table = False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("## "):
            if in_section:
                break
            in_section = line.strip() == heading
            continue
        if not in_section:
            continue
        match = ROW.match(line)
        if match is None:
            if in_table:
                break  # the table has ended
            continue
        if not in_table:  # the header row
            in_table = True
            continue
        if SEPARATOR.match(line):
            continue
        cells = [cell.strip() for cell in match.group(1).split("|")]
        rows.append(Row(number, cells[0], tuple(NODE_ID.findall(cells[-1]))))
    return rows


def met_rows(text: str) -> list[Row]:
    return table_rows(text, MET)


def finding_rows(text: str) -> list[Row]:
    return table_rows(text, FINDINGS)


def problems_without_tests(rows: list[Row]) -> list[str]:
    return [f"line {r.line} ({r.requirement}) names no test" for r in rows if not r.tests]


def defined_tests(path: Path) -> set[str]:
    """The node-id tails pytest collects from a test file: `test_x` functions at module level and
    `TestX::test_y` methods (read from the source: no import, so the check stays fast)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    for node in tree.body:
        if isinstance(node, functions) and node.name.startswith("test"):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            names.update(
                f"{node.name}::{item.name}" for item in node.body
                if isinstance(item, functions) and item.name.startswith("test")
            )
    return names


def not_collectable(node_ids: list[str], root: Path = ROOT) -> list[str]:
    """The node ids that name no test pytest would collect: a missing file, a file pytest does
    not read as tests, or a function or method that is not there. Parametrized tests are named
    without their parameters."""
    found: dict[str, set[str]] = {}
    gone = []
    for node in node_ids:
        path, _, name = node.partition("::")
        file = root / path
        if not (file.is_file() and file.name.startswith("test_")):
            gone.append(f"{node}: no test file {path}")
            continue
        if path not in found:
            found[path] = defined_tests(file)
        if name not in found[path]:
            gone.append(f"{node}: no such test in {path}")
    return gone


def test_the_parser_sees_a_row_without_a_test_and_a_test_that_is_gone():
    sample = "\n".join([
        "## Met", "",
        "| Requirement | In short | How | Tests |",
        "| --- | --- | --- | --- |",
        "| V1.1.1 | a | b | `tests/yhteys/test_web.py::test_security_headers_on_every_page` |",
        "| V2.2.2 | a | b | none yet |",
        "| V3.3.3 | a | b | `tests/yhteys/test_web.py::test_there_is_no_such_test` |",
        "", "## Not yet met", "",
        "| V9.9.9 | not a met row | | `tests/nowhere.py::test_x` |",
    ])
    rows = met_rows(sample)
    assert [r.requirement for r in rows] == ["V1.1.1", "V2.2.2", "V3.3.3"]
    assert problems_without_tests(rows) == ["line 6 (V2.2.2) names no test"]
    named = [t for r in rows for t in r.tests]
    assert not_collectable(named) == [
        "tests/yhteys/test_web.py::test_there_is_no_such_test: no such test in "
        "tests/yhteys/test_web.py"
    ]


def test_files_classes_and_missing_files_are_recognised():
    assert not_collectable([
        "tests/intake/test_validation.py::TestDates::test_bad_dates",
        "tests/triage/test_authz_matrix.py::test_each_role_gets_what_the_table_says",
    ]) == []
    assert not_collectable([
        "tests/intake/test_validation.py::test_bad_dates",  # a method named as a function
        "tests/intake/test_nowhere.py::test_x",
        "tests/conftest.py::settings",
    ]) == [
        "tests/intake/test_validation.py::test_bad_dates: no such test in "
        "tests/intake/test_validation.py",
        "tests/intake/test_nowhere.py::test_x: no test file tests/intake/test_nowhere.py",
        "tests/conftest.py::settings: no test file tests/conftest.py",
    ]


def test_every_met_requirement_names_tests_that_exist():
    rows = met_rows(DOC.read_text(encoding="utf-8"))
    assert len(rows) > 50, "the table under '## Met' was not found or lost its rows"
    assert not problems_without_tests(rows), problems_without_tests(rows)
    node_ids = sorted({t for r in rows for t in r.tests})
    gone = not_collectable(node_ids)
    assert not gone, "docs/security.md names tests pytest would not collect:\n" + "\n".join(gone)


REVOKED = "tests/intake/test_api_keys.py::test_a_revoked_key_is_refused_at_once"


def test_the_findings_table_is_read_like_the_met_table():
    sample = "\n".join([
        "## Met", "", "| R | T |", "| --- | --- |",
        "| V1.1.1 | `tests/yhteys/test_web.py::test_security_headers_on_every_page` |", "",
        FINDINGS, "", "Some words.", "",
        "| Finding | Fix | Tests |", "| --- | --- | --- |",
        f"| Open API | keys | `{REVOKED}` |",
        "| Odd shapes | a `\\|` in the middle column | nothing yet |",
        "", "## Later", "", "| X | `tests/nowhere.py::test_x` |",
    ])
    rows = finding_rows(sample)
    assert [r.requirement for r in rows] == ["Open API", "Odd shapes"]
    assert rows[0].tests == (REVOKED,)
    assert problems_without_tests(rows) == ["line 14 (Odd shapes) names no test"]
    assert [r.requirement for r in met_rows(sample)] == ["V1.1.1"]


def test_every_finding_of_the_attack_names_tests_that_exist():
    rows = finding_rows(DOC.read_text(encoding="utf-8"))
    assert len(rows) >= 21, "the findings table was not found or lost its rows"
    assert not problems_without_tests(rows), problems_without_tests(rows)
    node_ids = sorted({t for r in rows for t in r.tests})
    gone = not_collectable(node_ids)
    assert not gone, "docs/security.md names tests pytest would not collect:\n" + "\n".join(gone)
