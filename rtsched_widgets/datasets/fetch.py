"""Instances of the Curtois & Qu series that the package does not ship, fetched on request.

:func:`fetch_nrp` downloads ``Instance<n>.txt`` into a per-user cache folder (platformdirs'
user cache of ``rtsched_widgets``, sub-folder ``nrp``), checks that it parses as an NRP
instance before keeping it, and reuses the cached file on every later call without touching
the network. Without a connection it fails at once with a :class:`DatasetUnavailable` that names
the address to fetch by hand and the exact file to save it as.
"""

from __future__ import annotations

import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from rtsched_widgets.datasets.catalog import nrp_name

SOURCES: tuple[str, ...] = (
    "https://www.schedulingbenchmarks.org/nrp/data/{name}.txt",
    "https://raw.githubusercontent.com/wssuite/NurseScheduler/master/datasets/nrp/{name}.txt",
)
"""Where an instance is fetched from, tried in order: the benchmark site, then the MIT-licensed
copy of the series kept by the wssuite/NurseScheduler project. ``{name}`` is ``Instance<n>``."""

TIMEOUT = 15.0
"""Seconds to wait for each address before trying the next."""

MAX_BYTES = 8 * 1024 * 1024
"""The largest file accepted (the largest instance of the series is about 0.4 MB)."""


class DatasetUnavailable(OSError):
    """An instance could not be fetched; the message says where to get it and where to put it."""


def cache_folder(folder: str | os.PathLike[str] | None = None) -> Path:
    """The folder fetched NRP instances are kept in: ``folder`` when given, else the user
    cache of ``rtsched_widgets`` (``platformdirs.user_cache_dir``) with ``/nrp`` appended."""
    if folder is not None:
        return Path(folder)
    import platformdirs

    return Path(platformdirs.user_cache_dir("rtsched_widgets")) / "nrp"


def cached_file(name_or_number: int | str, folder: str | os.PathLike[str] | None = None) -> Path:
    """Where a fetched instance is (or would be) kept."""
    return cache_folder(folder) / f"{nrp_name(name_or_number)}.txt"


def _download(url: str) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": "rtsched_widgets"})
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
        data: bytes = response.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValueError(f"more than {MAX_BYTES} bytes — not an instance of the series")
    return data


def fetch_nrp(
    n: int | str,
    cache_dir: str | os.PathLike[str] | None = None,
    *,
    sources: Sequence[str] | None = None,
) -> Path:
    """The path of instance ``n`` of the series in the cache, downloading it first if needed.

    ``sources``: address templates tried in order (default :data:`SOURCES`), each with
    ``{name}`` for ``Instance<n>``. A download is kept only when it parses as an NRP instance;
    it is written to a temporary file and renamed into place, so an interrupted download never
    leaves a partial file in the cache. Raises :class:`DatasetUnavailable` when no address
    answers with a valid instance, naming every address tried, why it failed, and the file to
    save the instance as by hand.
    """
    from rtsched_widgets.model.io.nrp import parse_nrp

    name = nrp_name(n)
    target = cached_file(name, cache_dir)
    if target.is_file():
        return target
    templates = list(SOURCES if sources is None else sources)
    if not templates:
        raise ValueError("sources: give at least one address template with {name}")
    failures: list[str] = []
    for template in templates:
        url = template.format(name=name)
        try:
            text = _download(url).decode("utf-8-sig")
            parse_nrp(text, name=name, source=url)
        except (OSError, urllib.error.URLError, UnicodeDecodeError, ValueError) as exc:
            failures.append(f"{url}: {getattr(exc, 'reason', None) or exc}")
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{name}.", suffix=".part")
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return target
    first = templates[0].format(name=name)
    raise DatasetUnavailable(
        f"{name} could not be downloaded ("
        + "; ".join(failures)
        + f"). Fetch {first} by hand and save it as {target}; rt.datasets.nrp({name!r}) "
        "then finds it there."
    )
