"""/metrics: Prometheus text that moves with the work, labelled by names never paths, shared by
the processes of a host, and closed to everyone but the configured addresses or a token."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from tests.intake.conftest import Browser, form_data, hidden, status_link
from yhteys.settings import PROJECT_ROOT

LOOPBACK = ("127.0.0.1", 40000)


def scrape(client: TestClient) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def scraper(app) -> TestClient:  # noqa: ANN001
    return TestClient(app, client=LOOPBACK)


def test_counters_move_with_the_work(client, scraper):  # noqa: ANN001 - `client` runs the worker
    before = scrape(scraper)
    browser = Browser(client)
    response = browser.send("other", form_data("other"))
    assert response.status_code == 200
    page = client.get("/triage/login")
    refused = client.post("/triage/login", data={"csrf_token": hidden(page.text, "csrf_token"),
                                                  "email": "nobody@example.org",
                                                  "password": "wrong-password-123"})
    assert refused.status_code == 400
    deadline = time.monotonic() + 15
    while True:  # the in-process worker sends the acknowledgement
        after = scrape(scraper)
        sent = value(after, "yhteys_deliveries_total", channel="sms", result="sent")
        if sent > value(before, "yhteys_deliveries_total", channel="sms", result="sent"):
            break
        assert time.monotonic() < deadline, "no delivery counted"
        time.sleep(0.2)
    assert value(after, "yhteys_submissions_total", kind="other", channel="web") == value(
        before, "yhteys_submissions_total", kind="other", channel="web") + 1
    assert value(after, "yhteys_login_failures_total", step="password") == value(
        before, "yhteys_login_failures_total", step="password") + 1
    submit = value(after, "yhteys_http_request_duration_seconds_count",
                   method="POST", route="request_submit")
    assert submit >= 1, sorted(k for k in after if "duration" in k[0])[:20]
    assert value(after, "yhteys_outbox_unsent") == 0


def test_routes_are_named_never_by_their_path(browser, quiet_client, scraper):  # noqa: ANN001
    response = browser.send("other", form_data("other"))
    path = status_link(response.text).replace("http://testserver", "")
    assert quiet_client.get(path).status_code == 200
    quiet_client.get("/no/such/page")
    quiet_client.request("BREW", "/no/such/pot")  # a method the client makes up
    text = scraper.get("/metrics").text
    secret = path.rsplit("/", 1)[1]
    assert secret not in text and "/status/" not in text
    routes = {labels["route"] for family in text_string_to_metric_families(text)
              for sample in family.samples for labels in [sample.labels] if "route" in labels}
    assert {"request_submit", "unmatched"} <= routes
    assert any("status" in r for r in routes), routes
    methods = {sample.labels["method"] for family in text_string_to_metric_families(text)
               for sample in family.samples if "method" in sample.labels}
    assert "BREW" not in methods and "other" in methods


def test_the_outbox_is_read_at_scrape_time(browser, scraper):  # noqa: ANN001
    browser.send("other", form_data("other"))  # nothing sends: the app's runtime is not started
    samples = scrape(scraper)
    assert value(samples, "yhteys_outbox_unsent") == 1
    assert value(samples, "yhteys_outbox_oldest_unsent_seconds") >= 0


def test_only_allowed_addresses_or_the_token_may_read(app, use_settings):  # noqa: ANN001
    outsider = TestClient(app, client=("203.0.113.9", 4000))
    assert outsider.get("/metrics").status_code == 403
    use_settings(metrics_token="t0ken-for-the-scraper-0123456789")
    assert outsider.get("/metrics", headers={"authorization": "Bearer wrong"}).status_code == 403
    assert outsider.get("/metrics", headers={
        "authorization": "Bearer t0ken-for-the-scraper-0123456789"}).status_code == 200
    local = TestClient(app, client=LOOPBACK)
    assert local.get("/metrics").status_code == 200
    # A proxy on this host forwards public requests from loopback: forwarded means refused...
    assert local.get("/metrics", headers={"x-forwarded-for": "198.51.100.7"}).status_code == 403
    # ...unless the proxy is trusted, and then the real client is judged.
    use_settings(trusted_proxies=("127.0.0.1",), metrics_allow=("10.0.0.0/8",))
    assert local.get("/metrics", headers={"x-forwarded-for": "198.51.100.7"}).status_code == 403
    assert local.get("/metrics", headers={"x-forwarded-for": "10.1.2.3"}).status_code == 200


WRITER = """
import sys
from yhteys import metrics
from yhteys.settings import load
metrics.prepare_multiprocess(load({"METRICS_DIR": sys.argv[1]}))
metrics.SUBMISSIONS.labels("tracing", "web").inc()
metrics.DELIVERIES.labels("email", "sent").inc(2)
"""


def test_the_processes_of_a_host_add_up(scraper, use_settings, tmp_path):  # noqa: ANN001
    folder = tmp_path / "metrics"
    for _ in range(2):  # two worker processes, each gone when scraped
        subprocess.run([sys.executable, "-c", WRITER, str(folder)], check=True, cwd=PROJECT_ROOT)
    use_settings(metrics_dir=folder)
    samples = scrape(scraper)
    assert value(samples, "yhteys_submissions_total", kind="tracing", channel="web") == 2
    assert value(samples, "yhteys_deliveries_total", channel="email", result="sent") == 4
    assert ("yhteys_outbox_unsent", ()) in samples  # read from the database as well


def test_serve_with_several_workers_shares_a_folder_and_prunes_dead_processes(
        settings, monkeypatch):  # noqa: ANN001
    import os

    from prometheus_client import values

    from yhteys.metrics import MULTIPROC_ENV, multiprocess_dir, prepare_multiprocess

    monkeypatch.setattr(values, "ValueClass", values.ValueClass)  # put back afterwards
    monkeypatch.setenv(MULTIPROC_ENV, "unset")
    monkeypatch.delenv(MULTIPROC_ENV)
    assert multiprocess_dir(settings) is None  # one process: its own memory
    folder = settings.var_dir / "metrics"
    folder.mkdir(parents=True)
    gone = subprocess.Popen(["true"])  # noqa: S607
    gone.wait()
    (folder / f"counter_{gone.pid}.db").write_bytes(b"")
    (folder / f"counter_{os.getpid()}.db").write_bytes(b"")
    assert prepare_multiprocess(settings, workers=4, prune=True) == folder
    assert os.environ[MULTIPROC_ENV] == str(folder)
    assert sorted(p.name for p in folder.iterdir()) == [f"counter_{os.getpid()}.db"]
    assert values.ValueClass is not values.MutexValue  # counted in the shared files from now on
