"""What to purge from the page caches when the catalogue changes (core/pagecache.py, docs/operations.md#page-cache).

Publishing or unpublishing a page purges the page in each language, every page above it (its listings, up to
the home page) in each language, and the content API's listing and the pages' details. Moving a page, or
changing its slug, purges its old and new addresses and those of everything under it, and both parents.
Changing an authority or a life event purges the pages that show it. Each purge goes through
wagtail.contrib.frontend_cache (PurgeBatch), to every backend configured: always the in-process page cache, and
the HTTP cache in front when FRONTEND_CACHE_PURGE_URL is set. It runs once the change is committed, so a page
rendered before the change cannot be stored after the purge (core.pagecache checks the time)."""

from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.http.request import split_domain_port
from django.urls import re_path
from django.utils.translation import get_language
from wagtail.contrib.frontend_cache.utils import PurgeBatch
from wagtail.models import Page, Site
from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move, pre_page_move

from core import pagecache

# Every query of each (a purge of a path reaches every query string): the content API's listing and lookup, and
# the search, whose answers may show the page.
API_PATHS = ("/api/v2/pages/", "/api/v2/pages/find/", "/api/v1/search/", "/api/v1/search/suggest/")


def _with_translations(pages):
    seen = {}
    for page in pages:
        seen[page.pk] = page
        for translation in page.get_translations():
            seen.setdefault(translation.pk, translation)
    return list(seen.values())


def affected_pages(pages):
    """The pages, their translations, and every page above each of them below the tree's root."""
    found = {}
    for page in _with_translations(pages):
        found[page.pk] = page
        for ancestor in page.get_ancestors().filter(depth__gt=1):
            found.setdefault(ancestor.pk, ancestor)
    return list(found.values())


def api_urls(page_ids):
    urls = []
    for root_url in {site.root_url for site in Site.objects.all()}:
        urls += [root_url + path for path in API_PATHS]
        urls += [f"{root_url}/api/v2/pages/{pk}/" for pk in page_ids]
    return urls


def page_batch(pages, extra_urls=()):
    batch = PurgeBatch()
    affected = affected_pages(pages)
    batch.add_pages(affected)
    batch.add_urls(api_urls([page.pk for page in _with_translations(pages)]))
    batch.add_urls(extra_urls)
    return batch


def purge_pages(pages, extra_urls=()):
    """Purge the pages and what shows them, once the current transaction commits."""
    pages = [page for page in pages if page is not None]
    if not pages and not extra_urls:
        return
    transaction.on_commit(lambda: _purge(pages, extra_urls))


def purge_addresses(paths, pages=()):
    """Purge just these site paths (on every site) and these pages' addresses in each language, once the current
    transaction commits: what other apps show on pages of their own (a petition, a comment thread)."""
    paths = list(paths)
    pages = [page for page in pages if page is not None]
    if not paths and not pages:
        return

    def send():
        batch = PurgeBatch()
        for root_url in {site.root_url for site in Site.objects.all()}:
            batch.add_urls([root_url + path for path in paths])
        batch.add_pages(_with_translations(pages))
        pagecache.purge_urls(batch.urls)
        batch.purge()

    transaction.on_commit(send)


def _purge(pages, extra_urls):
    batch = page_batch(pages, extra_urls)
    # The in-process layer at once, whatever the task backend; then every configured backend through
    # wagtail.contrib.frontend_cache's task (inline on the embedded default, the worker's in a deployment).
    pagecache.purge_urls(batch.urls)
    pagecache.forget_fragments()
    batch.purge()


def subtree_urls(page):
    """The full URLs of the page and of every page under it, as they are now."""
    batch = PurgeBatch()
    batch.add_pages(Page.objects.descendant_of(page, inclusive=True).specific(defer=True))
    return set(batch.urls)


def restricted_paths():
    """The tree paths of pages with a view restriction, and of aliases (whose original's restrictions apply):
    a page below none of them has no restriction to check (cms.models.pages.CachedRestrictionsMixin)."""

    def compute():
        paths = set(view_restricted_paths())
        paths |= set(Page.objects.filter(alias_of__isnull=False).values_list("path", flat=True))
        return sorted(paths)

    return pagecache.fragment("restricted-paths", (), compute)


def view_restricted_paths():
    """The tree paths of every page with a view restriction, kept until the next purge (a restriction saved or
    deleted, a page moved, published or deleted forgets it: see the receivers below)."""

    def compute():
        from wagtail.models import PageViewRestriction

        return sorted(set(PageViewRestriction.objects.values_list("page__path", flat=True)))

    return pagecache.fragment("view-restrictions", (), compute)


def site_root_paths(site):
    """The tree paths of the site's root page and of its translations (the pages the content API lists are below
    one of them), kept until the next purge. A new translation of a site root forgets it (`_on_page_created`);
    a page below one becomes visible only by being published or moved there, which purges."""

    def compute():
        root = site.root_page
        return sorted(Page.objects.filter(translation_key=root.translation_key).values_list("path", flat=True))

    return pagecache.fragment("site-root-paths", (site.pk, site.root_page_id), compute)


def locale_ids():
    """{language code: id} of every Locale, kept until the next purge (a Locale saved or deleted forgets it)."""

    def compute():
        from wagtail.models import Locale

        return dict(Locale.objects.values_list("language_code", "pk"))

    return pagecache.fragment("locale-ids", (), compute)


def public(pages):
    """Wagtail's `pages.public()` — the pages that no view restriction of theirs or of a page above them hides —
    without asking the database for the restrictions on every call. Wagtail's `PageQuerySet.private_q` also asks
    each page's depth to be at least the restricted page's, which a path starting with that page's path already
    implies (a tree path is its ancestors' paths followed by its own step)."""
    private = Q()
    for path in view_restricted_paths():
        private |= Q(path__startswith=path)
    return pages.exclude(private if private else Q(pk__in=[]))


def remember_site(request):
    """Wagtail's `Site.find_for_request` asks the database for the request's site on every request (a query with
    its root page joined, about a millisecond of CPU); the answer depends only on the host and port, so it is kept
    as a fragment until the next purge (a site saved or deleted forgets it: see the receivers below). Called by
    the views that serve pages and the content API before anything asks for the site."""
    if hasattr(request, "_wagtail_site"):
        return
    hostname, port = split_domain_port(request._get_raw_host())[0], request.get_port()
    request._wagtail_site = pagecache.fragment("site", (hostname, port), lambda: Site._find_for_request(request))


def route(request, path):
    """Wagtail's serve view, with the route of a page's own address kept in the cache until the next purge:
    one query for the page (with what its template reads) instead of the site's root, its translation and the
    lookup (cms.models.pages.load_page)."""
    from wagtail.views import serve

    from .models.pages import load_page

    def compute():
        result = Page.route_for_request(request, path)
        if result is None or result[1] or result[2]:
            return None  # no page, or a routable page's sub-view: not kept
        return (result[0].pk, result[0].content_type_id)

    remember_site(request)
    if not hasattr(request, "_wagtail_route_for_request"):
        found = pagecache.fragment("route", (request.get_host(), get_language(), path), compute)
        if found is not None and not hasattr(request, "_wagtail_route_for_request"):
            page = load_page(*found)
            if page is not None and page.live:
                request._wagtail_route_for_request = (page, [], {})
    return serve(request, path)


def wagtail_urlpatterns(patterns):
    """Wagtail's URL patterns with its page view (`wagtail_serve`) replaced by `route`."""
    return [
        re_path(pattern.pattern.regex.pattern, route, name="wagtail_serve")
        if pattern.name == "wagtail_serve"
        else pattern
        for pattern in patterns
    ]


# --- Receivers ------------------------------------------------------------------------------------------------


def _on_published(sender, instance, **kwargs):
    purge_pages([instance])


_leaving = {}  # page id -> the addresses it is leaving, between pre_page_move and post_page_move


def _on_moving(sender, instance, **kwargs):
    _leaving[instance.pk] = subtree_urls(instance)


def _on_moved(sender, instance, parent_page_before=None, parent_page_after=None, **kwargs):
    old = _leaving.pop(instance.pk, set())
    pages = [instance, parent_page_before, parent_page_after]
    purge_pages(pages, extra_urls=old | subtree_urls(instance))


def _on_slug_changed(sender, instance, instance_before=None, **kwargs):
    new_urls = subtree_urls(instance)
    old_urls = set()
    if instance_before is not None:
        new_root, old_root = instance.get_full_url(), instance_before.get_full_url()
        if new_root and old_root:
            old_urls = {old_root + url[len(new_root) :] for url in new_urls if url.startswith(new_root)}
    purge_pages([instance], extra_urls=new_urls | old_urls)


def _snippet_pages(instance):
    from .models import HomePage, LifeEvent, ServiceIndexPage, ServicePage

    if isinstance(instance, LifeEvent):
        # Home pages and catalogue pages list the life events of their language.
        shown_on = list(ServicePage.objects.live().filter(life_events=instance))
        shown_on += list(HomePage.objects.live().filter(locale_id=instance.locale_id))
        shown_on += list(ServiceIndexPage.objects.live().filter(locale_id=instance.locale_id))
    else:
        shown_on = list(ServicePage.objects.live().filter(authority=instance))
        shown_on += list(ServiceIndexPage.objects.live().filter(authority=instance))
    return shown_on


def _on_deleted(sender, instance, **kwargs):
    purge_pages([instance])


def _on_restriction_changed(sender, instance, **kwargs):
    # At once, for the rest of this transaction (cms.cache.public), and again once it commits, for everyone.
    pagecache.forget_fragments()
    transaction.on_commit(pagecache.forget_fragments)
    page = Page.objects.filter(pk=instance.page_id).first()
    if page is not None:
        purge_pages([page], extra_urls=subtree_urls(page))


def _on_site_changed(sender, instance, **kwargs):
    # A site's host, port or root page: every fragment may have read it (cms.cache.remember_site, the theme, the
    # routes, the content API's kept items), now and once the change commits.
    _forget_fragments_now_and_on_commit()


def _forget_fragments_now_and_on_commit(**kwargs):
    pagecache.forget_fragments()
    transaction.on_commit(pagecache.forget_fragments)


def _on_page_created(sender, instance, created=False, raw=False, **kwargs):
    # A new page at a site root's depth may be a new translation of a site root (site_root_paths).
    if created and isinstance(instance, Page) and instance.depth is not None and instance.depth <= 2:
        _forget_fragments_now_and_on_commit()


def _on_snippet_changed(sender, instance, **kwargs):
    purge_pages(_snippet_pages(instance))


def connect():
    from wagtail.models import Locale, PageViewRestriction

    from .models import Authority, LifeEvent

    page_published.connect(_on_published, dispatch_uid="cms.cache.published")
    page_unpublished.connect(_on_published, dispatch_uid="cms.cache.unpublished")
    pre_page_move.connect(_on_moving, dispatch_uid="cms.cache.moving")
    post_page_move.connect(_on_moved, dispatch_uid="cms.cache.moved")
    page_slug_changed.connect(_on_slug_changed, dispatch_uid="cms.cache.slug_changed")
    post_delete.connect(_on_deleted, sender=Page, dispatch_uid="cms.cache.deleted")
    post_save.connect(_on_restriction_changed, sender=PageViewRestriction, dispatch_uid="cms.cache.restriction_saved")
    post_delete.connect(
        _on_restriction_changed, sender=PageViewRestriction, dispatch_uid="cms.cache.restriction_deleted"
    )
    post_save.connect(_on_site_changed, sender=Site, dispatch_uid="cms.cache.site_saved")
    post_delete.connect(_on_site_changed, sender=Site, dispatch_uid="cms.cache.site_deleted")
    post_save.connect(_on_page_created, dispatch_uid="cms.cache.page_created")
    post_save.connect(_forget_fragments_now_and_on_commit, sender=Locale, dispatch_uid="cms.cache.locale_saved")
    post_delete.connect(_forget_fragments_now_and_on_commit, sender=Locale, dispatch_uid="cms.cache.locale_deleted")
    for model in (Authority, LifeEvent):
        post_save.connect(_on_snippet_changed, sender=model, dispatch_uid=f"cms.cache.saved.{model.__name__}")
        post_delete.connect(_on_snippet_changed, sender=model, dispatch_uid=f"cms.cache.deleted.{model.__name__}")
