"""The French dictionary (pyspellchecker's French word list: 140,000 words and their inflections), read folded.

It tells a real French word the corpus never writes (« orage », « insulte ») from a typo (« licenciment »), and a
past participle typed without its accents (« depasse », « publie ») from another word in « -e »."""
from functools import lru_cache

from spellchecker import SpellChecker

from .analysis import fold

_PARTICIPLE_ENDINGS = ("é", "ée", "és", "ées")


@lru_cache(maxsize=1)
def _words() -> tuple[frozenset[str], frozenset[str]]:
    """The dictionary's words, folded, and those of its past participles in « -é(e)(s) », folded."""
    words = tuple(SpellChecker(language="fr", distance=1).word_frequency.keys())
    return (frozenset(fold(word) for word in words),
            frozenset(fold(word) for word in words if word.endswith(_PARTICIPLE_ENDINGS)))


def load() -> None:
    """Read the dictionary now: a gunicorn worker does it before its first request (half a second, more under
    load), rather than during someone's first search."""
    _words()


def is_french_word(word: str) -> bool:
    """Tell whether ``word`` is a word of the French dictionary, accents not counted (« orage », « insulte »,
    « remunere »), not a typo (« licenciment », « démision »)."""
    return fold(word.lower()) in _words()[0]


def participle_infinitive(folded: str) -> str | None:
    """Return the infinitive (folded) of the verb in « -er » of the dictionary whose past participle in « -é(e)(s) »
    the folded word ``folded`` is once its accents are restored (« depasse », « dépassé »: « depasser »;
    « publiees »: « publier »), else None (« assistante », « contrat »)."""
    words, participles = _words()
    if folded not in participles:
        return None
    return next((folded[: -len(ending)] + "er" for ending in ("ees", "ee", "es", "e")
                 if folded.endswith(ending) and folded[: -len(ending)] + "er" in words), None)
