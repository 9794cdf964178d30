"""Search core: French analysis, Whoosh indexes of articles and questions, relevance evaluation.

A pure library working on plain dicts and directory paths; the only code of the
application that imports whoosh.
"""

from .engine import (ArticleHit, QuestionHit, SearchPage, filter_questions, search_articles, search_questions,
                     suggest_articles)
from .index import (IndexBusy, apply, document_count, get_searcher, index_versions, open_index, rebuild,
                    schema_is_current)
from .schema import ARTICLES, QUESTIONS

__all__ = [
    "ARTICLES",
    "QUESTIONS",
    "ArticleHit",
    "IndexBusy",
    "QuestionHit",
    "SearchPage",
    "apply",
    "document_count",
    "filter_questions",
    "get_searcher",
    "index_versions",
    "open_index",
    "rebuild",
    "schema_is_current",
    "search_articles",
    "search_questions",
    "suggest_articles",
]
