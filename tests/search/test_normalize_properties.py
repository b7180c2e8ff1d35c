"""Properties of the Arabic normaliser (search.normalize), which every engine and every query share: for any
text it never fails, normalising twice is normalising once, the position map points back into the original, and
a query's words come out normalised and within their limit."""

from hypothesis import given, settings
from hypothesis import strategies as st

from search.normalize import REMOVED, normalise, normalise_with_map, query_words, words

# Arabic (with its diacritics, hamza seats, tatweel, Arabic-Indic digits), Latin, spaces and punctuation, and now
# and then any character at all.
ARABIC_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x0600, max_codepoint=0x06FF),
        st.characters(min_codepoint=0xFB50, max_codepoint=0xFEFF),
        st.sampled_from(list("abcXYZ019 _-.,؟،")),
        st.characters(codec="utf-8"),
    ),
    max_size=60,
)


@settings(max_examples=400, deadline=None)
@given(ARABIC_TEXT)
def test_normalising_twice_is_normalising_once(text):
    once = normalise(text)
    assert normalise(once) == once
    assert not REMOVED & set(once)


@settings(max_examples=400, deadline=None)
@given(ARABIC_TEXT)
def test_the_position_map_points_back_into_the_text(text):
    normalised, positions = normalise_with_map(text)
    assert normalised == normalise(text)
    assert len(positions) == len(normalised) + 1
    assert positions[-1] == len(text)
    assert positions == sorted(positions)
    assert all(0 <= position < len(text) for position in positions[:-1])


@settings(max_examples=400, deadline=None)
@given(ARABIC_TEXT, st.integers(min_value=1, max_value=8))
def test_words_are_distinct_normalised_and_within_the_limit(text, limit):
    found = words(text, limit=limit)
    assert len(found) <= limit
    assert len(set(found)) == len(found)
    assert all(word == normalise(word) and word for word in found)


@settings(max_examples=400, deadline=None)
@given(ARABIC_TEXT, st.integers(min_value=1, max_value=8))
def test_each_query_word_is_tried_first_as_it_is_normalised(text, limit):
    found = query_words(text, limit=limit)
    assert len(found) <= limit
    for forms in found:
        assert forms and forms[0] == normalise(forms[0])
        assert len(set(forms)) == len(forms)
