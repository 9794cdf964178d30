"""The French dictionary (pyspellchecker's French word list: 140,000 words and their inflections), read folded.

It tells a real French word the corpus never writes (« orage », « insulte ») from a typo (« licenciment »)."""
from functools import lru_cache

from spellchecker import SpellChecker

from .analysis import fold


@lru_cache(maxsize=1)
def _words() -> frozenset[str]:
    """The dictionary's words, folded."""
    return frozenset(fold(word) for word in SpellChecker(language="fr", distance=1).word_frequency.keys())


def is_french_word(word: str) -> bool:
    """Tell whether ``word`` is a word of the French dictionary, accents not counted (« orage », « insulte »,
    « remunere »), not a typo (« licenciment », « démision »)."""
    return fold(word.lower()) in _words()
