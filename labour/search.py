"""What labour makes searchable: its live, public dashboard pages, each in its own language — the title, the
introduction, the paragraphs, and the title and indicator of every chart and table on it — read again after cms's
page events, so that a citizen who searches "تصاريح العمل" or "Kuwaitisation" finds the dashboards that show it.

The figures themselves are not indexed: they are read when the page is served, and the open-data API
(/api/v1/labour/) is their search. Labour's other records (establishments, labour-needs requests, wage records)
are not public and have no source."""

import html
import re

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from cms import cache
from search.registry import PageSource, register

from .blocks import INDICATOR_CHOICES, SERIES_CHOICES
from .models import LabourDashboardPage
from .selectors import labour_authority_code

_TAG = re.compile(r"<[^>]*>")
_INDICATORS = dict(INDICATOR_CHOICES)
_SERIES = dict(SERIES_CHOICES)


def _text(value):
    return " ".join(html.unescape(_TAG.sub(" ", value or "")).split())


class DashboardSearch(PageSource):
    kind = "dashboard"
    label = _("Labour-market indicators")
    model = LabourDashboardPage
    restricted_paths = staticmethod(cache.view_restricted_paths)  # kept until they change

    def texts(self, page):
        """The words a reader sees on the page besides its figures, in the page's language."""
        texts = [page.intro]
        with translation.override(page.locale.language_code):
            for block in page.body:
                if block.block_type == "paragraph":
                    texts.append(_text(block.value.source))
                    continue
                value = block.value
                texts.append(value.get("title") or "")
                # A chart comparing measures shows those named in its series codes, not its indicator.
                compared = value.get("series_by") == "measure"
                shown = (value.get("series_codes") or "").split(",") if compared else [value.get("indicator")]
                for indicator in shown:
                    texts.append(str(_INDICATORS.get((indicator or "").strip(), "")))
                if value.get("series_by") not in ("", None, "measure"):
                    texts.append(str(_SERIES.get(value["series_by"], "")))
        return [text for text in texts if text]

    def record(self, page):
        return self.page_record(
            page,
            summary=page.intro,
            body="\n".join(self.texts(page)),
            authority=labour_authority_code(),
            date=page.last_published_at,
        )


register(DashboardSearch())
