"""Hostile document input: time of the old backtracking scans versus the linear ones, and the
cost of refusing a DOCX bomb (in-process, no worker).

    .venv/bin/python bench/hostile_uploads.py [--spaces 2000]

Prints seconds per case and the ratios old / new (the old patterns are kept here only as the
baseline they are measured against).
"""

from __future__ import annotations

import argparse
import re
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tasks.upload.chunking import sentence_spans
from tasks.upload.parsing.text import first_heading

OLD_HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)
OLD_TRAILING = re.compile(r"[ \t]+\n")
OLD_SENTENCE = re.compile(r"\S.*?(?:(?<=[.!?])(?=[\"')\]]*\s)|(?=\n{2,})|\Z)[\"')\]]*", re.DOTALL)


def timed(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--spaces", type=int, default=2000, help="spaces in the adversarial heading line")
    spaces = parser.parse_args().spaces
    heading = "# a" + " " * spaces + "bc"
    old_s = timed(lambda: OLD_HEADING.search(heading))
    new_s = timed(lambda: first_heading(heading))
    print(f"heading, {spaces} spaces: old {old_s:.3f} s, new {new_s * 1e3:.3f} ms, ratio {old_s / new_s:.0f}")
    big = "# a" + " " * 1_000_000 + "bc"
    print(f"heading, 1 MB line: new {timed(lambda: first_heading(big)) * 1e3:.1f} ms")
    blanks = "a" + " " * 50_000 + "b"
    old_s = timed(lambda: OLD_TRAILING.sub("\n", blanks))
    new_s = timed(lambda: blanks.replace(" \n", "\n"))
    print(f"trailing blanks, 50k spaces: old {old_s:.3f} s, new {new_s * 1e3:.3f} ms, ratio {old_s / new_s:.0f}")
    prose = "A sentence of words. " * 50_000
    old_s = timed(lambda: list(OLD_SENTENCE.finditer(prose)))
    new_s = timed(lambda: list(sentence_spans(prose)))
    print(f"sentences, 1 MB prose: old {old_s:.3f} s, new {new_s:.3f} s, ratio {old_s / new_s:.2f}")
    docx_bomb()


def docx_bomb() -> None:
    from tasks.settings import get_settings
    from tasks.upload.errors import ArchiveTooLarge
    from tasks.upload.parsing import parse
    from tests.upload.factories import make_docx_bomb

    with tempfile.TemporaryDirectory() as folder:
        bomb = make_docx_bomb(Path(folder) / "bomb.docx", 600 << 20)
        before = peak_rss_mib()
        start = time.perf_counter()
        try:
            with bomb.open("rb") as file:
                upload = get_settings().upload
                parse(file, filename="bomb.docx", max_pages=upload.max_pages, settings=upload)
        except ArchiveTooLarge as error:
            print(
                f"docx bomb, {bomb.stat().st_size} bytes -> 600 MiB: refused in "
                f"{time.perf_counter() - start:.3f} s, peak RSS {before:.0f} -> {peak_rss_mib():.0f} MiB ({error})"
            )


if __name__ == "__main__":
    main()
