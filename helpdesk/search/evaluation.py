"""Relevance metrics (binary relevance) and a judgments runner."""

from collections import defaultdict
from math import log2
from statistics import fmean

METRICS = ("S@1", "S@10", "R@10", "R@100", "MRR@10", "nDCG@10")


def success_at_k(results: list[str], relevant, k: int) -> float:
    """Return 1.0 if a relevant document is in the top ``k`` results, else 0.0."""
    relevant = set(relevant)
    return float(any(slug in relevant for slug in results[:k]))


def recall_at_k(results: list[str], relevant, k: int) -> float:
    """Return the share of relevant documents found in the top ``k`` results."""
    relevant = set(relevant)
    return len(relevant.intersection(results[:k])) / len(relevant) if relevant else 0.0


def mrr_at_k(results: list[str], relevant, k: int) -> float:
    """Return 1/rank of the first relevant result within the top ``k``, else 0.0."""
    relevant = set(relevant)
    return next((1.0 / rank for rank, slug in enumerate(results[:k], 1) if slug in relevant), 0.0)


def ndcg_at_k(results: list[str], relevant, k: int) -> float:
    """Return binary nDCG@k with a log2 discount; the ideal ranks min(|relevant|, k) hits first."""
    relevant = set(relevant)
    dcg = sum(1.0 / log2(rank + 1) for rank, slug in enumerate(results[:k], 1) if slug in relevant)
    ideal = sum(1.0 / log2(rank + 1) for rank in range(1, min(len(relevant), k) + 1))
    return dcg / ideal if ideal else 0.0


def query_metrics(results: list[str], relevant) -> dict[str, float]:
    """Return every metric of ``METRICS`` for one ranked result list."""
    return {
        "S@1": success_at_k(results, relevant, 1),
        "S@10": success_at_k(results, relevant, 10),
        "R@10": recall_at_k(results, relevant, 10),
        "R@100": recall_at_k(results, relevant, 100),
        "MRR@10": mrr_at_k(results, relevant, 10),
        "nDCG@10": ndcg_at_k(results, relevant, 10),
    }


def evaluate(judgments, search_fn, top: int = 100) -> dict:
    """Run every judged query through ``search_fn`` and average metrics over variants, then groups."""
    runs = []
    by_group: dict[str, list[dict[str, float]]] = defaultdict(list)
    for judgment in judgments:
        results = list(search_fn(judgment["query"]))[:top]
        metrics = query_metrics(results, judgment["relevant"])
        runs.append({"qid": judgment["qid"], "query": judgment["query"], "results": results, "metrics": metrics})
        by_group[judgment.get("group", judgment["qid"])].append(metrics)
    group_means = [{name: fmean(m[name] for m in variants) for name in METRICS} for variants in by_group.values()]
    summary = {name: fmean(g[name] for g in group_means) if group_means else 0.0 for name in METRICS}
    return {"summary": summary, "queries": len(runs), "groups": len(group_means), "runs": runs}
