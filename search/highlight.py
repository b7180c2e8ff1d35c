"""Highlights shown on the original text. An engine that searches normalised text marks the matching words
in it (START … STOP); since every normalised character knows the original character it came from
(normalize.normalise_with_map), the marks are carried back to the text as written — with its hamzas and
diacritics — and one fragment around the best cluster of marks is returned as HTML."""

import re
from bisect import bisect_left, bisect_right
from html import escape

from .normalize import normalise_with_map

START, STOP = "\x02", "\x03"
FRAGMENT_LENGTH = 220  # characters of original text around the marks
_SPACES = re.compile(r"\s+")
_MARKED = re.compile(f"{START}([^{START}{STOP}]*){STOP}")


def read_marks(marked):
    """`(text, spans)`: the text without its markers, and the (start, end) of each marked run in it."""
    spans, position = [], 0
    # Split on the marked runs: the text between them (in which a stray marker is dropped) alternates with what
    # each run marks.
    for index, piece in enumerate(_MARKED.split(marked)):
        if index % 2:
            if piece:
                spans.append((position, position + len(piece)))
            position += len(piece)
        else:
            position += len(piece) - piece.count(START) - piece.count(STOP)
    return marked.replace(START, "").replace(STOP, ""), spans


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
    starts, ends = [start for start, _end in spans], [end for _start, end in spans]
    ordered = ends == sorted(ends)  # as marks are (disjoint runs, in order): then the count is two bisections
    for anchor in starts:
        start = max(0, anchor - length // 4)
        if ordered:
            count = max(0, bisect_right(ends, start + length) - bisect_left(starts, start))
        else:
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
        pieces += [text[position:span_start], START, text[span_start:span_end], STOP]
        position = span_end
    pieces.append(text[position:end])
    if START in text or STOP in text:  # not in indexed text (control characters are taken out): never, but exact
        html = "".join(
            f"<mark>{_text(piece)}</mark>" if index % 4 == 2 else _text(piece)
            for index, piece in enumerate(pieces)
            if index % 4 in (0, 2)
        )
    else:
        # Escaped in one go, the marks kept as markers meanwhile (no space, so spaces collapse as in each piece).
        html = _text("".join(pieces)).replace(START, "<mark>").replace(STOP, "</mark>")
    html = html.strip()
    return f"{'…' if start > 0 else ''}{html}{'…' if end < len(text) else ''}"


def _text(value):
    return escape(_SPACES.sub(" ", value))  # the standard library's: Django's (the same escapes) is lazy-aware
