"""A real labelled text set that is not the demo set: Debian package descriptions labelled by Section.

``apt-cache dumpavail`` prints one stanza per available package (60k+ on Debian 12). Its ``Description:``
field holds the one-line synopsis; the long description is in apt's ``Translation-en`` index files when
those were fetched (Docker images turn them off with ``Acquire::Languages "none"``). :func:`load_debian`
uses the long description where it can have it, fetching the translations once with
``apt-get update -o Acquire::Languages=en`` when running as root, and says so when it falls back to
synopses.

Choices, all printed by :func:`describe`:

* The label is the ``Section:`` without its archive area (``contrib/net`` -> ``net``).
* One row per package name; rows with an empty description are dropped; of rows with the same long
  description (``foo`` and ``foo-data`` often share one) only the first package, by name, is kept, so no
  text is nearly repeated across the train/test split.
* Sections whose descriptions are packaging boilerplate or name their language ("shared library",
  "development files", "Python 3 module") are left out (:data:`EXCLUDED_SECTIONS`): they would make the task
  keyword matching rather than reading. Of the rest, those with at least ``2 * per_section`` packages are
  eligible, ``n_sections`` of them are drawn with ``random.Random(seed)``, and ``per_section`` packages
  of each are drawn with the same generator.
* Texts are ``"<synopsis>. <long description>"`` with apt's paragraph markers removed, whitespace
  collapsed and cut at a word boundary to :data:`MAX_CHARS` characters (about 200 tokens: the same text
  reaches every candidate, whatever its token limit).

The CSV (``text,label``) is written under ``~/.cache/modelpick-bench/`` and reused when present.
"""

from __future__ import annotations

import csv
import glob
import hashlib
import os
import random
import subprocess
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "CACHE_DIR",
    "EXCLUDED_SECTIONS",
    "MAX_CHARS",
    "DebianDataset",
    "Package",
    "build_texts",
    "choose_sections",
    "load_debian",
    "parse_stanzas",
    "sample_rows",
]

CACHE_DIR = Path(os.environ.get("MODELPICK_BENCH_CACHE", Path.home() / ".cache" / "modelpick-bench"))
MAX_CHARS = 1000
# Boilerplate or language-named sections (see the module docstring), and catch-alls with no topic.
EXCLUDED_SECTIONS = frozenset({
    "libs", "libdevel", "oldlibs", "debug", "doc", "localization", "metapackages", "tasks", "introspection",
    "misc", "python", "perl", "haskell", "rust", "golang", "javascript", "java", "ruby", "gnu-r", "php", "ocaml",
    "lisp", "cli-mono", "raku", "tex", "zope",
})
_APT_LISTS = "/var/lib/apt/lists"
_APT_HELPER = "/usr/lib/apt/apt-helper"


@dataclass(frozen=True)
class Package:
    name: str
    section: str
    synopsis: str
    long_description: str  # "" when unknown
    description_md5: str = ""


@dataclass(frozen=True)
class DebianDataset:
    path: Path
    sections: tuple[str, ...]
    per_section: int
    seed: int
    n_rows: int
    long_descriptions: bool  # False: synopses only (no Translation-en index could be had)
    note: str  # how the data was obtained, one line


def parse_stanzas(text: str | Iterable[str]) -> Iterator[dict[str, str]]:
    """The stanzas of an apt index (``Field: value`` lines, continuation lines start with a space).

    A continuation line's leading space is dropped; a line ``" ."`` (apt's empty line) becomes ``""``.

    Example:
        >>> list(parse_stanzas("Package: a\\nDescription: short\\n line one\\n .\\n line two\\n\\nPackage: b\\n"))
        [{'Package': 'a', 'Description': 'short\\nline one\\n\\nline two'}, {'Package': 'b'}]
    """
    lines = text.splitlines() if isinstance(text, str) else (line.rstrip("\n") for line in text)
    stanza: dict[str, str] = {}
    field = None
    for line in lines:
        if not line.strip():
            if stanza:
                yield stanza
            stanza, field = {}, None
        elif line[0] in " \t":
            if field is not None:
                body = line[1:]
                stanza[field] += "\n" + ("" if body.strip() == "." else body)
        elif ":" in line:
            field, value = line.split(":", 1)
            stanza[field] = value.strip()
    if stanza:
        yield stanza


def _section(raw: str) -> str:
    # "contrib/net" -> "net", "non-free-firmware/kernel" -> "kernel"
    return raw.rsplit("/", 1)[-1].strip().lower()


def packages_from_index(stanzas: Iterable[dict[str, str]]) -> dict[str, Package]:
    """One :class:`Package` per name (the first stanza of a name wins), with a section and a synopsis."""
    found: dict[str, Package] = {}
    for stanza in stanzas:
        name, section = stanza.get("Package", "").strip(), _section(stanza.get("Section", ""))
        description = stanza.get("Description", stanza.get("Description-en", ""))
        synopsis, _, long_description = description.partition("\n")
        if not name or not section or name in found:
            continue
        found[name] = Package(name, section, synopsis.strip(), long_description.strip(),
                              stanza.get("Description-md5", ""))
    return found


def translations_from_index(stanzas: Iterable[dict[str, str]]) -> dict[tuple[str, str], str]:
    """``(package, description-md5) -> long description`` from ``Translation-en`` stanzas."""
    found: dict[tuple[str, str], str] = {}
    for stanza in stanzas:
        _, _, long_description = stanza.get("Description-en", "").partition("\n")
        if long_description.strip():
            found[(stanza.get("Package", ""), stanza.get("Description-md5", ""))] = long_description.strip()
    return found


def build_texts(packages: Iterable[Package]) -> list[tuple[str, str, str]]:
    """``(package, text, label)`` rows: empty descriptions dropped, shared long descriptions kept once.

    Example:
        >>> rows = build_texts([Package("b", "net", "Client", "Talks to servers."),
        ...                     Package("a", "net", "Server", "Talks to servers."), Package("c", "net", "", "")])
        >>> rows
        [('a', 'Server. Talks to servers.', 'net')]
    """
    rows, seen = [], set()
    for package in sorted(packages, key=lambda p: p.name):
        synopsis = " ".join(package.synopsis.split()).rstrip(".")
        body = " ".join(package.long_description.split())
        if not synopsis and not body:
            continue
        key = body or synopsis
        if key in seen:
            continue
        seen.add(key)
        text = f"{synopsis}. {body}" if body else synopsis
        if len(text) > MAX_CHARS:
            text = text[:MAX_CHARS].rsplit(" ", 1)[0]
        rows.append((package.name, text, package.section))
    return rows


def choose_sections(counts: Counter[str], *, n_sections: int, per_section: int, seed: int) -> list[str]:
    """``n_sections`` eligible sections (not excluded, at least ``2 * per_section`` rows), drawn with ``seed``.

    Raises:
        ValueError: fewer eligible sections than asked for.
    """
    eligible = sorted(s for s, n in counts.items() if s not in EXCLUDED_SECTIONS and n >= 2 * per_section)
    if len(eligible) < n_sections:
        raise ValueError(f"Only {len(eligible)} sections have {2 * per_section}+ packages ({', '.join(eligible)}); "
                         f"ask for fewer sections or fewer per section.")
    return sorted(random.Random(seed).sample(eligible, n_sections))


def sample_rows(rows: list[tuple[str, str, str]], *, n_sections: int, per_section: int, seed: int
                ) -> tuple[list[str], list[tuple[str, str]]]:
    """The chosen sections and ``(text, label)`` rows, ``per_section`` of each, in a seeded order."""
    sections = choose_sections(Counter(label for _, _, label in rows), n_sections=n_sections,
                               per_section=per_section, seed=seed)
    rng = random.Random(seed)
    chosen: list[tuple[str, str]] = []
    for section in sections:
        pool = [(text, label) for _, text, label in rows if label == section]
        chosen.extend(rng.sample(pool, per_section))
    rng.shuffle(chosen)
    return sections, chosen


def _run(command: list[str]) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def _translation_files() -> list[str]:
    return sorted(glob.glob(os.path.join(_APT_LISTS, "*_i18n_Translation-en*")))


def _read_index_file(path: str) -> str:
    # apt stores its lists compressed (lz4, gz, ...); its helper reads any of them.
    return _run([_APT_HELPER, "cat-file", path])


def read_available(*, fetch: bool = True, say=print) -> tuple[dict[str, Package], bool, str]:
    """Every available package with its long description where apt has one, whether long descriptions
    were found, and how the packages were obtained (one line)."""
    dump = _run(["apt-cache", "dumpavail"])
    if not dump.strip() and fetch and os.geteuid() == 0:
        say("apt-cache dumpavail printed nothing: running apt-get update")
        _run(["apt-get", "update", "-qq"])
        dump = _run(["apt-cache", "dumpavail"])
    packages = packages_from_index(parse_stanzas(dump))
    if not packages:
        raise RuntimeError("apt-cache dumpavail lists no packages; run apt-get update (as root) first.")
    if not _translation_files() and fetch and os.geteuid() == 0:
        say("no Translation-en index (apt's long descriptions): apt-get update -o Acquire::Languages=en")
        try:
            _run(["apt-get", "update", "-qq", "-o", "Acquire::Languages=en"])
        except subprocess.CalledProcessError as exc:
            say(f"  could not fetch them: {exc.stderr.strip().splitlines()[-1:] or exc}")
    translations: dict[tuple[str, str], str] = {}
    for path in _translation_files():
        translations.update(translations_from_index(parse_stanzas(_read_index_file(path))))
    by_name = {name: text for (name, _), text in translations.items()}
    merged, n_long = {}, 0
    for name, package in packages.items():
        body = package.long_description or translations.get((name, package.description_md5)) or by_name.get(name, "")
        n_long += bool(body)
        merged[name] = Package(name, package.section, package.synopsis, body, package.description_md5)
    note = (f"{len(merged)} packages from apt-cache dumpavail, {n_long} with a long description "
            f"({'Translation-en index' if translations else 'none fetched: synopses only'})")
    return merged, bool(translations) or n_long > 0, note


def load_debian(*, n_sections: int = 8, per_section: int = 120, seed: int = 0, cache_dir: Path = CACHE_DIR,
                refresh: bool = False, say=print) -> DebianDataset:
    """The sampled data set as a CSV (``text,label``) in ``cache_dir``, built once and then reused."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / f"debian-sections-n{n_sections}-k{per_section}-seed{seed}.csv"
    meta = path.with_suffix(".meta")
    if path.is_file() and meta.is_file() and not refresh:
        sections, long_flag, note = meta.read_text(encoding="utf-8").splitlines()[:3]
        with path.open(encoding="utf-8", newline="") as f:
            n_rows = sum(1 for _ in csv.reader(f)) - 1
        return DebianDataset(path, tuple(sections.split(",")), per_section, seed, n_rows, long_flag == "long",
                             f"{note} (cached {path.name})")
    packages, long_descriptions, note = read_available(say=say)
    rows = build_texts(packages.values())
    sections, chosen = sample_rows(rows, n_sections=n_sections, per_section=per_section, seed=seed)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "label"])
        writer.writerows(chosen)
    os.replace(tmp, path)
    note = f"{note}; {len(rows)} distinct descriptions after de-duplication"
    meta.write_text(f"{','.join(sections)}\n{'long' if long_descriptions else 'short'}\n{note}\n", encoding="utf-8")
    return DebianDataset(path, tuple(sections), per_section, seed, len(chosen), long_descriptions, note)


def fingerprint(path: Path) -> str:
    """A short content hash of the data file (keys the cached reference results)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def describe(dataset: DebianDataset) -> str:
    return (f"Debian package descriptions labelled by Section: {dataset.n_rows} rows, {len(dataset.sections)} "
            f"sections x {dataset.per_section} ({', '.join(dataset.sections)}), seed {dataset.seed}; "
            f"{'synopsis + long description' if dataset.long_descriptions else 'synopses only'}, "
            f"cut to {MAX_CHARS} chars; boilerplate and language sections excluded "
            f"({', '.join(sorted(EXCLUDED_SECTIONS))}).\n  source: {dataset.note}\n  file: {dataset.path}")
