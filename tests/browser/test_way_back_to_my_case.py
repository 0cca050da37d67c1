"""She always finds her way back to her case, in real Chromium, on a phone-size screen: a request
with no way of contact and a PIN; every cookie gone; "Open my request" with the reference code and
the PIN; the advisor's reply with a file; she downloads it, sends a file of her own and says she
needs help today; the advisor's board shows the case as urgent. Every client page passes axe-core.

Each client step leaves a 360x740 screenshot in the test's tmp folder and in /work/shots/e2e/
(when that folder can be made) so the pages can be looked at."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.browser.helpers import (
    assert_accessible,
    assert_no_console_errors,
    assert_no_third_party_requests,
)
from tests.browser.test_triage_flow import advisor, log_in  # noqa: F401 - the staff fixture
from tests.intake.test_form_uploads import PDF, png
from tests.triage.conftest import make_staff, make_team  # noqa: F401 - the staff fixtures

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]

PHONE = {"width": 360, "height": 740}
SHOTS = Path("/work/shots/e2e")
PIN = "402913"
REPLY = "Here is the form for the family reunification. Fill it in and send it back."


class Steps:
    """Screenshots named by step, kept in the tmp folder and copied where they can be seen."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.number = 0

    def take(self, page: Any, name: str) -> Path:
        self.number += 1
        path = self.folder / f"{self.number:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        try:
            SHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, SHOTS / path.name)
        except OSError:  # a machine without /work: the tmp folder still has them
            pass
        return path


def checked(page: Any) -> None:
    assert_accessible(page)
    assert_no_third_party_requests(page)
    assert_no_console_errors(page)


def send_request_without_contact(page: Any, steps: Steps) -> str:
    page.goto("/en/request/other")
    checked(page)
    page.fill("#f-name", "Amal")
    page.fill("#f-message", "I need advice about my family.")
    page.check("#f-contact_channel-none")
    page.fill("#f-pin", PIN)
    page.check("#f-consents-process")
    steps.take(page, "request-form")
    page.get_by_role("button", name="Send request", exact=True).click()
    page.wait_for_load_state("domcontentloaded")
    checked(page)
    steps.take(page, "confirmation")
    reference = page.locator(".reference").first.inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9-]{4,}", reference), reference
    return reference


def open_with_pin(page: Any, reference: str, steps: Steps) -> None:
    page.goto("/en/open")
    checked(page)
    page.fill("#f-pin_reference", reference)
    page.fill("#f-pin", PIN)
    steps.take(page, "open-my-request")
    page.locator("form:has(input[name=way][value=pin]) button[type=submit]").click()
    page.wait_for_url("**/en/my-request**")
    assert PIN not in page.url and reference in page.locator("main").inner_text()


def reply_with_file(staff: Any, reference: str, tmp_path: Path) -> None:
    staff.goto("/triage/board")
    staff.locator(f"#card-{reference}").get_by_role("button", name=f"Claim {reference}").click()
    staff.locator(f"section.column-assigned #card-{reference}").wait_for()
    staff.goto(f"/triage/cases/{reference}")
    attachment = tmp_path / "reunification form.pdf"
    attachment.write_bytes(PDF)
    staff.fill("#reply", REPLY)
    staff.set_input_files("#reply-files", str(attachment))
    staff.get_by_role("button", name="Send reply").click()
    staff.wait_for_url(f"**/triage/cases/{reference}?done=reply")


def test_without_contact_she_comes_back_with_the_pin_and_the_case_rises(
    new_context, advisor, tmp_path  # noqa: ANN001, F811
):
    steps = Steps(tmp_path / "steps")
    first = new_context(viewport=PHONE)
    reference = send_request_without_contact(first.new_page(), steps)
    first.close()  # every cookie goes with it

    staff = new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(staff, advisor, audit=False)
    reply_with_file(staff, reference, tmp_path)

    client_context = new_context(viewport=PHONE, accept_downloads=True)
    assert client_context.cookies() == []
    client = client_context.new_page()
    open_with_pin(client, reference, steps)
    checked(client)
    steps.take(client, "my-request-with-reply")
    assert REPLY in client.locator(".conversation").inner_text()

    link = client.get_by_role("link", name="reunification form.pdf")
    with client.expect_download() as download_info:
        link.click()
    download = download_info.value
    saved = tmp_path / "downloaded.pdf"
    download.save_as(saved)
    assert download.suggested_filename == "reunification form.pdf"
    assert saved.read_bytes().startswith(b"%PDF")

    photo = tmp_path / "residence permit.png"
    photo.write_bytes(png())
    client.set_input_files("#f-files", str(photo))
    steps.take(client, "adding-a-file")
    client.get_by_role("button", name="Send message").click()
    client.wait_for_load_state("domcontentloaded")
    checked(client)
    assert "residence permit.png" in client.locator("main").inner_text()
    steps.take(client, "file-sent")

    client.fill("#f-urgent_body", "We have no place to sleep tonight.")
    client.get_by_role("button", name="I need help today").click()
    client.wait_for_load_state("domcontentloaded")
    client.locator("#help-today [role=status]").wait_for()
    checked(client)
    steps.take(client, "help-today-sent")
    assert "now urgent" in client.locator("#help-today").inner_text()

    staff.goto("/triage/board")
    card = staff.locator(f"#card-{reference}")
    assert "priority-urgent" in (card.get_attribute("class") or "")
    assert card.locator(".flag-urgent").count() == 1
    checked(staff)
