"""Hugging Face Hub access: repository ids, the local hub cache, offline mode, reachability, downloads.

Everything here speaks to ``huggingface_hub`` or the network and knows nothing about which files make a
loadable model; :mod:`modelpick.candidates._weights` decides that and in which order places are tried.
``huggingface_hub`` is imported inside the functions that use it, so importing this module stays cheap.

Nothing here executes model code: downloads fetch only the files asked for by pattern.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from modelpick._imports import require

__all__ = [
    "HUB_PROBE_TIMEOUT_S",
    "cached_snapshot",
    "download_snapshot",
    "hf_cache_dir",
    "hub_offline",
    "hub_reachable",
    "list_root_files",
    "looks_like_hub_id",
]

# huggingface_hub's metadata calls run without a timeout; on a network that drops packets they would hang
# for minutes. One TCP connect with this timeout decides first whether the Hub answers at all.
HUB_PROBE_TIMEOUT_S = 3.0

_TRUE = {"1", "ON", "YES", "TRUE"}  # the values huggingface_hub treats as true
_DEFAULT_ENDPOINT = "https://huggingface.co"
_HUB_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?"
_HUB_ID_RE = re.compile(rf"^{_HUB_NAME}/{_HUB_NAME}$")
_BARE_HUB_ID_RE = re.compile(rf"^{_HUB_NAME}$")


def looks_like_hub_id(text: str, *, allow_bare: bool = False) -> bool:
    """Whether ``text`` has the form of a Hugging Face Hub repository id, ``org/name``.

    Args:
        text: The string to check.
        allow_bare: Also accept a name without organisation (legacy ids such as ``bert-base-uncased``).

    Example:
        >>> looks_like_hub_id("google/electra-small-discriminator"), looks_like_hub_id("./models/x")
        (True, False)
        >>> looks_like_hub_id("bert-base-uncased"), looks_like_hub_id("bert-base-uncased", allow_bare=True)
        (False, True)
    """
    if not isinstance(text, str) or "--" in text or ".." in text:
        return False
    pattern = _BARE_HUB_ID_RE if allow_bare and "/" not in text else _HUB_ID_RE
    return pattern.fullmatch(text) is not None


def hf_cache_dir(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """The Hugging Face hub cache to read: ``cache_dir``, else the one ``huggingface_hub`` would use.

    Read from the environment at call time (``HF_HUB_CACHE``, ``HUGGINGFACE_HUB_CACHE``, ``HF_HOME``,
    ``XDG_CACHE_HOME``), because ``huggingface_hub`` freezes it when first imported.

    Example:
        >>> hf_cache_dir("/data/hf").as_posix()
        '/data/hf'
    """
    if cache_dir:
        return Path(cache_dir).expanduser()
    env = os.environ
    for var in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        if env.get(var):
            return Path(os.path.expandvars(env[var])).expanduser()
    if env.get("HF_HOME"):
        return Path(os.path.expandvars(env["HF_HOME"])).expanduser() / "hub"
    base = Path(env["XDG_CACHE_HOME"]).expanduser() if env.get("XDG_CACHE_HOME") else Path.home() / ".cache"
    return base / "huggingface" / "hub"


def hub_offline() -> bool:
    """Whether Hugging Face offline mode is on (``HF_HUB_OFFLINE`` / ``TRANSFORMERS_OFFLINE``).

    Both the environment now and the value ``huggingface_hub`` read at import count: either one stops
    its downloads.

    Example:
        >>> import os
        >>> from unittest import mock
        >>> with mock.patch.dict(os.environ, {"HF_HUB_OFFLINE": "1"}):
        ...     hub_offline()
        True
    """
    if any(os.environ.get(var, "").strip().upper() in _TRUE for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")):
        return True
    constants = sys.modules.get("huggingface_hub.constants")
    return bool(getattr(constants, "HF_HUB_OFFLINE", False))


def _endpoint() -> str:
    constants = sys.modules.get("huggingface_hub.constants")
    return os.environ.get("HF_ENDPOINT") or getattr(constants, "ENDPOINT", None) or _DEFAULT_ENDPOINT


def hub_reachable(endpoint: str | None = None, *, timeout_s: float = HUB_PROBE_TIMEOUT_S) -> tuple[bool, str]:
    """Whether a TCP connection to the Hub (or the proxy in front of it) opens within ``timeout_s``.

    Name resolution is included in the time limit: the attempt runs in a daemon thread that is
    abandoned when it overruns.

    Returns:
        ``(True, "")``, or ``(False, reason)`` with a short reason for the report.

    Example:
        >>> import socket
        >>> with socket.socket() as probe:  # a port just released is closed
        ...     _ = probe.bind(("127.0.0.1", 0))
        ...     port = probe.getsockname()[1]
        >>> hub_reachable(f"http://127.0.0.1:{port}", timeout_s=2)[0]
        False
    """
    import socket  # imported here: only a resolution that may download needs the network modules
    import threading
    import urllib.request

    parts = urlsplit(endpoint or _endpoint())
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    proxy = urllib.request.getproxies().get(parts.scheme) or urllib.request.getproxies().get("all")
    if proxy and not urllib.request.proxy_bypass(host):
        proxy_parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        host, port = proxy_parts.hostname or host, proxy_parts.port or 80
    outcome: dict[str, object] = {}

    def attempt() -> None:
        try:
            with socket.create_connection((host, port), timeout=timeout_s):
                outcome["ok"] = True
        except OSError as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=attempt, name="modelpick-hub-probe", daemon=True)
    thread.start()
    thread.join(timeout_s)
    if outcome.get("ok"):
        return True, ""
    error = outcome.get("error")
    if error is None:
        return False, f"{host}:{port} did not answer within {timeout_s:g} s"
    reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
    return False, f"{host}: {reason}"


def cached_snapshot(repo_id: str, cache: Path) -> Path | None:
    """The snapshot directory of ``repo_id`` in the hub cache ``cache``, or ``None`` when it is not there.

    Offline: reads ``refs/`` and ``snapshots/`` only. Whether the snapshot holds a loadable model is for
    the caller to check.

    Example:
        >>> import tempfile
        >>> cached_snapshot("someorg/some-model", Path(tempfile.mkdtemp())) is None
        True
    """
    hub = require("huggingface_hub", purpose="read the Hugging Face cache")
    try:
        # huggingface_hub's own reading of refs/ and snapshots/, so any real cache layout works.
        return Path(hub.snapshot_download(repo_id, cache_dir=cache, local_files_only=True))
    except (OSError, ValueError):  # LocalEntryNotFoundError is an OSError; a malformed id a ValueError
        return None


def list_root_files(repo_id: str) -> list[str]:
    """The files at the top level of the Hub repository ``repo_id`` (one metadata request).

    Call only after :func:`hub_reachable` succeeded: huggingface_hub's own timeouts apply from here on.
    Any Hub failure (404, gated repository, HTTP error) propagates as ``huggingface_hub`` raises it.

    Example:
        >>> list_root_files("sentence-transformers/all-MiniLM-L6-v2")  # doctest: +SKIP
        ['.gitattributes', 'config.json', 'model.safetensors', ...]
    """
    hub = require("huggingface_hub", purpose="download models from the Hugging Face Hub")
    return [f for f in hub.HfApi().list_repo_files(repo_id) if "/" not in f]


def download_snapshot(repo_id: str, cache: Path, patterns: Sequence[str]) -> Path:
    """Download the files of ``repo_id`` matching ``patterns`` into the hub cache ``cache``.

    Returns:
        The snapshot directory, laid out as :func:`cached_snapshot` finds it later, offline.

    Example:
        >>> download_snapshot("org/name", hf_cache_dir(), ["*.json"])  # doctest: +SKIP
        PosixPath('/home/me/.cache/huggingface/hub/models--org--name/snapshots/...')
    """
    hub = require("huggingface_hub", purpose="download models from the Hugging Face Hub")
    return Path(hub.snapshot_download(repo_id, cache_dir=cache, allow_patterns=list(patterns)))
