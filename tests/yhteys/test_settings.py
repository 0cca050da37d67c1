from dataclasses import fields

import pytest

from yhteys.settings import (
    DEV_SECRET,
    ENV_NAMES,
    PROJECT_ROOT,
    TABLE_HEADER,
    Settings,
    SettingsError,
    load,
    table,
)


def test_defaults_are_for_development():
    settings = load({})
    assert settings.env == "development"
    assert settings.is_sqlite
    assert settings.redis_url == ""


def test_environment_overrides_are_parsed():
    settings = load({"PORT": "9001", "DEMO_DATA": "yes", "TRUSTED_PROXIES": "10.0.0.1, 10.0.0.2"})
    assert settings.port == 9001
    assert settings.demo_data is True
    assert settings.trusted_proxies == ("10.0.0.1", "10.0.0.2")


def test_frozen_clock_needs_an_offset():
    with pytest.raises(SettingsError, match="YHTEYS_NOW"):
        load({"YHTEYS_NOW": "2026-12-01T12:00:00"})
    assert load({"YHTEYS_NOW": "2026-12-01T12:00:00+02:00"}).frozen_now.hour == 12


@pytest.mark.parametrize(
    ("environ", "reason"),
    [
        ({"SECRET_KEY": DEV_SECRET}, "SECRET_KEY"),
        ({"SECRET_KEY": "x" * 40, "BASE_URL": "http://example.org"}, "https"),
        (
            {"SECRET_KEY": "x" * 40, "BASE_URL": "https://e.org", "DATABASE_URL": "sqlite:////tmp/a.db"},
            "temporary",
        ),
        ({"SECRET_KEY": "x" * 40, "BASE_URL": "https://e.org"}, "DATA_KEYS"),
        ({"SECRET_KEY": "x" * 40, "YHTEYS_NOW": "2026-12-01T12:00:00+02:00"}, "YHTEYS_NOW"),
    ],
)
def test_production_refuses_unsafe_settings_and_says_why(environ, reason):
    with pytest.raises(SettingsError, match=reason):
        load({"YHTEYS_ENV": "production", **environ})


def test_production_accepts_safe_settings():
    settings = load(
        {
            "YHTEYS_ENV": "production",
            "SECRET_KEY": "s" * 48,
            "BASE_URL": "https://apu.example.org",
            "DATABASE_URL": "postgresql://yhteys@db/yhteys",
            "DATA_KEYS": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        }
    )
    assert settings.is_production


def test_every_setting_is_documented_in_the_readme():
    """The README's table is the output of `yhteys settings`: edit the field's metadata in
    yhteys/settings.py, then paste `.venv/bin/yhteys settings` over the table."""
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert set(Settings.__dataclass_fields__) == set(ENV_NAMES)
    start = readme.index(TABLE_HEADER)
    documented = readme[start:readme.index("\n\n", start)]
    assert documented == table(), "README settings table differs from `yhteys settings`"
    assert all(f"`{name}`" in documented for name in ENV_NAMES.values())


def test_every_setting_has_a_meaning_and_its_own_variable():
    names = [f.metadata["env"] for f in fields(Settings)]
    assert len(names) == len(set(names))
    assert all(f.metadata["meaning"].strip() for f in fields(Settings))


def test_the_settings_command_prints_the_table(capsys):
    from yhteys.cli import main

    assert main(["settings"]) == 0
    assert capsys.readouterr().out.strip() == table()
