"""Text as users submit it, made storable and displayable everywhere (pages, SVG charts, calendar files, CSV)."""

# Control characters have no meaning in a form: PostgreSQL refuses NUL, and the others make an XML document (the SVG
# charts that show theme names) or a calendar file unreadable. Tab, line feed and carriage return are text; a
# vertical tab or form feed (a line or page break pasted from a word processor) becomes a line break.
_CONTROL_CHARACTERS = {code: None for code in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0))
                       if chr(code) not in "\t\n\r"} | {0x0B: "\n", 0x0C: "\n"}


def without_control_characters(text: str) -> str:
    """The text without control characters, but for tabs and line breaks."""
    return text.translate(_CONTROL_CHARACTERS)
