"""Only the lifecycle module changes a case's state.

The rule, checked on the syntax tree of every .py file under intake/ and triage/:

- An assignment (plain, augmented, annotated, tuple unpacking, or `setattr(x, "state", ...)`) to
  `<x>.state` is a case-state write when `<x>` looks like a case: a name `case`, `other`, `c`,
  or ending in `case` (`new_case`), a name annotated as `Case` anywhere in the module (a function
  parameter `row: Case`, `row: Case | None = ...`), an attribute ending in `case` (`self.case`) or
  a subscript with a key ending in `case` (`found["case"]`). Other `.state` attributes —
  `request.state`, a notification's or a role grant's state, TOTP — are not cases and pass.
- A `state=` keyword (or a `"state"`/`Case.state` key of a dict argument) in a call that builds or
  updates case rows: `Case(...)`, and `.values(...)` on a statement built from
  `update(Case)`/`insert(Case)`.

Allowed: intake/lifecycle.py (the one home), and intake/service.py building a new `Case(...)` in
its initial state (`state=INITIAL`, `State.NEW` or "new"), which is a birth, not a move.
Tests may build rows in any state; they are not walked.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WALKED = ("intake", "triage")
HOME = "intake/lifecycle.py"
CASE_NAMES = frozenset({"case", "other", "c"})
INITIAL_VALUES = frozenset({"INITIAL", "State.NEW", "'new'", "INITIAL.value", "State.NEW.value"})


def _annotated_as_case(tree: ast.AST) -> set[str]:
    def is_case(annotation: ast.expr | None) -> bool:
        if annotation is None:
            return False
        text = ast.unparse(annotation).replace("'", " ").replace('"', " ")
        return "Case" in text.replace("|", " ").replace("[", " ").replace("]", " ").split()

    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.arg) and is_case(node.annotation):
            names.add(node.arg)
        elif (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
              and is_case(node.annotation)):
            names.add(node.target.id)
    return names


def _looks_like_case(node: ast.expr, typed: set[str]) -> bool:
    if isinstance(node, ast.Name):
        return node.id in CASE_NAMES or node.id.endswith("case") or node.id in typed
    if isinstance(node, ast.Attribute):
        return node.attr.endswith("case")
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        return isinstance(node.slice.value, str) and node.slice.value.endswith("case")
    return False


def _is_case_class(node: ast.expr) -> bool:
    return (isinstance(node, ast.Name) and node.id == "Case") or (
        isinstance(node, ast.Attribute) and node.attr == "Case")


def _builds_on_case_table(node: ast.expr) -> bool:
    """`update(Case)...` / `insert(Case)...`: somewhere down the method chain."""
    while True:
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else (
                func.attr if isinstance(func, ast.Attribute) else "")
            if name in ("update", "insert") and node.args and _is_case_class(node.args[0]):
                return True
            node = func
        elif isinstance(node, ast.Attribute):
            node = node.value
        else:
            return False


def _state_values(call: ast.Call) -> list[ast.expr]:
    """The values a call gives to `state`: keyword, or a dict argument's "state"/Case.state key."""
    found = [k.value for k in call.keywords if k.arg == "state"]
    for arg in call.args:
        if isinstance(arg, ast.Dict):
            for key, value in zip(arg.keys, arg.values, strict=True):
                if key is None:
                    continue
                if (isinstance(key, ast.Constant) and key.value == "state") or (
                        isinstance(key, ast.Attribute) and key.attr == "state"
                        and _is_case_class(key.value)):
                    found.append(value)
    return found


def state_writes(source: str, path: str = "<snippet>") -> list[str]:
    """Every place in `source` that writes a case's state, as "path:line: what"."""
    tree = ast.parse(source)
    typed = _annotated_as_case(tree)
    found = []
    for node in ast.walk(tree):
        # Any store to `<x>.state`: plain, augmented, annotated, unpacked, a for/with target.
        if (isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store)
                and node.attr == "state" and _looks_like_case(node.value, typed)):
            found.append(f"{path}:{node.lineno}: {ast.unparse(node)} = ...")
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if (isinstance(func, ast.Name) and func.id == "setattr" and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant) and node.args[1].value == "state"
                and _looks_like_case(node.args[0], typed)):
            found.append(f"{path}:{node.lineno}: {ast.unparse(node)}")
        builds_case = _is_case_class(func)
        updates_case = (isinstance(func, ast.Attribute)
                        and func.attr in ("values", "ordered_values")
                        and _builds_on_case_table(func.value))
        if not (builds_case or updates_case):
            continue
        for value in _state_values(node):
            if builds_case and path == "intake/service.py" and ast.unparse(value) in INITIAL_VALUES:
                continue  # a new case is born in its initial state
            found.append(f"{path}:{node.lineno}: {ast.unparse(func)}(state={ast.unparse(value)})")
    return found


def product_files() -> list[Path]:
    return sorted(p for package in WALKED for p in (ROOT / package).rglob("*.py"))


def test_nothing_but_the_lifecycle_module_writes_a_case_state() -> None:
    files = product_files()
    assert len(files) > 50  # the walk found the code, not an empty folder
    found = []
    for path in files:
        relative = path.relative_to(ROOT).as_posix()
        if relative == HOME:
            continue
        found += state_writes(path.read_text(encoding="utf-8"), relative)
    assert found == [], "use intake.lifecycle.transition instead:\n" + "\n".join(found)


def test_the_check_sees_the_lifecycle_modules_own_write() -> None:
    """The rule is not vacuous: on the real home it finds the one assignment that is allowed."""
    source = (ROOT / HOME).read_text(encoding="utf-8")
    assert [w.split(": ", 1)[1] for w in state_writes(source, HOME)] == ["case.state = ..."]


FLAGGED = [
    "case.state = 'closed'",
    "other.state = 'closed'",
    "c.state = 'new'",
    "new_case.state = 'new'",
    "case.state, case.outcome = 'closed', 'advised'",
    "case.state += ''",
    "case.state: str = 'new'",
    "for case.state in STATES:\n    pass",
    "def f(row: Case) -> None:\n    row.state = 'closed'",
    "def f(row: 'Case | None') -> None:\n    row.state = 'closed'",
    "self.case.state = 'new'",
    "found['case'].state = 'new'",
    "setattr(case, 'state', 'closed')",
    "Case(reference='x', state='closed')",
    "models.Case(state='waiting_client')",
    "session.execute(update(Case).where(Case.id == 1).values(state='closed'))",
    "sa.update(Case).values({'state': 'closed'})",
    "update(Case).values({Case.state: 'closed'})",
    "insert(Case).values(state='closed')",
]
PASSING = [
    "request.state.user = user",
    "request.state = object()",
    "grant.state = 'approved'",
    "notification.state = 'sent'",
    "update(StaffRoleGrant).values(state='approved', decided_by=1)",
    "Notification(state='queued')",
    "x = case.state",
    "if case.state == 'new':\n    pass",
    "Case(reference='x')",
    "lifecycle.transition(session, case, 'closed', actor_id=1, actor_kind='staff')",
]


@pytest.mark.parametrize("source", FLAGGED)
def test_the_check_flags(source: str) -> None:
    assert len(state_writes(source)) == 1


@pytest.mark.parametrize("source", PASSING)
def test_the_check_passes(source: str) -> None:
    assert state_writes(source) == []


def test_only_service_may_create_a_case_in_its_initial_state() -> None:
    born = "Case(reference='x', state=INITIAL)"
    assert state_writes(born, "intake/service.py") == []
    assert len(state_writes(born, "triage/casework/demo.py")) == 1
    assert len(state_writes("Case(state='closed')", "intake/service.py")) == 1
