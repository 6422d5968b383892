"""rt.datasets.fetch_nrp against a local HTTP server on 127.0.0.1 (no network in tests)."""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from rtsched_widgets import datasets
from rtsched_widgets.datasets.fetch import DatasetUnavailable, cache_folder
from rtsched_widgets.model.io import dump_nrp


class _Site:
    """A tiny benchmark site: serves ``files`` (name -> bytes) and counts requests."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.requests: list[str] = []
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.requests.append(self.path)
                body = site.files.get(self.path.lstrip("/"))
                self.send_response(200 if body is not None else 404)
                self.end_headers()
                self.wfile.write(body if body is not None else b"not found")

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/{{name}}.txt"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site() -> Iterator[_Site]:
    s = _Site()
    yield s
    s.stop()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _instance14_text() -> str:
    """A stand-in for Instance14: a valid instance of the format (Instance2's content)."""
    return dump_nrp(datasets.nrp(2))


def test_fetch_downloads_checks_caches_and_reuses(site: _Site, tmp_path: Path) -> None:
    site.files["Instance14.txt"] = _instance14_text().encode()
    path = datasets.fetch_nrp(14, cache_dir=tmp_path, sources=[site.url])
    assert path == tmp_path / "Instance14.txt" and path.is_file()
    assert site.requests == ["/Instance14.txt"]
    problem = datasets.nrp("Instance14", cache_dir=tmp_path)
    assert problem.name == "Instance14"
    assert dump_nrp(problem) == _instance14_text()
    site.stop()  # the cache answers from now on, without the network
    assert datasets.fetch_nrp("nrp:14", cache_dir=tmp_path, sources=[site.url]) == path
    assert site.requests == ["/Instance14.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Instance14.txt"]


def test_the_next_source_is_tried_when_one_fails(site: _Site, tmp_path: Path) -> None:
    site.files["Instance18.txt"] = _instance14_text().encode()
    dead = f"http://127.0.0.1:{_closed_port()}/{{name}}.txt"
    missing = site.url.replace("{name}", "missing/{name}")
    path = datasets.fetch_nrp(18, cache_dir=tmp_path, sources=[dead, missing, site.url])
    assert path.read_text() == _instance14_text()
    assert site.requests == ["/missing/Instance18.txt", "/Instance18.txt"]


def test_offline_fails_at_once_naming_the_url_and_the_file_to_save(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{_closed_port()}/nrp/{{name}}.txt"
    with pytest.raises(DatasetUnavailable) as err:
        datasets.fetch_nrp(21, cache_dir=tmp_path, sources=[dead])
    message = str(err.value)
    assert dead.format(name="Instance21") in message
    assert str(tmp_path / "Instance21.txt") in message
    assert "by hand" in message
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "body",
    [b"<html>rate limited</html>", b"SECTION_HORIZON\nlots\n", b"\xff\xfe\x00garbage"],
    ids=["html", "broken", "binary"],
)
def test_a_download_that_does_not_parse_is_not_cached(
    site: _Site, tmp_path: Path, body: bytes
) -> None:
    site.files["Instance23.txt"] = body
    with pytest.raises(DatasetUnavailable, match="Instance23") as err:
        datasets.fetch_nrp(23, cache_dir=tmp_path, sources=[site.url])
    assert site.url.format(name="Instance23") in str(err.value)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(FileNotFoundError):
        datasets.nrp(23, cache_dir=tmp_path)


def test_a_bundled_instance_is_never_fetched(site: _Site, tmp_path: Path) -> None:
    # fetch_nrp of a bundled instance still goes to the cache folder it is told (a researcher
    # may want the original file), but nrp() always reads the bundled copy first
    assert datasets.nrp_path(5) != tmp_path / "Instance5.txt"
    assert datasets.nrp(5, cache_dir=tmp_path).n_workers == 16
    assert site.requests == []


def test_the_default_cache_is_the_user_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_folder() == tmp_path / "rtsched_widgets" / "nrp"
    with pytest.raises(FileNotFoundError, match=str(tmp_path / "rtsched_widgets" / "nrp")):
        datasets.nrp_path(14)
