"""The deployment guide's example files are valid: nginx accepts the proxy configuration (``nginx -t``), systemd
would accept the unit (``systemd-analyze verify`` where it exists), and the guide names both."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.engines import missing

DEPLOY = REPO / "docs" / "deploy"


def test_nginx_accepts_the_example_configuration(tmp_path: Path) -> None:
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        missing("nginx", "the Debian package nginx-light")
        return
    # The example's machine paths (certificates, cache, pid) point into a temporary folder; nothing else changes.
    text = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    for path in ("/etc/ssl/mpr", "/var/cache/nginx/mpr"):
        (tmp_path / path.strip("/")).mkdir(parents=True)
        text = text.replace(path, str(tmp_path / path.strip("/")))
    text = text.replace("/run/mpr-nginx.pid", str(tmp_path / "nginx.pid"))
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test",
                    "-keyout", str(tmp_path / "etc/ssl/mpr/privkey.pem"),
                    "-out", str(tmp_path / "etc/ssl/mpr/fullchain.pem")], check=True, capture_output=True)
    conf = tmp_path / "nginx.conf"
    conf.write_text(text, encoding="utf-8")
    done = subprocess.run([nginx, "-t", "-c", str(conf), "-e", str(tmp_path / "error.log"), "-g",
                           f"error_log {tmp_path / 'error.log'};"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "syntax is ok" in done.stderr


def test_nginx_refuses_a_broken_configuration(tmp_path: Path) -> None:
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        pytest.skip("nginx is not installed")
    conf = tmp_path / "nginx.conf"
    conf.write_text("events {}\nhttp { server { listen 80; proxy_pass; } }\n", encoding="utf-8")
    done = subprocess.run([nginx, "-t", "-c", str(conf), "-e", str(tmp_path / "error.log")], capture_output=True,
                          text=True, check=False)
    assert done.returncode != 0  # the check above can fail


def test_the_systemd_unit_runs_several_workers_on_loopback() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(DEPLOY / "mpr.service", encoding="utf-8")
    start = unit["Service"]["ExecStart"]
    assert re.search(r"mpr serve --host 127\.0\.0\.1 --port \d+ --workers \d+", start)
    assert unit["Install"]["WantedBy"] == "multi-user.target"
    analyze = shutil.which("systemd-analyze")
    if analyze is not None:
        done = subprocess.run([analyze, "verify", "--man=no", str(DEPLOY / "mpr.service")], capture_output=True,
                              text=True, check=False)
        assert "Unknown key" not in done.stderr and "Unknown section" not in done.stderr, done.stderr


def test_the_guide_names_its_examples() -> None:
    guide = (REPO / "docs" / "deploy.md").read_text(encoding="utf-8")
    assert "deploy/nginx.conf" in guide and "deploy/mpr.service" in guide
