"""Every page: it answers, passes axe-core (WCAG 2.1 A and AA), logs no console or CSP error, and
loads nothing from another host.

The pages are every GET route without parameters (in every language) and every page reached by
following links from them: no list to keep up, a new page is checked the day it exists.
"""

from __future__ import annotations

from collections import deque
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest

from tests.browser.helpers import axe_violations, format_violations, guard_of

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only, pytest.mark.slow]

MAX_PAGES = 150
SKIP_PREFIXES = ("/static/", "/api/", "/hooks/", "/healthz")


def route_pages() -> list[str]:
    """Paths of every GET route that takes no parameter but the locale."""
    from starlette.routing import Mount, Route

    from yhteys.app import collect_routes
    from yhteys.i18n import LANGUAGES
    from yhteys.routing import register_convertors

    register_convertors()

    def walk(routes, prefix: str):  # noqa: ANN001, ANN202
        for route in routes:
            if isinstance(route, Mount):
                for mounted in _expand(prefix + route.path):
                    yield from walk(route.routes or [], mounted)
            elif isinstance(route, Route) and "GET" in (route.methods or {"GET"}):
                yield from _expand(prefix + route.path)

    def _expand(path: str) -> list[str]:
        if "{locale:locale}" in path:
            return [path.replace("{locale:locale}", lang) for lang in LANGUAGES]
        return [path]

    paths = []
    for path in walk(collect_routes(), ""):
        path = path or "/"
        if "{" not in path and not path.startswith(SKIP_PREFIXES) and path not in paths:
            paths.append(path)
    return paths


def _same_site_links(page, origin: str) -> list[str]:
    hrefs = page.eval_on_selector_all(
        "a[href]:not([download])", "links => links.map(a => a.getAttribute('href'))"
    )
    found = []
    for href in hrefs:
        url, _fragment = urldefrag(urljoin(page.url, href))
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != origin or not url:
            continue
        if parts.path.startswith(SKIP_PREFIXES):
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def _is_html(context, path: str) -> bool:
    response = context.request.get(path, max_redirects=5)
    return "text/html" in response.headers.get("content-type", "")


def test_every_linked_page_is_accessible_and_self_contained(new_context, live_server):
    context = new_context()
    page = context.new_page()
    guard = guard_of(page)
    starts = route_pages()
    assert {"/fi/", "/sv/", "/en/"} <= set(starts)
    queue, problems = deque(starts), []
    found_on: dict[str, str] = dict.fromkeys(starts, "the routes")
    visited = 0
    while queue and visited < MAX_PAGES:
        path = queue.popleft()
        if not _is_html(context, path):
            continue  # a calendar feed, a download: not a page
        blocked_before, errors_before = len(guard.blocked), len(guard.console_errors)
        response = page.goto(path)
        visited += 1
        status = response.status if response else 0
        # A staff route may hide from an anonymous visitor; a followed link must never break.
        hidden = path in starts and status in {401, 403, 404}
        if status >= 400 and not hidden:
            problems.append(f"{path}: HTTP {status} (linked from {found_on[path]})")
        if status >= 400:
            continue
        guard.settle(page)
        violations = axe_violations(page)
        if violations:
            problems.append(f"{path}: axe-core\n{format_violations(violations)}")
        if len(guard.blocked) > blocked_before:
            problems.append(f"{path}: other hosts {guard.blocked[blocked_before:]}")
        if len(guard.console_errors) > errors_before:
            problems.append(f"{path}: console {guard.console_errors[errors_before:]}")
        for link in _same_site_links(page, live_server.origin):
            if link not in found_on:
                found_on[link] = path
                queue.append(link)
    assert visited >= 3
    # Every route page is checked here, so the language test need not run axe-core on them again.
    unvisited = set(starts) & set(queue)
    assert not unvisited, f"MAX_PAGES stops before {len(unvisited)} route pages"
    assert not problems, f"{len(problems)} problem(s) on {visited} pages:\n" + "\n".join(problems)
