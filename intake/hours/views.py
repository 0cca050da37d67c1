"""Public routes of the opening hours: the hours page and the calendar feeds."""

from __future__ import annotations

from datetime import timedelta

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from intake.hours import store
from intake.hours.box import feed_url, links
from intake.hours.feed import calendar_feed
from intake.hours.page import hours_page
from intake.hours.schedule import CHANNELS, WINDOW_DAYS, openings_between
from yhteys import clock, pagecache
from yhteys.i18n import get_locale
from yhteys.settings import get_settings

# Never stored by a shared cache; a browser asks again before reusing the page.
NO_CACHE = {"cache-control": "no-cache, max-age=0"}


async def hours(request: Request) -> Response:
    """Rendered once per language and minute of the clock (openings start and end on whole
    minutes), and again at once when the stored hours change (yhteys/pagecache.py)."""
    loaded = await run_in_threadpool(store.load_all)
    schedule, contacts = loaded
    locale = get_locale()
    instant = clock.now()

    def context() -> dict[str, object]:
        sections = hours_page(instant, schedule, contacts, locale)
        feed_urls = {channel: feed_url(locale, channel) for channel in CHANNELS}
        feed_urls["all"] = feed_url(locale)
        return {"sections": sections, "links": links(locale), "feed_urls": feed_urls}

    minute = instant.replace(second=0, microsecond=0)
    return pagecache.render_public(request, "hours/page.html", context, key=(minute,),
                                   made_from=loaded, headers=NO_CACHE)


async def feed(request: Request) -> Response:
    channel = request.path_params.get("channel")
    if channel is not None and channel not in CHANNELS:
        raise HTTPException(404)
    schedule, contacts = await run_in_threadpool(store.load_all)
    locale = get_locale()
    instant = clock.now()
    openings = openings_between(
        instant, instant + timedelta(days=WINDOW_DAYS), schedule, channel
    )
    body = calendar_feed(
        openings,
        contacts,
        stamp=instant,
        page_url=get_settings().base_url.rstrip("/") + links(locale)["hours_url"],
        locale=locale,
    )
    name = f"red-cross-{channel or 'advice'}-hours.ics"
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={**NO_CACHE, "content-disposition": f'inline; filename="{name}"'},
    )
