"""Reading received mail: decoded text (HTML converted), attachments, and the reply without its quoted history."""
import re
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser

from helpdesk.mail.outbox import find_reference
from helpdesk.plain_text import one_line, without_hidden_characters

_ATTRIBUTION = re.compile(
    r"^\s*(?:Le\s.{4,300}?a\s+écrit|On\s.{4,300}?wrote|Am\s.{4,300}?schrieb)\s*:\s*$", re.IGNORECASE)
_SEPARATOR = re.compile(
    r"^\s*(?:-{2,}\s*(?:Original Message|Message d'origine|Message original|Forwarded message|Message transféré)"
    r"\s*-{2,}|_{10,})\s*$", re.IGNORECASE)
_HEADER_FROM = re.compile(r"^\s*\*?(?:De|From)\s*:\*?\s*\S", re.IGNORECASE)
_HEADER_OTHER = re.compile(r"^\s*\*?(?:Envoyé|Sent|Date|À|A|To|Objet|Subject|Cc)\s*:", re.IGNORECASE)
_MOBILE_SIGNATURE = re.compile(r"^\s*(?:Envoyé de mon|Sent from my|Télécharger Outlook pour|Get Outlook for)\b",
                               re.IGNORECASE)
RECIPIENT_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To")
_AUTO_SENDERS = re.compile(r"^(?:mailer-daemon|postmaster|no-?reply)@", re.IGNORECASE)
_COMMENT = re.compile(r"\([^()]*\)")


def _starts_history(lines: list[str], index: int) -> bool:
    """Whether quoted history begins at this line: an attribution (maybe wrapped), a separator, mail headers."""
    line = lines[index]
    following = lines[index + 1] if index + 1 < len(lines) else ""
    if _ATTRIBUTION.match(line) or (following and _ATTRIBUTION.match(f"{line} {following}")):
        return True
    if _SEPARATOR.match(line):
        return True
    return bool(_HEADER_FROM.match(line)) and any(_HEADER_OTHER.match(next_line)
                                                   for next_line in lines[index + 1:index + 5])


def trim_reply(text: str) -> str:
    """The new part of a reply: quoted history (French, English, Outlook), '>' lines and signature removed."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for index in range(len(lines)):
        if _starts_history(lines, index):
            lines = lines[:index]
            break
    for index, line in enumerate(lines):
        if line.rstrip() == "--" or _MOBILE_SIGNATURE.match(line):
            lines = lines[:index]
            break
    kept = [line.rstrip() for line in lines if not line.lstrip().startswith(">")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()


class _HTMLText(HTMLParser):
    """HTML to plain text: block elements become line breaks, blockquotes become '>' lines, scripts are dropped."""

    BLOCKS = {"p", "div", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "pre"}
    SKIPPED = {"script", "style", "head", "title"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines: list[tuple[int, str]] = []
        self.current = ""
        self.depth = 0
        self.skipping = 0

    def _break(self, always: bool = False) -> None:
        """End the current line; block edges only end non-empty lines, as browsers do, <br> always does."""
        if always or self.current.strip():
            self.lines.append((self.depth, self.current.strip()))
        self.current = ""

    def handle_starttag(self, tag, attrs):
        """Open a block, a quote or a skipped element."""
        if tag in self.SKIPPED:
            self.skipping += 1
        elif tag == "br":
            self._break(always=True)
        elif tag == "blockquote":
            self._break()
            self.depth += 1
        elif tag in self.BLOCKS:
            self._break()
            if tag == "li":
                self.current = "- "

    def handle_endtag(self, tag):
        """Close a block, a quote or a skipped element; paragraphs are followed by a blank line."""
        if tag in self.SKIPPED:
            self.skipping = max(self.skipping - 1, 0)
        elif tag == "blockquote":
            self._break()
            self.depth = max(self.depth - 1, 0)
        elif tag in self.BLOCKS:
            self._break()
            if tag == "p":
                self._break(always=True)

    def handle_data(self, data):
        """Collapse whitespace as a browser would."""
        if not self.skipping:
            self.current += re.sub(r"\s+", " ", data)

    def text(self) -> str:
        """The converted text."""
        self._break()
        out = [("> " * depth + line) if depth else line for depth, line in self.lines]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip()


def html_to_text(html: str) -> str:
    """Readable text of an HTML mail body."""
    parser = _HTMLText()
    parser.feed(html)
    parser.close()
    return parser.text()


@dataclass
class ParsedMail:
    """What the help desk needs from a received message."""

    message_id: str | None
    from_address: str
    from_name: str
    subject: str
    reference: str | None
    full_text: str
    text: str
    automatic: bool
    recipients: list[str] = field(default_factory=list)  # where it was sent: To, Cc, Delivered-To, X-Original-To
    authentication_results: list[str] = field(default_factory=list)  # the Authentication-Results headers, topmost first
    attachments: list[tuple[str, bytes]] = field(default_factory=list)


def _body_text(message: EmailMessage) -> str:
    """The message's text, preferring the plain part, converting HTML-only mail; charsets decoded."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, UnicodeError):
        content = part.get_payload(decode=True).decode("utf-8", errors="replace")
    return html_to_text(content) if part.get_content_subtype() == "html" else content


_FOLD = re.compile(r"\r?\n(?=[ \t])")


def _header_values(message: EmailMessage, name: str) -> list[str]:
    """Every value of a header, unfolded and its encoded words decoded. The standard parser refuses some values
    outright (a display name whose encoded word decodes to a line break raises ValueError), and anyone can mail the
    reply address: one such header must not make the message, and every message fetched after it, unreadable."""
    values = []
    for key, value in message.raw_items():
        if key.lower() == name.lower():
            # Raw 8-bit bytes (UTF-8 written without encoded words) come from the parser as escaped surrogates.
            value = _FOLD.sub("", str(value)).strip().encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            try:
                values.append(str(make_header(decode_header(value))))
            except (HeaderParseError, LookupError, UnicodeError):  # a malformed encoded word, an unknown charset
                values.append(value)
    return values


def _header(message: EmailMessage, name: str) -> str:
    """A header's first value, decoded ("" when absent)."""
    return next(iter(_header_values(message, name)), "")


def _is_automatic(message: EmailMessage, address: str) -> bool:
    """Out-of-office replies, bounces and bulk mail must not become replies (nor loop)."""
    auto = (_header(message, "Auto-Submitted") or "no").strip().lower()
    precedence = _header(message, "Precedence").strip().lower()
    return (auto != "no" or precedence in ("bulk", "junk", "auto_reply", "list")
            or message.get_content_type() == "multipart/report" or bool(_AUTO_SENDERS.match(address))
            or any(_header(message, name) for name in ("X-Autoreply", "X-Autorespond")))


def _aligned(domain: str, from_domain: str) -> bool:
    """DMARC's relaxed alignment: the signing domain is the sender's domain or one of its parents, a parent naming an
    organisation (two labels at least): a signature by a top-level domain (« test », « local ») proves nothing."""
    domain = domain.strip().lower().rstrip(".")
    return bool(domain) and (from_domain == domain or ("." in domain and from_domain.endswith("." + domain)))


def sender_authenticated(parsed: ParsedMail, authserv_id: str) -> bool:
    """Whether the receiving server `authserv_id` found the sender's domain genuine (RFC 8601): DMARC passed, or a
    DKIM signature of that domain (or a parent) verified. Only the topmost header of that server counts: headers
    claiming its name further down were written before the message reached it."""
    from_domain = parsed.from_address.rpartition("@")[2]
    for header in parsed.authentication_results:
        server, *results = _COMMENT.sub(" ", header).split(";")
        if (server.split() or [""])[0].lower() != authserv_id.lower():
            continue
        for result in results:
            words = result.split()
            if not words or "=" not in words[0]:
                continue
            method, _, outcome = words[0].lower().partition("=")
            properties = dict(word.lower().partition("=")[::2] for word in words[1:] if "=" in word)
            if outcome != "pass" or not from_domain:
                continue
            if method == "dmarc" and _aligned(properties.get("header.from", from_domain), from_domain):
                return True
            signer = properties.get("header.d") or properties.get("header.i", "").rpartition("@")[2]
            if method == "dkim" and _aligned(signer, from_domain):
                return True
        return False
    return False


def parse_mail(raw: bytes) -> ParsedMail:
    """Decode a received RFC 5322 message."""
    message = message_from_bytes(raw, policy=policy.default)
    name, address = parseaddr(_header(message, "From"))
    # Encoded words (=?utf-8?q?…=0A…?=) can carry line breaks and bidi overrides: names and subjects are one line of
    # visible text, as everywhere else (the sender's name goes into the note a jurist attaches).
    name = one_line(without_hidden_characters(name))
    subject = one_line(without_hidden_characters(_header(message, "Subject")))
    threading = " ".join(_header(message, header) for header in ("In-Reply-To", "References"))
    full_text = _body_text(message)
    attachments = [(part.get_filename() or "piece-jointe", part.get_payload(decode=True) or b"")
                   for part in message.walk() if part.get_content_disposition() == "attachment"]
    message_id = _header(message, "Message-ID").strip() or None
    recipients = [address.strip().lower() for _name, address in getaddresses(
        [value for header in RECIPIENT_HEADERS for value in _header_values(message, header)]) if address]
    return ParsedMail(
        message_id=message_id[:300] if message_id else None, from_address=address.strip().lower()[:254],
        from_name=name[:200], subject=subject[:300],
        reference=find_reference(subject) or find_reference(threading),
        full_text=full_text, text=trim_reply(full_text), automatic=_is_automatic(message, address),
        recipients=recipients, attachments=attachments,
        authentication_results=_header_values(message, "Authentication-Results"),
    )
