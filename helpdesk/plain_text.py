"""Text as users submit it, made storable and displayable everywhere (pages, SVG charts, calendar files, CSV)."""
import re

# Control characters have no meaning in a form: PostgreSQL refuses NUL, and the others make an XML document (the SVG
# charts that show theme names) or a calendar file unreadable. Tab, line feed and carriage return are text; a
# vertical tab or form feed (a line or page break pasted from a word processor) becomes a line break. The bidi
# embeddings, overrides and isolates are dropped too: left open, one turns the rest of a line around wherever the
# text is shown (a name in a list, a mail, a CSV export), which disguises what is written; and so are the byte order
# mark, which pasting leaves at the start of a text, and the other characters that show nothing and are no space,
# with which a title or a name made of nothing visible would pass for filled in: the zero-width space, the word
# joiner and invisible operators, the soft hyphen, the combining grapheme joiner, the direction marks (which also
# move the signs around them), the Hangul fillers, the Khmer inherent vowels, the Mongolian vowel separator, the
# interlinear annotation marks and the tag characters (which carry text no one sees). A blank braille cell is a space.
_HIDDEN_CHARACTERS = {code: None for code in (
    *range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), 0xAD, 0x034F, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E,
    0x200B, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2060, 0x2065), *range(0x2066, 0x206A), 0x3164, 0xFEFF,
    0xFFA0, *range(0xFFF9, 0xFFFC), *range(0xE0000, 0xE0080)) if chr(code) not in "\t\n\r"} | {
    0x0B: "\n", 0x0C: "\n", 0x2800: " "}


def without_hidden_characters(text: str) -> str:
    """The text without control characters (but for tabs and line breaks), bidi overrides and invisible
    characters that are not spaces (zero-width space, word joiner, byte order mark, soft hyphen, fillers…)."""
    return text.translate(_HIDDEN_CHARACTERS)


def one_line(text: str | None) -> str:
    """A text shown on one line (a name, a subject), as stored: stripped, every run of spaces and line breaks made one
    space, so that a line break typed in it can never start a line of its own in a plain-text mail or a header."""
    return " ".join((text or "").split())


# The salutations a letter opens with (« Bonjour Alice, », « Madame, », « Chère Madame, »), French and English.
_GREETING = re.compile(r"\s*(bonjour|bonsoir|madame|monsieur|mesdames|messieurs|cher|chère|chers|chères|hello|dear)\b",
                       re.IGNORECASE)


def opens_with_greeting(text: str | None) -> bool:
    """Whether the text starts by greeting its reader, as a letter does."""
    return bool(_GREETING.match(text or ""))
