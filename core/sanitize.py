"""The one HTML sanitiser. Every piece of HTML that comes from outside the admin's rich-text editor — user
comments, imported service texts — passes through `sanitize_html` before it is stored."""

import nh3

from .text import strip_controls

ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "a"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
ALLOWED_URL_SCHEMES = {"http", "https"}


def sanitize_html(html, *, link_rel="nofollow ugc"):
    """Keep only the allow-listed tags; links only to http(s), with `rel` set; everything else is dropped
    (the text of unknown tags is kept, the content of script/style is not), and so are lone surrogates."""
    if not html:
        return ""
    # A JSON body's `\ud800` escape decodes to a lone surrogate, which no encoder can write: drop it.
    html = html.encode("utf-8", "surrogatepass").decode("utf-8", "ignore")
    # Cleaning what was cleaned must change nothing (an imported text compared with the stored one, a comment
    # saved again), but a tree nh3 writes can parse into another (`<p><p></p></p>`): clean to a fixed point.
    for _ in range(3):
        cleaned = _clean(html, link_rel)
        if cleaned == html:
            break
        html = cleaned
    return cleaned


def _clean(html, link_rel):
    return nh3.clean(
        strip_controls(html),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=link_rel,
        strip_comments=True,
    ).strip()
