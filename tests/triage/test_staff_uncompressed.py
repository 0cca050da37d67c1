"""Staff pages carry case data and are no-store: they go uncompressed, whatever is accepted."""

from __future__ import annotations

from tests.yhteys.test_compression import GZIP, fetch


def test_staff_pages_go_uncompressed(client, make_staff, make_team, login_fast):  # noqa: ANN001
    team = make_team("Tracing")
    login_fast(client, make_staff(roles=("advisor", "supervisor"), teams=[team]))
    for path in ["/triage/", "/triage/audit", "/triage/hours"]:
        response, sent = fetch(client, "GET", path, GZIP)
        assert response.status_code == 200, path
        assert response.headers["cache-control"] == "no-store", path
        assert "content-encoding" not in response.headers, path
        assert sent.decode().rstrip().endswith("</html>"), path
