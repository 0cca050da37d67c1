"""The web shell: redirects, headers, error pages."""


def test_root_redirects_by_accept_language(client):
    response = client.get("/", headers={"accept-language": "sv-FI,sv;q=0.9"})
    assert response.status_code == 303
    assert response.headers["location"] == "/sv/"


def test_security_headers_on_every_page(client):
    response = client.get("/fi/")
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "strict-transport-security" not in response.headers  # only in production over https


def test_page_language_and_direction(client):
    html = client.get("/sv/").text
    assert '<html lang="sv" dir="ltr">' in html


def test_unknown_page_is_a_friendly_404_in_the_page_language(client):
    response = client.get("/en/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.text


def test_static_files_are_cached_long(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert "immutable" in response.headers["cache-control"]


def test_migrations_match_the_models(database_url):
    from yhteys.migrate import check

    check(database_url)
