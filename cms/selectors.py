"""Reads of the catalogue worth naming."""

from .models import LifeEvent, ServiceIndexPage, ServicePage


def life_events_for_locale(locale):
    return LifeEvent.objects.filter(locale=locale).order_by("order", "name")


def catalogue_sections(locale):
    """One section per authority, in the given locale, with its authority loaded."""
    return (
        ServiceIndexPage.objects.live()
        .filter(locale=locale, authority__isnull=False)
        .select_related("authority")
        .order_by("title")
    )


def popular_services(home):
    """The services the home page's editors chose, in their order, each in the home page's language; a service
    with no live page in that language is left out."""
    # Rows saved without an order (sort_order empty) keep the order they were added in.
    chosen_rows = home.popular_services.order_by("sort_order", "pk")
    rows = list(chosen_rows.values_list("service_id", "service__translation_key"))
    chosen = [pk for pk, _key in rows]
    keys = dict(rows)
    pages = {
        page.translation_key: page
        for page in ServicePage.objects.live()
        .filter(locale_id=home.locale_id, translation_key__in=keys.values())
        .select_related("authority")
    }
    ordered = dict.fromkeys(keys[pk] for pk in chosen if pk in keys)
    return [pages[key] for key in ordered if key in pages]


def catalogue_services(index_page, life_event=None):
    """The live services under a catalogue page (or a section of it), optionally on one life event."""
    services = (
        ServicePage.objects.live()
        .descendant_of(index_page)
        .filter(locale=index_page.locale)
        .select_related("authority")
        .order_by("title")
    )
    if life_event:
        services = services.filter(life_events__slug=life_event)
    return services


def _group_by_key(queryset, key):
    grouped = {}
    for item in queryset.select_related("locale"):
        grouped.setdefault(getattr(item, key), {})[item.locale.language_code] = item
    return grouped


def export_catalogue():
    """The whole catalogue in the exchange format (docs/import-format.md), live pages only."""
    from . import catalogue_format as fmt
    from .models import Authority

    authorities = _group_by_key(Authority.objects.select_related("parent").order_by("code"), "code")
    life_events = _group_by_key(LifeEvent.objects.order_by("order", "slug"), "slug")
    services = _group_by_key(
        ServicePage.objects.live()
        .select_related("authority")
        .prefetch_related("life_events", "related_links__service")
        .order_by("service_id"),
        "service_id",
    )
    return {
        "format": fmt.FORMAT_NAME,
        "version": fmt.FORMAT_VERSION,
        "authorities": [fmt.authority_record(by_language) for by_language in authorities.values()],
        "life_events": [fmt.life_event_record(by_language) for by_language in life_events.values()],
        "services": [fmt.service_record(by_language) for by_language in services.values()],
    }


def editors_group_name(code):
    """The group of an authority's editors (cms.services.ensure_authority_section creates it)."""
    return f"{code} editors"


def ministry_codes(user):
    """The codes of the authorities `user` works for: a superuser every one (None); other staff those whose
    editors' group they are in."""
    if user.is_superuser:
        return None
    suffix = editors_group_name("")
    return [name[: -len(suffix)] for name in user.groups.filter(name__endswith=suffix).values_list("name", flat=True)]
