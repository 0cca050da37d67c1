"""The nginx recipe and the configuration the production-shape test runs are one file."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "deploy"))
import prodlike  # noqa: E402

pytestmark = pytest.mark.sqlite_only


def render(tmp_path: Path) -> str:
    return prodlike.site_conf(
        prodlike.SITE_TEMPLATE.read_text(), web_ports=[28101, 28102], https_port=18443,
        http_port=18080, cert=tmp_path / "cert.pem", key=tmp_path / "key.pem",
        cache=tmp_path / "cache", monitor="127.0.0.1")


def test_every_marked_line_of_the_recipe_is_rewritten(tmp_path: Path) -> None:
    conf = render(tmp_path)
    for gone in ("127.0.0.1:8001", "127.0.0.1:8002", "listen 443", "listen 80;", "/etc/letsencrypt",
                 "/var/cache/nginx", "10.0.0.5"):
        assert gone not in conf, gone
    assert "server 127.0.0.1:28101" in conf and "server 127.0.0.1:28102" in conf
    assert f"ssl_certificate {tmp_path / 'cert.pem'};" in conf
    assert "allow 127.0.0.1;" in conf
    # Everything else is the recipe's, line for line.
    template = prodlike.SITE_TEMPLATE.read_text().splitlines()
    kept = [line for line in template if "prod-like:" not in line]
    assert all(line in conf.splitlines() for line in kept if "return 301" not in line)


def test_the_recipe_keeps_what_the_app_relies_on() -> None:
    recipe = prodlike.SITE_TEMPLATE.read_text()
    assert "proxy_set_header X-Request-ID $request_id;" in recipe
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in recipe
    assert re.search(r"^\s*gzip off;", recipe, re.M)  # BREACH: the app decides (README)
    assert re.search(r"^\s*access_log off;", recipe, re.M)  # status links carry secrets


def test_nginx_accepts_the_rendered_configuration(tmp_path: Path) -> None:
    try:
        nginx = prodlike.ensure_nginx()
    except SystemExit as exc:
        pytest.skip(str(exc))
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem"),
                    "-subj", "/CN=127.0.0.1"], check=True, capture_output=True)
    (tmp_path / "site.conf").write_text(render(tmp_path))
    (tmp_path / "nginx.conf").write_text(prodlike.main_conf(tmp_path, tmp_path / "site.conf"))
    check = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
