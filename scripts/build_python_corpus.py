"""Build sae_lib/assets/python_stdlib.txt.gz: the course's language-model corpus, from Python's own source.

Deterministic for a given CPython: the standard library's pure-Python modules (no tests, no IDLE, no
vendored or generated tables), in an order fixed by a hash of each path (so the excerpt samples the whole
library, not the modules whose names start with a), until about --megabytes of text. Each file is
preceded by a one-line comment naming it, so every file stays valid Python on its own (chapter 11 labels
the text with `tokenize`). Characters outside printable ASCII and newline become one symbol, DEL (0x7f).

    python scripts/build_python_corpus.py            # writes the asset and prints its SHA-256
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "sae_lib" / "assets" / "python_stdlib.txt.gz"
# Folders whose files are tests, tools, GUIs or generated data rather than ordinary library code.
SKIP = {"test", "tests", "idlelib", "lib2to3", "site-packages", "turtledemo", "tkinter", "ensurepip", "__pycache__",
        "config-3.11-x86_64-linux-gnu", "pydoc_data", "encodings", "unittest", "distutils"}
MAX_FILE_BYTES = 120_000  # a few huge modules (pydoc topics, big tables) would crowd out the rest
MAX_DIGIT_FRACTION = 0.1  # files of numeric tables (stringprep.py is 31 % digits) are data, not code
UNKNOWN = "\x7f"


def _clean(text: str) -> str:
    """Tabs to 4 spaces; every character outside printable ASCII and newline to UNKNOWN."""
    text = text.replace("\r\n", "\n").replace("\t", "    ")
    return "".join(c if c == "\n" or " " <= c <= "~" else UNKNOWN for c in text)


def _order(path: Path) -> str:
    """A fixed pseudo-random order: the SHA-256 of the path's last two parts."""
    return hashlib.sha256("/".join(path.parts[-2:]).encode()).hexdigest()


def build(stdlib: Path, megabytes: float) -> str:
    """The corpus text: whole files in `_order` until `megabytes` is reached."""
    parts, total = [], 0
    for path in sorted(stdlib.rglob("*.py"), key=_order):
        rel = path.relative_to(stdlib)
        generated = rel.name.startswith(("_pydecimal", "_sysconfigdata"))
        if SKIP & set(rel.parts[:-1]) or generated or path.stat().st_size > MAX_FILE_BYTES:
            continue
        text = _clean(path.read_text(encoding="utf-8", errors="replace")).strip("\n")
        if not text or sum(c.isdigit() for c in text) > MAX_DIGIT_FRACTION * len(text):
            continue
        part = f"# ---- Lib/{rel.as_posix()} ----\n{text}\n\n"
        parts.append(part)
        total += len(part)
        if total >= megabytes * 1e6:
            break
    return "".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=3.0)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    text = build(stdlib, args.megabytes)
    data = text.encode("ascii")
    # mtime=0 and no file name in the header: the same text gives the same bytes
    args.out.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
    print(f"{len(data):,} characters from {text.count('# ---- Lib/'):,} files of Python "
          f"{sys.version.split()[0]}; text SHA-256 {hashlib.sha256(data).hexdigest()}")
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
