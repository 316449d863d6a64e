"""Where a transformer candidate's weights come from: the resolution order of DESIGN.md §4.

explicit local path → Hugging Face cache → Hub download (when allowed and online) → a pip package that
ships the weights → the bare architecture with random weights. Each step that finds nothing adds one
clause to the resolution's ``detail``, so the report can say in one sentence where the weights came
from, or why it fell back.

Nothing here executes model code: no ``trust_remote_code``, and downloads fetch configs, tokenizers and
weights only.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from modelpick._imports import require
from modelpick.candidates._base import WeightsResolution
from modelpick.exceptions import WeightsNotFoundError

if TYPE_CHECKING:
    from modelpick.candidates.transformer import TransformerCandidate

__all__ = [
    "HUB_PROBE_TIMEOUT_S",
    "find_weight_files",
    "hf_cache_dir",
    "hub_offline",
    "hub_reachable",
    "looks_like_hub_id",
    "model_dir_problem",
    "resolve_weights",
]

# huggingface_hub's metadata calls run without a timeout; on a network that drops packets they would hang
# for minutes. One TCP connect with this timeout decides first whether the Hub answers at all.
HUB_PROBE_TIMEOUT_S = 3.0

_TRUE = {"1", "ON", "YES", "TRUE"}  # the values huggingface_hub treats as true
_DEFAULT_ENDPOINT = "https://huggingface.co"
# Root-level files transformers 5 can load weights from (TF .h5 and Flax .msgpack are not loadable there).
_WEIGHTS_RE = re.compile(r"^(?:.*\.safetensors|pytorch_model(?:-\d+-of-\d+)?\.bin)$")
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


def find_weight_files(path: str | os.PathLike[str]) -> list[Path]:
    """The weight files ``from_pretrained`` would load from directory ``path``.

    ``*.safetensors`` and ``pytorch_model*.bin`` at its top level; TF and Flax files do not count.
    """
    directory = Path(path)
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if _WEIGHTS_RE.match(p.name) and p.is_file())


def model_dir_problem(path: str | os.PathLike[str]) -> str | None:
    """Why ``path`` cannot be loaded with real weights, or ``None`` when it has config.json and weights."""
    directory = Path(path)
    shown = _display(directory)
    if not directory.exists():
        return f"{shown} does not exist"
    if not directory.is_dir():
        return f"{shown} is not a directory"
    if not (directory / "config.json").is_file():
        return f"{shown} has no config.json"
    if not find_weight_files(directory):
        return f"{shown} has config.json but no weights file (*.safetensors or pytorch_model.bin)"
    return None


def _display(path: Path) -> str:
    """``path`` with the home directory shown as ``~``, as users type it."""
    text = str(path)
    home = str(Path.home())
    if home not in ("", "/") and (text == home or text.startswith(home + os.sep)):
        return "~" + text[len(home):]
    return text


def _from_cache(repo_ids: tuple[str, ...], cache: Path) -> tuple[Path | None, str]:
    """The first cached snapshot of ``repo_ids`` with config and weights, else why there is none."""
    shown = _display(cache)
    if not cache.is_dir():
        return None, f"not in the Hugging Face cache ({shown})"
    hub = require("huggingface_hub", purpose="read the Hugging Face cache")
    incomplete: list[str] = []
    for repo_id in repo_ids:
        try:
            # huggingface_hub's own reading of refs/ and snapshots/, so any real cache layout works.
            snapshot = Path(hub.snapshot_download(repo_id, cache_dir=cache, local_files_only=True))
        except (OSError, ValueError):  # LocalEntryNotFoundError is an OSError; a malformed id a ValueError
            continue
        if model_dir_problem(snapshot) is None:
            return snapshot, ""
        incomplete.append(repo_id)
    if incomplete:
        return None, f"in the Hugging Face cache ({shown}) without weights files"
    return None, f"not in the Hugging Face cache ({shown})"


def _download(repo_id: str, cache: Path) -> tuple[Path | None, str]:
    """Download config, tokenizer and one set of weights of ``repo_id`` into ``cache``.

    Called only after :func:`hub_reachable` succeeded, so huggingface_hub's own timeouts apply.
    """
    hub = require("huggingface_hub", purpose="download models from the Hugging Face Hub")
    try:
        files = [f for f in hub.HfApi().list_repo_files(repo_id) if "/" not in f]
        weights = [f for f in files if f.endswith(".safetensors") or f == "model.safetensors.index.json"]
        if not any(f.endswith(".safetensors") for f in weights):
            # Older repositories ship only PyTorch pickles; never both, to halve the download.
            weights = [f for f in files if _WEIGHTS_RE.match(f) or f == "pytorch_model.bin.index.json"]
        if not weights:
            return None, f"the Hub repository {repo_id} has no PyTorch weights"
        patterns = ["*.json", "*.txt", "*.model", *weights]
        snapshot = Path(hub.snapshot_download(repo_id, cache_dir=cache, allow_patterns=patterns))
    except Exception as exc:  # noqa: BLE001 - any Hub failure (404, gated, HTTP, disk) means: try the next place
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return None, f"Hub download failed ({first_line[:160]})"
    problem = model_dir_problem(snapshot)
    if problem is not None:
        return None, f"Hub download incomplete ({problem})"
    return snapshot, ""


def _from_package(package: str) -> tuple[Path | None, str]:
    """The weights directory a pip package ships (``get_model_path()``, else the package folder)."""
    try:
        found = importlib.util.find_spec(package) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        return None, f"pip package {package} not installed"
    try:
        module = importlib.import_module(package)
        getter = getattr(module, "get_model_path", None)
        path = Path(getter()) if callable(getter) else Path(module.__file__ or "").parent
    except Exception as exc:  # noqa: BLE001 - a broken package is one more place without weights
        return None, f"pip package {package} failed to import ({type(exc).__name__}: {exc})"
    problem = model_dir_problem(path)
    if problem is not None:
        return None, f"pip package {package} has no usable weights ({problem})"
    return path, ""


def _sentence(failures: list[str], outcome: str) -> str:
    return f"{', '.join(failures)}: {outcome}" if failures else outcome


def resolve_weights(
    candidate: TransformerCandidate,
    *,
    allow_download: bool,
    cache_dir: str | os.PathLike[str] | None = None,
    hub_timeout_s: float = HUB_PROBE_TIMEOUT_S,
) -> WeightsResolution:
    """Find ``candidate``'s weights in the order of DESIGN.md §4 (see the module docstring).

    Raises:
        WeightsNotFoundError: no weights anywhere and no architecture to build.
    """
    architecture = dict(candidate.architecture) if candidate.architecture else None
    failures: list[str] = []

    def found(source: str, path: Path, outcome: str) -> WeightsResolution:
        detail = _sentence(failures, outcome)
        return WeightsResolution(source, str(path), detail, config=architecture)  # type: ignore[arg-type]

    # 1. An explicit local directory.
    if candidate.local_path:
        problem = model_dir_problem(candidate.local_path)
        if problem is None:
            return found("local", Path(candidate.local_path), f"local directory {_display(Path(candidate.local_path))}")
        failures.append(f"local directory {problem}")
    else:
        failures.append("no local copy")

    repo_ids = candidate.hub_ids()
    cache = hf_cache_dir(cache_dir)
    if repo_ids:
        # 2. The Hugging Face cache: works offline.
        snapshot, why = _from_cache(repo_ids, cache)
        if snapshot is not None:
            return found("hf-cache", snapshot, f"found in the Hugging Face cache ({_display(snapshot)})")
        failures.append(why)

        # 3. The Hub, only when allowed and online; a dead network must cost seconds, not minutes.
        if not allow_download:
            failures.append("Hub download not allowed (allow_download=False)")
        elif hub_offline():
            failures.append("Hub not reachable (offline)")
        else:
            reachable, why = hub_reachable(timeout_s=hub_timeout_s)
            if not reachable:
                failures.append(f"Hub not reachable ({why})")
            else:
                snapshot, why = _download(repo_ids[0], cache)
                if snapshot is not None:
                    return found("hub", snapshot, f"downloaded from the Hugging Face Hub into {_display(cache)}")
                failures.append(why)

    # 4. A pip package that ships the weights.
    if candidate.weights_package:
        path, why = _from_package(candidate.weights_package)
        if path is not None:
            shipped = f"the copy shipped in the pip package {candidate.weights_package} ({_display(path)})"
            return found("package", path, shipped)
        failures.append(why)

    # 5. The bare architecture: exact latency and memory, unknown accuracy.
    if architecture is not None:
        return WeightsResolution(
            "architecture-only", None, _sentence(failures, "built from the catalog config with random weights"),
            config=architecture,
        )

    raise WeightsNotFoundError(
        f"No weights for {candidate.name!r}: {', '.join(failures)}, and it has no catalog architecture to build "
        f"instead. Fix: {_fix(candidate, repo_ids)}"
    )


def _fix(candidate: TransformerCandidate, repo_ids: tuple[str, ...]) -> str:
    if candidate.local_path and not repo_ids:
        return (
            f"save the model with its weights into {candidate.local_path} "
            "(model.save_pretrained(dir) writes config.json and model.safetensors)."
        )
    repo_id = repo_ids[0] if repo_ids else candidate.model_id
    return (
        f"on a machine that reaches the Hub run `hf download {repo_id}` and copy its cache here "
        "(or point HF_HUB_CACHE at it), or pass a local directory that holds config.json and the weights."
    )
