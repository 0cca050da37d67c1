"""Routing as pure decisions: the most specific rule wins; assignment by language, then load."""

import pytest

from triage.casework.routing import Candidate, Rule, choose_assignee, choose_rule

pytestmark = pytest.mark.sqlite_only

RULES = [
    Rule(id=1, team_id=10),  # the default
    Rule(id=2, team_id=20, kind="tracing"),
    Rule(id=3, team_id=30, language="ar"),
    Rule(id=4, team_id=40, kind="tracing", language="ar"),
    Rule(id=5, team_id=50, area="Uusimaa"),
    Rule(id=6, team_id=60, language="so", area="uusimaa"),
]


def route(kind: str, language: str, area: str = "") -> int | None:
    rule = choose_rule(RULES, kind=kind, language=language, area=area)
    return rule.team_id if rule else None


def test_default_rule_catches_everything_else():
    assert route("social_services", "fi") == 10


def test_one_named_field_beats_the_default():
    assert route("tracing", "fi") == 20
    assert route("social_services", "ar") == 30


def test_two_named_fields_beat_one():
    assert route("tracing", "ar") == 40
    assert route("other", "so", "Uusimaa") == 60


def test_on_a_tie_kind_counts_more_than_language_and_language_more_than_area():
    assert route("tracing", "fi", "Uusimaa") == 20  # kind vs area
    assert route("other", "ar", "Uusimaa") == 30  # language vs area


def test_area_matches_regardless_of_case_and_spacing():
    assert route("other", "fi", "  UUSIMAA ") == 50


def test_no_rule_no_team():
    assert choose_rule(RULES[1:2], kind="other", language="fi", area="") is None


def test_on_equal_rules_the_oldest_wins():
    rules = [Rule(id=9, team_id=90, kind="other"), Rule(id=7, team_id=70, kind="other")]
    assert choose_rule(rules, kind="other", language="fi", area="").team_id == 70


PEOPLE = [
    Candidate(id=1, name="Aino", languages=("fi", "en"), open_cases=1),
    Candidate(id=2, name="Basel", languages=("ar", "en"), open_cases=5),
    Candidate(id=3, name="Carmen", languages=("ar", "es"), open_cases=3),
]


def test_speakers_of_the_language_first_then_the_least_loaded():
    result = choose_assignee(PEOPLE, language="ar", auto_assign=True)
    assert result.assignee.name == "Carmen"
    assert result.speaks and result.mode == "auto"


def test_nobody_speaks_it_the_least_loaded_gets_it():
    result = choose_assignee(PEOPLE, language="ti", auto_assign=True)
    assert result.assignee.name == "Aino"
    assert not result.speaks


def test_equal_load_goes_to_the_lower_id():
    people = [Candidate(7, "G", ("fi",), 2), Candidate(4, "D", ("fi",), 2)]
    assert choose_assignee(people, language="fi", auto_assign=True).assignee.id == 4


def test_manual_claim_teams_and_empty_teams_assign_nobody():
    assert choose_assignee(PEOPLE, language="ar", auto_assign=False).mode == "manual"
    assert choose_assignee([], language="ar", auto_assign=True).mode == "nobody"
