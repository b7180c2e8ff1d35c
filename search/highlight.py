"""Highlights shown on the original text. An engine that searches normalised text marks the matching words
in it (START … STOP); since every normalised character knows the original character it came from
(normalize.normalise_with_map), the marks are carried back to the text as written — with its hamzas and
diacritics — and one fragment around the best cluster of marks is returned as HTML."""

import re

from django.utils.html import escape

from .normalize import normalise_with_map

START, STOP = "\x02", "\x03"
FRAGMENT_LENGTH = 220  # characters of original text around the marks
_SPACES = re.compile(r"\s+")
_MARKED = re.compile(f"{START}([^{START}{STOP}]*){STOP}")


def read_marks(marked):
    """`(text, spans)`: the text without its markers, and the (start, end) of each marked run in it."""
    spans, markers_before, previous_end = [], 0, 0
    for match in _MARKED.finditer(marked):
        markers_before += _count_markers(marked, previous_end, match.start())
        start = match.start() - markers_before
        if match.group(1):
            spans.append((start, start + len(match.group(1))))
        markers_before += 2
        previous_end = match.end()
    return marked.replace(START, "").replace(STOP, ""), spans


def _count_markers(text, start, end):
    return text.count(START, start, end) + text.count(STOP, start, end)


def highlight_original(original, marked_normalised, length=FRAGMENT_LENGTH):
    """The fragment of `original` (HTML, marks as <mark>) given its normalised form as marked by an engine;
    an empty string when nothing in it matched."""
    normalised, positions = normalise_with_map(original)
    plain, spans = read_marks(marked_normalised)
    if not spans or plain != normalised:
        return ""
    return fragment(original, [(positions[start], positions[end - 1] + 1) for start, end in spans], length)


def fragment(text, spans, length=FRAGMENT_LENGTH):
    """About `length` characters of `text` around the densest run of `spans`, escaped, with <mark>s."""
    if not spans:
        return ""
    spans = sorted(spans)[:200]
    best_start, best_count = 0, -1
    for anchor, _end in spans:
        start = max(0, anchor - length // 4)
        count = sum(1 for span_start, span_end in spans if span_start >= start and span_end <= start + length)
        if count > best_count:
            best_start, best_count = start, count
    start, end = best_start, min(len(text), best_start + length)
    # Start and end on word boundaries.
    while start > 0 and not text[start - 1].isspace() and best_start - start < 30:
        start -= 1
    while end < len(text) and not text[end].isspace() and end - (best_start + length) < 30:
        end += 1
    pieces, position = [], start
    for span_start, span_end in spans:
        if span_start < position or span_end > end:
            continue
        pieces.append(_text(text[position:span_start]))
        pieces.append(f"<mark>{_text(text[span_start:span_end])}</mark>")
        position = span_end
    pieces.append(_text(text[position:end]))
    html = "".join(pieces).strip()
    return f"{'…' if start > 0 else ''}{html}{'…' if end < len(text) else ''}"


def _text(value):
    return escape(_SPACES.sub(" ", value))
