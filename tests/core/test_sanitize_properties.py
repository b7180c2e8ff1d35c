"""Properties of the one HTML sanitiser (core.sanitize), for any input hypothesis can think of: it never fails,
what it keeps is only the allow-list, links only go to http(s), and cleaning twice changes nothing."""

from html import unescape
from html.parser import HTMLParser
from urllib.parse import urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from core.sanitize import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, ALLOWED_URL_SCHEMES, sanitize_html
from core.text import strip_controls

TAGS = [*ALLOWED_TAGS, "script", "style", "iframe", "img", "svg", "math", "form", "a", "div", "span", "object"]
ATTRIBUTES = ["href", "src", "onclick", "onerror", "style", "rel", "target", "formaction", "xlink:href"]
URLS = ["https://example.org/", "http://x", "javascript:alert(1)", "jAvA\tscript:x", "data:text/html,x", "//evil", "#a"]


@st.composite
def markup(draw):
    """HTML-ish text: tags (allowed and not) with attributes, comments, entities and any characters between."""
    pieces = []
    for _ in range(draw(st.integers(0, 12))):
        kind = draw(st.sampled_from(["text", "open", "close", "comment", "entity"]))
        if kind == "text":
            pieces.append(draw(st.text(max_size=20)))
        elif kind == "open":
            attributes = draw(
                st.lists(
                    st.tuples(st.sampled_from(ATTRIBUTES), st.sampled_from(URLS) | st.text(max_size=8)), max_size=3
                )
            )
            rendered = "".join(f' {name}="{value}"' for name, value in attributes)
            pieces.append(f"<{draw(st.sampled_from(TAGS))}{rendered}>")
        elif kind == "close":
            pieces.append(f"</{draw(st.sampled_from(TAGS))}>")
        elif kind == "comment":
            pieces.append(f"<!--{draw(st.text(max_size=10))}-->")
        else:
            pieces.append(draw(st.sampled_from(["&amp;", "&lt;", "&#0;", "&#x110000;", "&#xd800;", "&bogus;", "&"])))
    return "".join(pieces)


class Collect(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def parsed(html):
    collector = Collect()
    collector.feed(html)
    collector.close()
    return collector.tags


@settings(max_examples=300, deadline=None)
@given(st.one_of(markup(), st.text()))
def test_only_the_allow_list_survives_and_links_are_http(html):
    cleaned = sanitize_html(html)
    for tag, attributes in parsed(cleaned):
        assert tag in ALLOWED_TAGS
        assert set(attributes) <= ALLOWED_ATTRIBUTES.get(tag, set()) | ({"rel"} if tag == "a" else set())
        if "href" in attributes:  # an absolute link is http(s); a relative one stays on its scheme
            assert urlsplit(attributes["href"]).scheme.lower() in {"", *ALLOWED_URL_SCHEMES}


@settings(max_examples=300, deadline=None)
@given(st.one_of(markup(), st.text()))
def test_cleaning_twice_is_cleaning_once(html):
    once = sanitize_html(html)
    assert sanitize_html(once) == once


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_characters="<>&\"'\r\x0c\x00"), max_size=50))
def test_plain_text_keeps_its_words(text):
    """Everything but the control and bidi-override characters, which no stored text keeps (core.text)."""
    assert unescape(sanitize_html(text)).strip() == strip_controls(text).strip()


@given(st.text(alphabet=st.characters(categories=["Cs"]), min_size=1, max_size=4), st.text(max_size=10))
def test_a_lone_surrogate_is_dropped_not_a_crash(surrogates, text):
    """JSON can carry `\\ud800` escapes that decode to unpaired surrogates, which no encoder writes: the
    sanitiser drops them instead of failing (a 500 in every API that takes HTML)."""
    cleaned = sanitize_html(f"<p>{text}{surrogates}</p>")
    cleaned.encode("utf-8")
    assert cleaned.startswith("<p>")
