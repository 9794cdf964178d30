"""Speed benchmark of the search core on a synthetic French-like corpus.

Usage: python bench/search_speed.py [--docs 50000] [--queries 300] [--edits 50]

Vocabulary and word frequencies come from the CDTN corpus when it is present
(/work/shared/eval/cdtn/corpus.jsonl, read in place), else from generated
syllable words.  Measures the full rebuild, the search time of a first page
with facets and highlights (warm process: searcher open, filter and
facet masks built; first with query words new to the process, then the
same queries again with their postings cached), and the time from an edit
(``apply`` of one upsert) until the edited article is searchable.  Wall and
CPU times are both printed: on a shared machine the CPU time of this process
is the steadier figure.
"""

import argparse
import os
import random
import re
import statistics
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

from relevance import EVAL_DIR, import_search_core, read_jsonl

WORDS_PER_BODY = 300
TYPES = ("fiche", "loi", "modele", "faq")
THEMES = tuple(f"theme-{i}" for i in range(12))
MEMBER = {"visibilities": ("public", "members"), "statuses": ("published",)}


def vocabulary(size: int = 30000) -> tuple[list[str], list[int]]:
    """Return words and cumulative weights, from the CDTN corpus or generated."""
    corpus = EVAL_DIR / "corpus.jsonl"
    if corpus.exists():
        counts = Counter(
            word for doc in read_jsonl(corpus) for word in re.findall(r"[^\W\d_]{2,}", doc["body"].lower())
        )
        words, weights = zip(*counts.most_common(size))
    else:
        rng = random.Random(1)
        syllables = ["ra", "ti", "on", "em", "plo", "con", "tra", "sa", "lai", "re", "du", "gé", "ment", "té"]
        words = ["".join(rng.choices(syllables, k=rng.randint(1, 4))) for _ in range(size)]
        weights = [1.0 / rank for rank in range(1, size + 1)]
    cumulative, total = [], 0
    for weight in weights:
        total += weight
        cumulative.append(total)
    return list(words), cumulative


def article(number: int, words: list[str], cumulative: list[int], marker: str = "") -> dict:
    """Return synthetic article ``number`` (deterministic), with an optional extra word."""
    rng = random.Random(number)
    draw = lambda k: " ".join(rng.choices(words, cum_weights=cumulative, k=k))  # noqa: E731
    return {
        "slug": f"article-{number}",
        "title": draw(6).capitalize(),
        "summary": draw(20),
        "body": f"{draw(WORDS_PER_BODY)} {marker}",
        "tags": [draw(1), draw(1)],
        "type": rng.choice(TYPES),
        "themes": rng.sample(THEMES, rng.randint(1, 2)),
        "visibility": rng.choice(("public", "public", "members", "jurists")),
        "status": "published" if rng.random() < 0.9 else "draft",
        "updated_on": datetime(2020, 1, 1) + timedelta(days=rng.randint(0, 1800)),
        "version": "1",
    }


def cpu_seconds() -> float:
    """Return the CPU time used by this process and its finished children (rebuild workers)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def timed(function, *args, **kwargs) -> tuple[float, float]:
    """Call ``function`` and return its (wall, CPU of this process) durations in seconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    function(*args, **kwargs)
    return time.perf_counter() - wall, time.process_time() - cpu


def percentile(samples: list[float], share: float) -> float:
    """Return the ``share`` quantile of ``samples`` (nearest rank)."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def queries(words: list[str], count: int, seed: int = 7) -> list[str]:
    """Return varied 1-4 word queries drawn from frequent and mid-frequency words."""
    rng = random.Random(seed)
    pool = words[50:5000]
    return [" ".join(rng.sample(pool, rng.randint(1, 4))) for _ in range(count)]


def main() -> None:
    """Run the three measurements and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=50000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--edits", type=int, default=50)
    args = parser.parse_args()

    search = import_search_core()
    words, cumulative = vocabulary()
    load_before = os.getloadavg()[0]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "articles"
        started, cpu_started = time.perf_counter(), cpu_seconds()
        search.rebuild(path, "articles", (article(n, words, cumulative) for n in range(args.docs)))
        wall, cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
        rows.append((f"full rebuild, {args.docs} articles (CPU: all processes)", wall, None, cpu, None))

        for text in ["", *queries(words, 20, seed=1)]:  # open the searcher, build the masks and the date column
            search.search_articles(path, text, **MEMBER)
        # First use of most query words (their postings read from the index), then the same queries again
        # (postings in the process's cache, as for the frequent words of a process that has been serving).
        for label in ("words new to the process", "same queries again"):
            searches = [timed(search.search_articles, path, text, **MEMBER) for text in queries(words, args.queries)]
            walls, cpus = zip(*searches)
            rows.append((f"search, first page + facets + snippets ({args.queries} queries, {label})",
                         *summary(walls, cpus)))

        walls, cpus = [], []
        for edit in range(args.edits):
            marker = f"zqxmarker{edit}"
            number = random.Random(edit).randrange(args.docs)
            doc = {**article(number, words, cumulative, marker), "visibility": "public", "status": "published"}
            wall, cpu = time.perf_counter(), time.process_time()
            search.apply(path, "articles", [doc], [])
            hits = search.search_articles(path, marker, **MEMBER).hits
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
            assert [hit.slug for hit in hits] == [doc["slug"]], marker
        rows.append((f"edit to searchable ({args.edits} edits)", *summary(walls, cpus)))

    load_after = os.getloadavg()[0]
    print(f"{os.cpu_count()} CPUs, load average {load_before:.1f} before, {load_after:.1f} after (wall grows with load)")
    print("| measurement | wall median / total (s) | wall p95 (s) | CPU median / total (s) | CPU p95 (s) |")
    print("|---|---|---|---|---|")
    for name, *values in rows:
        print(f"| {name} | {' | '.join('' if value is None else f'{value:.3f}' for value in values)} |")


def summary(walls, cpus) -> tuple[float, float, float, float]:
    """Return median and p95 of the wall times, then of the CPU times."""
    return statistics.median(walls), percentile(walls, 0.95), statistics.median(cpus), percentile(cpus, 0.95)


if __name__ == "__main__":
    main()
