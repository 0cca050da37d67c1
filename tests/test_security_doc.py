"""docs/security.md stays honest: every requirement it calls met names tests pytest can collect.

The table under "## Met" has a column of pytest node ids in backticks. A row without one, or one
naming a test that was renamed or deleted, fails here, so the page cannot claim what no test
proves. Collection runs once, in one subprocess, for every node id at the same time.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.sqlite_only

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "security.md"
NODE_ID = re.compile(r"`(tests/[\w/]+\.py(?:::\w+)+)`")
ROW = re.compile(r"^\|(.+)\|\s*$")
SEPARATOR = re.compile(r"^\|(\s*:?-+:?\s*\|)+\s*$")


@dataclass(frozen=True)
class Row:
    line: int
    requirement: str
    tests: tuple[str, ...]


def met_rows(text: str) -> list[Row]:
    """The rows of the first table after the "## Met" heading (header and separator skipped)."""
    rows: list[Row] = []
    in_section = in_table = False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("## "):
            if in_section:
                break
            in_section = line.strip() == "## Met"
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


def problems_without_tests(rows: list[Row]) -> list[str]:
    return [f"line {r.line} ({r.requirement}) names no test" for r in rows if not r.tests]


def collect(node_ids: list[str]) -> tuple[int, set[str], str]:
    """pytest's exit code, the node ids it collected and its output, for these node ids."""
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
         "-o", "addopts=", *node_ids],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    found = {line.strip() for line in result.stdout.splitlines() if "::" in line}
    return result.returncode, found, result.stdout + result.stderr


def missing(node_ids: list[str], found: set[str]) -> list[str]:
    """Node ids of which pytest collected nothing; a parametrized test counts by its name."""
    return [
        node for node in node_ids
        if node not in found and not any(f.startswith(node + "[") for f in found)
    ]


def not_collectable(node_ids: list[str]) -> list[str]:
    """What pytest cannot collect of these node ids ([] when all of them are there).

    When one id is not found pytest lists nothing else and exits non-zero: its ERROR lines then
    say which ids (or which import) failed.
    """
    code, found, output = collect(node_ids)
    if code == 0:
        return missing(node_ids, found)
    errors = [line.strip() for line in output.splitlines() if line.startswith("ERROR")]
    return errors or [output[-2000:]]


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
    found = {"tests/yhteys/test_web.py::test_security_headers_on_every_page",
             "tests/intake/test_validation.py::test_x[a]"}
    assert missing(named, found) == ["tests/yhteys/test_web.py::test_there_is_no_such_test"]
    assert missing(["tests/intake/test_validation.py::test_x"], found) == []


def test_every_met_requirement_names_tests_that_exist():
    rows = met_rows(DOC.read_text(encoding="utf-8"))
    assert len(rows) > 50, "the table under '## Met' was not found or lost its rows"
    assert not problems_without_tests(rows), problems_without_tests(rows)
    node_ids = sorted({t for r in rows for t in r.tests})
    gone = not_collectable(node_ids)
    assert not gone, "docs/security.md names tests pytest cannot collect:\n" + "\n".join(gone)


def test_a_test_that_is_gone_is_reported_by_name():
    gone = not_collectable([
        "tests/yhteys/test_web.py::test_security_headers_on_every_page",
        "tests/yhteys/test_web.py::test_there_is_no_such_test",
    ])
    assert len(gone) == 1 and "test_there_is_no_such_test" in gone[0]
