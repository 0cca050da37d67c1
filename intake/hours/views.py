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
from yhteys import clock
from yhteys.i18n import get_locale
from yhteys.settings import get_settings
from yhteys.templating import render

# Never stored by a shared cache; a browser asks again before reusing the page.
NO_CACHE = {"cache-control": "no-cache, max-age=0"}


async def hours(request: Request) -> Response:
    schedule, contacts = await run_in_threadpool(store.load_all)
    locale = get_locale()
    instant = clock.now()
    sections = hours_page(instant, schedule, contacts, locale)
    feed_urls = {channel: feed_url(locale, channel) for channel in CHANNELS}
    feed_urls["all"] = feed_url(locale)
    context = {"sections": sections, "links": links(locale), "feed_urls": feed_urls}
    return render(request, "hours/page.html", context, headers=NO_CACHE)


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
