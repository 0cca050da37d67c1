"""The parts of the product and what each one adds, in one registry.

Each package wires itself in one place, its `includeme(config)` (as warehouse does): routes,
event handlers, periodic jobs, commands, demo data, catalog domains, migration branches. This
module lists the packages once. Every entry point — the web app, `yhteys worker`, `yhteys relay`
and every other command — calls `configure()`, so each process runs the same handlers: a case
saved by any of them is routed, a WhatsApp message reaches the same policy.

`registry()` only collects (cheap, no handler runs, safe at import time of i18n or migrations);
`configure()` also subscribes the event handlers.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

from starlette.routing import BaseRoute

from yhteys import heap

if TYPE_CHECKING:
    from sqlmodel import Session

PACKAGES = ("intake", "notify", "triage")

Sources = list[tuple[str, list[tuple[str, str]]]]  # (folder, babel method map)
CommandRegistrar = Callable[[argparse._SubParsersAction], None]
# Reseal what a package keeps sealed with the first DATA_KEYS key; returns counts to print
# ("resealed", and "failed" for what could not be opened).
Resealer = Callable[["Session"], dict[str, int]]
# A readiness check of /readyz (yhteys.health): facts to show, "ok" among them; counts only.
ReadinessCheck = Callable[["Session"], dict[str, object]]


@dataclass
class Job:
    name: str
    every: float  # seconds; the first run is one interval after start, never at boot
    run: Callable[[], object]


@dataclass
class Demo:
    order: int  # staff before cases, cases before what reacts to them
    name: str
    seed: Callable[[], object]


@dataclass
class Config:
    routes: list[BaseRoute] = field(default_factory=list)  # at the top level
    mounts: dict[str, list[BaseRoute]] = field(default_factory=dict)  # prefix -> routes
    subscribers: list[Callable[[], None]] = field(default_factory=list)
    jobs: list[Job] = field(default_factory=list)
    commands: list[CommandRegistrar] = field(default_factory=list)
    demos: list[Demo] = field(default_factory=list)
    catalogs: dict[str, Sources] = field(default_factory=dict)  # gettext domain -> sources
    staff_catalogs: set[str] = field(default_factory=set)  # domains only staff read
    migrations: dict[str, str] = field(default_factory=dict)  # branch -> models module
    resealers: dict[str, Resealer] = field(default_factory=dict)
    checks: dict[str, ReadinessCheck] = field(default_factory=dict)  # name -> check
    collectors: list[Callable[[], object]] = field(default_factory=list)  # metrics at scrape
    included: list[str] = field(default_factory=list)

    def include(self, module: str) -> None:
        """Let a package (or a part of one) add what it brings, once."""
        if module in self.included:
            return
        self.included.append(module)
        importlib.import_module(module).includeme(self)

    def add_routes(self, routes: Sequence[BaseRoute], *, under: str = "") -> None:
        if under:
            self.mounts.setdefault(under, []).extend(routes)
        else:
            self.routes.extend(routes)

    def subscribe(self, register: Callable[[], None]) -> None:
        """`register` subscribes event handlers; it must be idempotent."""
        self.subscribers.append(register)

    def add_job(self, name: str, every: float, run: Callable[[], object]) -> None:
        self.jobs.append(Job(name, every, run))

    def add_commands(self, register: CommandRegistrar) -> None:
        self.commands.append(register)

    def add_demo(self, order: int, name: str, seed: Callable[[], object]) -> None:
        self.demos.append(Demo(order, name, seed))

    def add_catalog(self, domain: str, sources: Sources, *, staff: bool = False) -> None:
        """A gettext domain and the files it is extracted from. A `staff` domain is read only
        by staff, so it is translated into the staff languages, not every public one."""
        self.catalogs[domain] = sources
        if staff:
            self.staff_catalogs.add(domain)

    def add_resealer(self, name: str, reseal: Resealer) -> None:
        """What `yhteys rotate-keys` must seal again after a new key is put first."""
        self.resealers[name] = reseal

    def add_check(self, name: str, check: ReadinessCheck) -> None:
        """A check `/readyz` runs (with a database session) besides the database and Redis."""
        self.checks[name] = check

    def add_collector(self, make: Callable[[], object]) -> None:
        """A Prometheus collector (made per scrape) for what is read at scrape time."""
        self.collectors.append(make)

    def add_migrations(self, branch: str, models: str) -> None:
        """An Alembic branch (`migrations/<branch>/`) and the module declaring its tables."""
        self.migrations[branch] = models


# The composition root's own messages: the base layout, error pages, shared helpers.
ROOT_CATALOG: Sources = [
    ("yhteys", [("**.py", "python")]),
    ("templates", [("*.html", "jinja2"), ("errors/**.html", "jinja2")]),
]


@cache
def registry() -> Config:
    config = Config()
    config.add_catalog("yhteys", ROOT_CATALOG)
    config.add_job("return-freed-memory", heap.RETURN_FREED_EVERY_SECONDS,
                   heap.return_freed_memory)
    for package in PACKAGES:
        config.include(package)
    return config


def configure() -> Config:
    """The registry with every event handler subscribed (idempotent): call it at every start."""
    config = registry()
    for register in config.subscribers:
        register()
    return config
