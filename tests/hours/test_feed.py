"""The calendar feed parses with `icalendar` and holds the right UTC instants."""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar

from tests.hours.conftest import CHAT_LANGS, THU, TUE


def events(body: bytes) -> list:
    calendar = Calendar.from_ical(body)
    assert calendar["version"] == "2.0"
    assert calendar["prodid"]
    return [c for c in calendar.walk("VEVENT")]


def test_the_chat_feed_across_the_autumn_change(client, use_settings, add_slot):
    add_slot("chat", TUE, "12:00", "15:00", CHAT_LANGS)
    add_slot("chat", THU, "12:00", "15:00", CHAT_LANGS)
    add_slot("phone", 0, "10:00", "16:00")
    use_settings(frozen_now=datetime.fromisoformat("2026-10-20T08:00:00+03:00"))

    response = client.get("/en/hours/chat.ics")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert "no-cache" in response.headers["cache-control"]
    found = events(response.content)
    starts = [e.decoded("dtstart") for e in found]
    # Summer time (UTC+3) until 25 October, winter time (UTC+2) after: 12:00 local each time.
    assert starts == [
        datetime(2026, 10, 20, 9, 0, tzinfo=UTC),
        datetime(2026, 10, 22, 9, 0, tzinfo=UTC),
        datetime(2026, 10, 27, 10, 0, tzinfo=UTC),
        datetime(2026, 10, 29, 10, 0, tzinfo=UTC),
        datetime(2026, 11, 3, 10, 0, tzinfo=UTC),
        datetime(2026, 11, 5, 10, 0, tzinfo=UTC),
        datetime(2026, 11, 10, 10, 0, tzinfo=UTC),
        datetime(2026, 11, 12, 10, 0, tzinfo=UTC),
    ]
    assert [e.decoded("dtend") for e in found][2] == datetime(2026, 10, 27, 13, 0, tzinfo=UTC)
    first = found[0]
    assert str(first["summary"]) == "Red Cross chat advice is open"
    assert first["summary"].params["LANGUAGE"] == "en"
    assert first.decoded("dtstamp") == datetime(2026, 10, 20, 5, 0, tzinfo=UTC)
    assert "Soomaali" in str(first["description"])
    assert str(first["url"]) == "http://testserver/en/hours"
    # Every raw instant is written in UTC ("Z"), which every calendar app reads the same way.
    assert b"DTSTART:20261027T100000Z" in response.content


def test_uids_are_unique_and_stable_between_fetches(client, use_settings, add_slot):
    add_slot("chat", TUE, "12:00", "15:00")
    add_slot("phone", TUE, "12:00", "15:00")
    use_settings(frozen_now=datetime.fromisoformat("2026-12-01T08:00:00+02:00"))
    first = [str(e["uid"]) for e in events(client.get("/fi/hours.ics").content)]
    use_settings(frozen_now=datetime.fromisoformat("2026-12-01T09:00:00+02:00"))
    again = [str(e["uid"]) for e in events(client.get("/fi/hours.ics").content)]
    assert len(first) == len(set(first)) == 8  # four Tuesdays, two channels
    assert first == again
    assert "chat-20261201T1200@testserver" in first


def test_the_feed_speaks_the_pages_language(client, use_settings, add_slot):
    add_slot("chat", TUE, "12:00", "15:00")
    use_settings(frozen_now=datetime.fromisoformat("2026-12-01T08:00:00+02:00"))
    fi = events(client.get("/fi/hours/chat.ics").content)
    sv = events(client.get("/sv/hours/chat.ics").content)
    assert str(fi[0]["summary"]) == "Punaisen Ristin chat-neuvonta on avoinna"
    assert str(sv[0]["summary"]) == "Röda Korsets chattrådgivning är öppen"


def test_holidays_and_closings_leave_the_feed(client, use_settings, add_slot, add_exception):
    add_slot("chat", THU, "12:00", "15:00")
    add_exception(datetime(2026, 12, 10).date(), "closed", "chat")
    use_settings(frozen_now=datetime.fromisoformat("2026-12-01T08:00:00+02:00"))
    days = [e.decoded("dtstart").date().isoformat() for e in events(
        client.get("/en/hours/chat.ics").content
    )]
    assert days == ["2026-12-03", "2026-12-17"]  # 10th closed, 24th is Christmas Eve


def test_an_unknown_channel_has_no_feed(client):
    assert client.get("/en/hours/sms.ics").status_code == 404
