"""Tests of the relevance metrics on hand-computed examples."""

from math import log2

import pytest

from helpdesk.search.evaluation import evaluate, mrr_at_k, ndcg_at_k, query_metrics, recall_at_k, success_at_k

RESULTS = ["a", "x", "b", "y"]
RELEVANT = ["b", "a", "c"]


def test_metrics_of_a_ranked_list():
    """Hand computation: relevant a at rank 1 and b at rank 3, c not found."""
    assert success_at_k(RESULTS, RELEVANT, 1) == 1.0
    assert success_at_k(["x", "a"], RELEVANT, 1) == 0.0
    # 2 of the 3 relevant documents are retrieved.
    assert recall_at_k(RESULTS, RELEVANT, 10) == pytest.approx(2 / 3)
    assert recall_at_k(RESULTS, RELEVANT, 2) == pytest.approx(1 / 3)
    assert mrr_at_k(RESULTS, RELEVANT, 10) == 1.0
    assert mrr_at_k(["x", "y", "c"], RELEVANT, 10) == pytest.approx(1 / 3)
    assert mrr_at_k(["x", "y", "c"], RELEVANT, 2) == 0.0
    # DCG = 1/log2(2) + 1/log2(4) = 1.5; IDCG = 1 + 1/log2(3) + 1/log2(4) = 2.1309
    assert ndcg_at_k(RESULTS, RELEVANT, 10) == pytest.approx(1.5 / 2.1309298, rel=1e-6)


def test_ideal_dcg_is_capped_at_k():
    """Twelve relevant documents and ten relevant hits give a perfect nDCG@10."""
    relevant = [f"d{i}" for i in range(12)]
    assert ndcg_at_k(relevant[:10], relevant, 10) == pytest.approx(1.0)
    # Only rank 2 relevant out of 1 relevant doc: 1/log2(3) / 1.
    assert ndcg_at_k(["x", "d0"], ["d0"], 10) == pytest.approx(1 / log2(3))


def test_no_relevant_documents_scores_zero():
    """An empty judgment gives zeros rather than dividing by zero."""
    assert query_metrics(["a"], []) == {name: 0.0 for name in query_metrics(["a"], [])}


def test_evaluate_averages_variants_before_groups():
    """Group g1 has MRR 1 and 1/3 (mean 2/3), group g2 has 0: the summary is 1/3, not 4/9."""
    judgments = [
        {"qid": "q1", "group": "g1", "query": "first", "relevant": RELEVANT},
        {"qid": "q2", "group": "g1", "query": "second", "relevant": RELEVANT},
        {"qid": "q3", "group": "g2", "query": "third", "relevant": ["z"]},
    ]
    rankings = {"first": RESULTS, "second": ["x", "y", "c"], "third": []}
    report = evaluate(judgments, rankings.__getitem__)
    assert report["summary"]["MRR@10"] == pytest.approx(1 / 3)
    assert report["groups"] == 2 and report["queries"] == 3
    assert [run["qid"] for run in report["runs"]] == ["q1", "q2", "q3"]
    assert report["runs"][1]["results"] == ["x", "y", "c"]


def test_evaluate_without_groups_averages_queries():
    """Without group keys each query is its own group."""
    judgments = [
        {"qid": "q1", "query": "first", "relevant": RELEVANT},
        {"qid": "q2", "query": "second", "relevant": RELEVANT},
    ]
    report = evaluate(judgments, {"first": RESULTS, "second": ["x", "y", "c"]}.__getitem__)
    assert report["summary"]["MRR@10"] == pytest.approx(2 / 3)
