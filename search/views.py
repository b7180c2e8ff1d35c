"""The public search page: `/<lang>/search/`, the HTML face of `/api/v1/search/`.

It reads its parameters with the API's own serializer and answers through the same `selectors.search`, so the
page and the API cannot disagree: a filter the API refuses is refused here too (a 400 with the message in the
page's language, a date next to its own field), and an engine that cannot be reached is a 503 page, never a 500."""

import math
from types import SimpleNamespace
from urllib.parse import urlencode

import nh3
from django.conf import settings
from django.shortcuts import render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, get_language_info
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from . import api, registry, selectors
from .engines.base import SearchUnavailable
from .query import MAX_RESULT_WINDOW

PAGE_SIZE = 10
PAGE_LINKS = 2  # page numbers shown on each side of the current one
# The filters a citizen picks from facet counts, in the order the page shows them. `status` has no facet
# (its values differ by kind): it is kept when a link or the API sets it, and can be removed.
FACET_FILTERS = ("kind", "authority", "life_event")
MULTI_VALUED = ("kind", "authority", "status", "life_event")
# The "Date" filter's two fields, "From" and "To" (days, inclusive).
DATE_FILTERS = ("date_from", "date_to")
# What the page's links carry over: every parameter the API takes.
PAGE_PARAMETERS = ("q", *MULTI_VALUED, "locale", "date_from", "date_to", "order", "page", "page_size")


@require_safe
def search_page(request):
    """Results, facets and pages for the words and filters in the query string (a GET form)."""
    language = get_language()
    given = request.GET.copy()
    # The page searches its own language unless the citizen asks for another one, or for all (`locale=`).
    if "locale" not in given:
        given["locale"] = language
    given.setdefault("page_size", str(PAGE_SIZE))
    selected = _selected(given)
    context = {
        "q": given.get("q", ""),
        "selected": selected,
        "languages": _languages(selected["locale"]),
        "order": given.get("order") or "relevance",
        "suggest_url": reverse("api-search-suggest"),
        "date_fields": _date_fields(given, {}),
        "date_errors": False,
        "results": None,
        "error": "",
    }
    try:
        parameters = api.parameters_from(api.SearchParameters, SimpleNamespace(query_params=given))
        results = selectors.search(api.search_query_from(parameters))
    except api.UnknownFilter as error:
        context["error"] = error.message
        return render(request, "search/search_page.html", context, status=400)
    except api.InvalidSearchParameter as error:
        date_errors, context["error"] = _parameter_errors(error)
        context["date_fields"] = _date_fields(given, date_errors)
        context["date_errors"] = bool(date_errors)
        return render(request, "search/search_page.html", context, status=400)
    except SearchUnavailable as error:
        context["error"] = error.message
        return render(request, "search/search_page.html", context, status=503)
    context.update(_results_context(results, request.GET, selected, parameters))
    return render(request, "search/search_page.html", context)


def _selected(given):
    selected = {name: api.split_values(given.getlist(name)) for name in MULTI_VALUED}
    selected["locale"] = given.get("locale", "")
    return selected


def _parameter_errors(error):
    """Where the page shows what the API refused: a date under its own field, in the page's words; anything else
    (which a citizen meets only by editing the address) at the search box, in the API's words."""
    date_errors = {name: _date_error(name, message) for name, message in error.errors.items() if name in DATE_FILTERS}
    others = [f"{name}: {message}" for name, message in error.errors.items() if name not in DATE_FILTERS]
    return date_errors, others[0] if others else ("" if date_errors else error.message)


def _date_fields(given, errors):
    """The "Date" filter's fields, each with the text as typed (kept as it is when refused) and its error."""
    return [
        {
            "name": name,
            "id": f"search-{name.replace('_', '-')}",
            "label": _date_label(name),
            "value": given.get(name, ""),
            "error": errors.get(name, ""),
        }
        for name in DATE_FILTERS
    ]


def _date_error(name, message):
    if getattr(message, "code", "") == "date_range":
        return _("“To” must be the same day as “From” or later.")
    if name == "date_from":
        return _("“From” must be a date, for example 2026-03-31.")
    return _("“To” must be a date, for example 2026-03-31.")


def _date_label(name):
    return {"date_from": _("From"), "date_to": _("To")}[name]


def _results_context(results, given, selected, parameters):
    """`given` is the query string as the citizen sent it: links keep it (without the page's defaults)."""
    names = _names(results, selected)
    last_page = max(1, min(math.ceil(results.count / results.page_size), MAX_RESULT_WINDOW // results.page_size))
    facets = []
    for facet in FACET_FILTERS:
        counts = {value.value: value.count for value in results.facets.get(facet, [])}
        # A chosen value stays on the list (checked) even when nothing matches it any more.
        values = list(counts) + [value for value in selected[facet] if value not in counts]
        if values:
            facets.append(
                {
                    "name": facet,
                    "legend": _facet_legend(facet),
                    "values": [
                        {
                            "value": value,
                            "label": names[facet].get(value, value),
                            "count": counts.get(value, 0),
                            "checked": value in selected[facet],
                            "id": f"facet-{facet}-{index}",
                        }
                        for index, value in enumerate(values)
                    ],
                }
            )
    active = [
        {
            "legend": _facet_legend(name),
            "label": names.get(name, {}).get(value, value),
            "remove_url": _url(given, **{name: [other for other in selected[name] if other != value]}),
        }
        for name in MULTI_VALUED
        for value in selected[name]
    ]
    active += [
        {
            "legend": _date_label(name),
            "label": date_format(parameters[name], "DATE_FORMAT"),
            "remove_url": _url(given, **{name: []}),
        }
        for name in DATE_FILTERS
        if parameters[name]
    ]
    return {
        "results": results,
        "hits": [_hit(hit, names) for hit in results.hits],
        "facets": facets,
        "active_filters": active,
        "clear_filters_url": _url(given, **{name: [] for name in (*MULTI_VALUED, *DATE_FILTERS)}) if active else "",
        "all_languages_url": _url(given, locale="") if selected["locale"] else "",
        "pages": _pages(given, results.page, last_page),
        "first_page_url": _url(given),
        "first_result": (results.page - 1) * results.page_size + 1,
        "last_result": (results.page - 1) * results.page_size + len(results.hits),
    }


def _hit(hit, names):
    return {
        "title": hit.title,
        "url": hit.url,
        "kind": names["kind"].get(hit.kind, hit.kind),
        "authority": names["authority"].get(hit.authority, hit.authority),
        "date": hit.date,
        "locale": hit.locale,
        # The engines build highlights as escaped text with <mark> around the matching words (search.highlight,
        # Elasticsearch's html encoder); cleaning them again keeps the page safe should an engine ever slip.
        "highlight": mark_safe(nh3.clean(hit.highlight, tags={"mark"}, attributes={})) if hit.highlight else "",
        "summary": hit.summary,
    }


def _url(given, **changes):
    """The query string of this search with `changes` made, back on its first page."""
    params = {name: given.getlist(name) for name in PAGE_PARAMETERS if name in given}
    params.pop("page", None)
    for name, value in changes.items():
        params[name] = value if isinstance(value, list) else [value]
    # An empty value is left out, but `locale=` (all languages) differs from no locale (the page's language).
    params = {name: values for name, values in params.items() if any(values) or (name == "locale" and values)}
    return "?" + urlencode(params, doseq=True)


def _pages(given, current, last):
    if last <= 1:
        return None
    numbers = sorted({1, last, *range(max(1, current - PAGE_LINKS), min(last, current + PAGE_LINKS) + 1)})
    links, previous = [], 0
    for number in numbers:
        if number - previous > 1:
            links.append({"gap": True})
        links.append({"number": number, "url": _url(given, page=str(number)), "current": number == current})
        previous = number
    return {
        "links": links,
        "previous_url": _url(given, page=str(current - 1)) if current > 1 else "",
        "next_url": _url(given, page=str(current + 1)) if current < last else "",
    }


def _facet_legend(name):
    return {
        "kind": _("Type"),
        "authority": _("Authority"),
        "life_event": _("Life event"),
        "status": _("Status"),
    }[name]


def _languages(selected):
    choices = [
        {"value": code, "label": get_language_info(code)["name_local"], "checked": selected == code}
        for code, _name in settings.LANGUAGES
    ]
    return [*choices, {"value": "", "label": _("All languages"), "checked": not selected}]


def _names(results, selected):
    """What the citizen reads for each facet value: a kind's label from its search source; an authority's and a
    life event's name in the page's language, from the sources that can name them (search imports no app); the
    value itself otherwise."""
    wanted = {
        facet: {value.value for value in results.facets.get(facet, [])} | set(selected.get(facet, ()))
        for facet in FACET_FILTERS
    }
    wanted["authority"] |= {hit.authority for hit in results.hits if hit.authority}
    names = {
        "kind": {kind: str(source.label) for kind in registry.kinds() if (source := registry.get_source(kind))},
        "authority": registry.facet_labels("authority", wanted["authority"]),
        "life_event": registry.facet_labels("life_event", wanted["life_event"]),
    }
    return names
