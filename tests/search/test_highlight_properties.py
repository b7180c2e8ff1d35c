"""The highlight's fast paths give what the plain algorithm gives, for any text and any marks: read_marks splits on
the marked runs instead of counting markers before each, fragment counts the marks of a window by bisection and
escapes the fragment in one go, normalise_with_map lists the kept characters without a Python loop. The reference
implementations below are the ones they replaced."""

import re

from django.utils.html import escape
from hypothesis import given, settings
from hypothesis import strategies as st

from search.highlight import START, STOP, fragment, read_marks
from search.normalize import REMOVED, normalise_with_map

_MARKED = re.compile(f"{START}([^{START}{STOP}]*){STOP}")
_SPACES = re.compile(r"\s+")


def reference_read_marks(marked):
    spans, markers_before, previous_end = [], 0, 0
    for match in _MARKED.finditer(marked):
        markers_before += marked.count(START, previous_end, match.start()) + marked.count(
            STOP, previous_end, match.start()
        )
        start = match.start() - markers_before
        if match.group(1):
            spans.append((start, start + len(match.group(1))))
        markers_before += 2
        previous_end = match.end()
    return marked.replace(START, "").replace(STOP, ""), spans


def reference_fragment(text, spans, length):
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
    while start > 0 and not text[start - 1].isspace() and best_start - start < 30:
        start -= 1
    while end < len(text) and not text[end].isspace() and end - (best_start + length) < 30:
        end += 1
    pieces, position = [], start
    for span_start, span_end in spans:
        if span_start < position or span_end > end:
            continue
        pieces.append(escape(_SPACES.sub(" ", text[position:span_start])))
        pieces.append(f"<mark>{escape(_SPACES.sub(' ', text[span_start:span_end]))}</mark>")
        position = span_end
    pieces.append(escape(_SPACES.sub(" ", text[position:end])))
    html = "".join(pieces).strip()
    return f"{'…' if start > 0 else ''}{html}{'…' if end < len(text) else ''}"


TEXT = st.text(alphabet=st.sampled_from(list("ab إأة\u064e\u0640 \n\t<&>'\"") + [START, STOP]), max_size=400)


@settings(max_examples=500, deadline=None)
@given(TEXT)
def test_read_marks_is_the_reference(marked):
    assert read_marks(marked) == reference_read_marks(marked)


@st.composite
def text_and_spans(draw):
    text = draw(TEXT)
    if draw(st.booleans()):  # as highlight_original gives them: disjoint runs, in order
        cuts = sorted(draw(st.sets(st.integers(0, len(text)), max_size=60)))
        spans = [(start, end) for start, end in zip(cuts[::2], cuts[1::2], strict=False) if start < end]
    else:  # anything at all: overlapping, out of order
        bounds = st.integers(0, len(text))
        spans = [tuple(sorted(pair)) for pair in draw(st.lists(st.tuples(bounds, bounds), max_size=30))]
    return text, spans, draw(st.integers(1, 120))


@settings(max_examples=800, deadline=None)
@given(text_and_spans())
def test_fragment_is_the_reference(case):
    text, spans, length = case
    assert fragment(text, spans, length) == reference_fragment(text, spans, length)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("abc إأة ") + sorted(REMOVED)[:6]), max_size=200))
def test_the_position_map_lists_the_characters_kept(text):
    normalised, positions = normalise_with_map(text)
    assert positions == [index for index, character in enumerate(text) if character not in REMOVED] + [len(text)]
