"""Relevance benchmark of the search core on the Code du travail numérique judgments.

Usage: python bench/relevance.py [--baseline] [--halves] [--judgments PATH] [--runs OUT.json]

Indexes /work/shared/eval/cdtn/corpus.jsonl (read in place, never copied) into a
temporary directory, runs the judged queries as a member would (published,
visibility public + members) and prints MRR@10, nDCG@10, S@1, S@10, R@10,
R@100.  ``--baseline`` adds plain Whoosh for comparison: stock
``LanguageAnalyzer("fr")``, title + body, BM25F, OR query.  ``--halves`` also
scores each half of the request groups (A: even MD5 of the group name, B:
odd), to decide a change on one half and confirm it on the other.
"""

import argparse
import hashlib
import json
import sys
import tempfile
import time
import types
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
EVAL_DIR = REPO_ROOT.parent / "shared" / "eval" / "cdtn"
MEMBER = {"visibilities": ("public", "members"), "statuses": ("published",)}
COLUMNS = ("MRR@10", "nDCG@10", "S@1", "S@10", "R@10", "R@100")


def import_search_core():
    """Import helpdesk.search without running helpdesk/__init__.py (the Flask app factory)."""
    if "helpdesk" not in sys.modules:
        package = types.ModuleType("helpdesk")
        package.__path__ = [str(REPO_ROOT / "helpdesk")]
        sys.modules["helpdesk"] = package
    sys.path.insert(0, str(REPO_ROOT))
    import helpdesk.search

    return helpdesk.search


def read_jsonl(path: Path) -> list[dict]:
    """Read one JSON object per line."""
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def group_half(judgment: dict) -> str:
    """Return the half ("A" or "B") of a judgment's request group, stable across runs and machines."""
    group = judgment.get("group", judgment["qid"])
    return "AB"[int(hashlib.md5(group.encode("utf-8")).hexdigest(), 16) % 2]


def corpus_articles(path: Path):
    """Yield the corpus documents as published articles."""
    for doc in read_jsonl(path):
        yield {**doc, "status": "published", "version": "1"}


def baseline_search_fn(corpus: list[dict], directory: Path):
    """Index title + body with stock Whoosh and return an OR-query search function."""
    from whoosh import index
    from whoosh.analysis import LanguageAnalyzer
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.qparser import MultifieldParser, OrGroup

    schema = Schema(slug=ID(stored=True), title=TEXT(analyzer=LanguageAnalyzer("fr")), body=TEXT(analyzer=LanguageAnalyzer("fr")))
    ix = index.create_in(directory, schema)
    with ix.writer(procs=2, multisegment=True, limitmb=256) as writer:
        for doc in corpus:
            writer.add_document(slug=doc["slug"], title=doc["title"], body=doc["body"])
    parser = MultifieldParser(["title", "body"], schema, group=OrGroup)
    searcher = ix.searcher()
    return lambda text: [hit["slug"] for hit in searcher.search(parser.parse(text), limit=100)]


def ours_search_fn(search, corpus: list[dict], path: Path):
    """Index with the search core and return a member search function (top 100, no snippets)."""
    search.rebuild(path, "articles", corpus)

    def run(text):
        page = search.search_articles(path, text, per_page=100, snippets=False, **MEMBER)
        return [hit.slug for hit in page.hits]

    return run


def print_table(rows: list[tuple[str, dict, float]]) -> None:
    """Print one line of metrics per set-up."""
    print(f"| set-up | {' | '.join(COLUMNS)} | s/query |")
    print(f"|---|{'---|' * len(COLUMNS)}---|")
    for name, summary, seconds in rows:
        print(f"| {name} | {' | '.join(f'{summary[c]:.3f}' for c in COLUMNS)} | {seconds:.3f} |")


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", action="store_true", help="also evaluate plain Whoosh")
    parser.add_argument("--halves", action="store_true", help="also score each half of the request groups")
    parser.add_argument("--judgments", type=Path, default=EVAL_DIR / "judgments-dev.jsonl")
    parser.add_argument("--corpus", type=Path, default=EVAL_DIR / "corpus.jsonl")
    parser.add_argument("--runs", type=Path, help="write per-query results of our set-up to this JSON file")
    args = parser.parse_args()

    search = import_search_core()
    from helpdesk.search.evaluation import evaluate

    judgments = read_jsonl(args.judgments)
    corpus = list(corpus_articles(args.corpus))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        setups = [("ours", lambda: ours_search_fn(search, corpus, Path(tmp) / "articles"))]
        if args.baseline:
            baseline_dir = Path(tmp) / "baseline"
            baseline_dir.mkdir()
            setups.insert(0, ("baseline", lambda: baseline_search_fn(corpus, baseline_dir)))
        for name, make in setups:
            started = time.perf_counter()
            search_fn = make()
            print(f"{name}: indexed {len(corpus)} documents in {time.perf_counter() - started:.1f} s", file=sys.stderr)
            started = time.perf_counter()
            report = evaluate(judgments, search_fn)
            rows.append((name, report["summary"], (time.perf_counter() - started) / report["queries"]))
            for half in "AB" if args.halves else "":
                started = time.perf_counter()
                part = evaluate([j for j in judgments if group_half(j) == half], search_fn)
                rows.append((f"{name}, half {half} ({part['groups']} groups)", part["summary"],
                             (time.perf_counter() - started) / part["queries"]))
            if name == "ours" and args.runs:
                args.runs.write_text(json.dumps(report["runs"], ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"{len(judgments)} queries, {report['groups']} groups ({args.judgments.name})")
    print_table(rows)


if __name__ == "__main__":
    main()
