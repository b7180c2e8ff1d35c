"""Every write to the catalogue: the site skeleton, authorities' sections and their editors, and the
import of catalogue records. Each public function is one transaction."""

import uuid
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_noop
from wagtail.models import (
    Collection,
    GroupCollectionPermission,
    GroupPagePermission,
    Locale,
    Page,
    Site,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from . import catalogue_format as fmt
from .models import Authority, HomePage, HomePopularService, LifeEvent, ServiceIndexPage, ServicePage, ServiceRelation
from .selectors import editors_group_name

LANGUAGES = fmt.LANGUAGES
HOME_TITLES = {"ar": "بوابة الحكومة الإلكترونية", "en": "Government e-portal"}
HOME_INTROS = {
    "ar": "خدمات الجهات الحكومية في مكان واحد، بالعربية والإنجليزية.",
    "en": "The services of every government body in one place, in Arabic and English.",
}
CATALOGUE_TITLES = {"ar": "دليل الخدمات", "en": "Service catalogue"}
APPROVERS_GROUP = "Portal approvers"
# Stored in the database as they are; the admin shows them in its language (cms/wagtail_hooks.py).
WORKFLOW_NAME = gettext_noop("Ministry review")
APPROVAL_TASK_NAME = gettext_noop("Portal approval")
EDITOR_PAGE_PERMISSIONS = ("add_page", "change_page", "lock_page", "unlock_page")
APPROVER_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page", "lock_page", "unlock_page")


def ensure_locales():
    return {language: Locale.objects.get_or_create(language_code=language)[0] for language in LANGUAGES}


def _publish(page):
    page.save_revision().publish()


@transaction.atomic
def ensure_portal_site(*, keep_existing=False):
    """The home page and the catalogue in both languages, and the default site pointing at the Arabic home.
    Returns {"ar": catalogue_page, "en": catalogue_page}. Safe to run again; with `keep_existing` it also
    leaves the catalogues' workflow as an administrator may have changed it."""
    locales = ensure_locales()
    root = Page.get_first_root_node()
    homes = {}
    for language in LANGUAGES:
        homes[language] = HomePage.objects.filter(locale=locales[language], depth=2).first()
    key = (homes["ar"] or homes["en"]).translation_key if (homes["ar"] or homes["en"]) else uuid.uuid4()
    for language in LANGUAGES:
        if homes[language] is None:
            home = HomePage(
                title=HOME_TITLES[language],
                slug=f"home-{language}",
                intro=HOME_INTROS[language],
                locale=locales[language],
                translation_key=key,
            )
            root.add_child(instance=home)
            _publish(home)
            homes[language] = home

    site = Site.objects.filter(is_default_site=True).first()
    base_url = urlsplit(settings.WAGTAILADMIN_BASE_URL)
    address = {"hostname": base_url.hostname, "port": base_url.port or (443 if base_url.scheme == "https" else 80)}
    if site is None:
        Site.objects.create(root_page=homes["ar"], is_default_site=True, site_name=HOME_TITLES["ar"], **address)
    elif site.root_page_id != homes["ar"].pk:
        # First set-up: the site still points at Wagtail's placeholder; give it the portal's home and address.
        previous = site.root_page
        site.root_page = homes["ar"]
        site.site_name = HOME_TITLES["ar"]
        site.hostname, site.port = address["hostname"], address["port"]
        site.save()
        # The placeholder page that Wagtail's own migration creates has no use once the portal's home exists.
        if type(previous.specific) is Page and not previous.get_children().exists():
            previous.delete()

    catalogues = {}
    for language in LANGUAGES:
        catalogues[language] = ServiceIndexPage.objects.child_of(homes[language]).filter(authority__isnull=True).first()
    key = next((page.translation_key for page in catalogues.values() if page), uuid.uuid4())
    for language in LANGUAGES:
        if catalogues[language] is None:
            page = ServiceIndexPage(
                title=CATALOGUE_TITLES[language], slug="services", locale=locales[language], translation_key=key
            )
            homes[language].add_child(instance=page)
            _publish(page)
            catalogues[language] = page
    _ensure_workflow(catalogues, keep_existing=keep_existing)
    return catalogues


@transaction.atomic
def choose_popular_services(service_ids):
    """Give each home page these services (by service identifier, in this order) as its popular services, unless
    its editors have already chosen some. Publishes the home pages it changes. Returns how many it changed."""
    changed = 0
    for home in HomePage.objects.filter(depth=2):
        if home.popular_services.exists():
            continue
        pages = {
            page.service_id: page
            for page in ServicePage.objects.filter(locale_id=home.locale_id, service_id__in=service_ids)
        }
        # The order is stored: rows of one page come back from the database in no particular order otherwise.
        chosen = [pages[sid] for sid in service_ids if sid in pages]
        home.popular_services = [
            HomePopularService(service=page, sort_order=position) for position, page in enumerate(chosen)
        ]
        _publish(home)
        changed += 1
    return changed


def _page_permissions(group, pages, codenames):
    permissions = Permission.objects.filter(content_type__app_label="wagtailcore", codename__in=codenames)
    for page in pages:
        for permission in permissions:
            GroupPagePermission.objects.get_or_create(group=group, page=page, permission=permission)


def _staff_group(name):
    group, _created = Group.objects.get_or_create(name=name)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="wagtailadmin", codename="access_admin"),
        *Permission.objects.filter(content_type__app_label="cms", codename__in=("view_authority", "view_lifeevent")),
        # "Translate" on the pages they may edit (cms/translation.py points the copy at the translations).
        *Permission.objects.filter(content_type__app_label="simple_translation", codename="submit_translation"),
    )
    root_collection = Collection.get_first_root_node()
    for codename in ("add_image", "choose_image", "add_document", "choose_document"):
        permission = Permission.objects.filter(codename=codename).first()
        if permission:
            GroupCollectionPermission.objects.get_or_create(
                group=group, collection=root_collection, permission=permission
            )
    return group


def put_under_review(pages, *, keep_existing=True):
    """The pages (and what is added under them) go through the ministry review workflow: editors submit, the
    portal's approvers publish. Used for the catalogue and by other apps for their own sections."""
    _ensure_workflow({index: page for index, page in enumerate(pages)}, keep_existing=keep_existing)


def let_ministries_add_under(pages, *, codes=None):
    """Each ministry's editors (of `codes`, or of every authority that has an editors' group) may add pages under
    `pages` and edit the pages they added, never publish them nor edit another's (Wagtail's add permission)."""
    groups = Group.objects.filter(name__endswith=editors_group_name(""))
    if codes is not None:
        groups = groups.filter(name__in=[editors_group_name(code) for code in codes])
    for group in groups:
        _page_permissions(group, pages, ("add_page",))


def _ensure_workflow(catalogues, *, keep_existing=False):
    """Ministry editors submit; the portal's approvers publish. (With `keep_existing`, a catalogue that has a
    workflow keeps it.)"""
    from wagtail.models import GroupApprovalTask

    approvers = _staff_group(APPROVERS_GROUP)
    _page_permissions(approvers, catalogues.values(), APPROVER_PAGE_PERMISSIONS)
    task = GroupApprovalTask.objects.filter(name=APPROVAL_TASK_NAME).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=APPROVAL_TASK_NAME)
        task.groups.set([approvers])
    workflow, _created = Workflow.objects.get_or_create(name=WORKFLOW_NAME)
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    for page in catalogues.values():
        if keep_existing:
            WorkflowPage.objects.get_or_create(page=page, defaults={"workflow": workflow})
        else:
            WorkflowPage.objects.update_or_create(page=page, defaults={"workflow": workflow})


@transaction.atomic
def ensure_authority_section(code, catalogues=None, *, keep_existing=False):
    """The authority's own section of the catalogue in both languages, and its editors' group, which may
    edit (not publish) the pages of that section only. Returns {"ar": section, "en": section}. A section's
    title follows its authority's name, unless `keep_existing` (an editor's title stays)."""
    catalogues = catalogues or ensure_portal_site(keep_existing=keep_existing)
    locales = ensure_locales()
    sections = {}
    authorities = {language: Authority.objects.get(code=code, locale=locales[language]) for language in LANGUAGES}
    for language in LANGUAGES:
        sections[language] = ServiceIndexPage.objects.filter(authority=authorities[language]).first()
    key = next((page.translation_key for page in sections.values() if page), uuid.uuid4())
    for language in LANGUAGES:
        section = sections[language]
        if section is None:
            section = ServiceIndexPage(
                title=authorities[language].name,
                slug=code.lower(),
                authority=authorities[language],
                locale=locales[language],
                translation_key=key,
            )
            catalogues[language].add_child(instance=section)
            _publish(section)
            sections[language] = section
        elif section.title != authorities[language].name and not keep_existing:
            section.title = authorities[language].name
            _publish(section)
    editors = _staff_group(editors_group_name(code))
    _page_permissions(editors, sections.values(), EDITOR_PAGE_PERMISSIONS)
    return sections


# --- Import ---------------------------------------------------------------------------------------------


def known_identifiers():
    return {
        "authorities": set(Authority.objects.values_list("code", flat=True)),
        "life_events": set(LifeEvent.objects.values_list("slug", flat=True)),
        "services": set(ServicePage.objects.values_list("service_id", flat=True)),
    }


def _by_language(queryset):
    return {item.locale.language_code: item for item in queryset.select_related("locale")}


def _upsert_translatable(model, lookup, record, neutral, texts_of):
    """Create or update the Arabic and English objects of one snippet record; returns whether it wrote."""
    existing = _by_language(model.objects.filter(**lookup))
    locales = ensure_locales()
    key = next((item.translation_key for item in existing.values()), uuid.uuid4())
    wrote = False
    for language in LANGUAGES:
        item = existing.get(language) or model(locale=locales[language], translation_key=key, **lookup)
        values = {**neutral(language), **texts_of(record[language])}
        if item.pk and all(getattr(item, name) == value for name, value in values.items()):
            continue
        for name, value in values.items():
            setattr(item, name, value)
        item.full_clean()
        item.save()
        wrote = True
    return wrote


@transaction.atomic
def upsert_authority(record):
    """Returns "created", "updated" or "unchanged"."""
    existing = _by_language(Authority.objects.filter(code=record["code"]).select_related("parent"))
    if len(existing) == len(LANGUAGES) and fmt.authority_record(existing) == record:
        return "unchanged"
    locales = ensure_locales()

    def neutral(language):
        parent = Authority.objects.get(code=record["parent"], locale=locales[language]) if record["parent"] else None
        return {
            "kind": record["kind"],
            "parent": parent,
            "email": record["email"],
            "phone": record["phone"],
            "website": record["website"],
        }

    _upsert_translatable(Authority, {"code": record["code"]}, record, neutral, lambda texts: texts)
    return "updated" if existing else "created"


@transaction.atomic
def upsert_life_event(record):
    existing = _by_language(LifeEvent.objects.filter(slug=record["slug"]))
    if len(existing) == len(LANGUAGES) and fmt.life_event_record(existing) == record:
        return "unchanged"
    _upsert_translatable(
        LifeEvent, {"slug": record["slug"]}, record, lambda language: {"order": record["order"]}, lambda texts: texts
    )
    return "updated" if existing else "created"


def _service_pages(service_id):
    return _by_language(
        ServicePage.objects.filter(service_id=service_id)
        .select_related("authority")
        .prefetch_related("life_events", "related_links__service")
    )


@transaction.atomic
def upsert_service(record, catalogues=None):
    """Create or update both language pages of one service (without its related services, which
    `set_related_services` sets once every service of a file exists). Publishes only what changed."""
    existing = _service_pages(record["id"])
    comparable = {name: value for name, value in record.items() if name != "related"}
    current = (
        {name: value for name, value in fmt.service_record(existing).items() if name != "related"} if existing else None
    )
    if len(existing) == len(LANGUAGES) and current == comparable:
        return "unchanged"

    sections = ensure_authority_section(record["authority"], catalogues)
    locales = ensure_locales()
    key = next((page.translation_key for page in existing.values()), uuid.uuid4())
    wanted_neutral = {name: value for name, value in record.items() if name not in (*LANGUAGES, "related")}
    for language in LANGUAGES:
        page = existing.get(language)
        if page is not None:
            page_neutral = {name: value for name, value in fmt.service_neutral(page).items() if name != "related"}
            if page_neutral == wanted_neutral and fmt.service_texts(page) == record[language]:
                continue
        texts = record[language]
        values = {
            "service_id": record["id"],
            "slug": record["slug"],
            "audience": record["audience"],
            "fee_fils": record["fee_fils"],
            "processing_days": record["processing_days"],
            "minutes_to_complete": record["minutes_to_complete"],
            "start_url": record["start_url"] or "",
            "min_assurance": record["min_assurance"],
            "status": record["status"],
            "authority": sections[language].authority,
            **{field.name: field.to_page(texts[field.name]) for field in fmt.SERVICE_TEXTS},
        }
        life_events = list(LifeEvent.objects.filter(slug__in=record["life_events"], locale=locales[language]))
        section = sections[language]
        if page is None:
            page = ServicePage(locale=locales[language], translation_key=key, **values)
            page.life_events = life_events
            # Link the related services that exist already, so that most pages are published once only.
            page.related_links = _related_links(record["related"], locales[language])
            section.add_child(instance=page)
        else:
            for name, value in values.items():
                setattr(page, name, value)
            page.life_events = life_events
            if page.get_parent().pk != section.pk:
                page.move(section, pos="last-child")
                page.refresh_from_db(fields=["path", "depth", "url_path"])
        _publish(page)  # validates the page (Page.save runs full_clean) before anything is written
    return "updated" if existing else "created"


def _related_links(service_ids, locale):
    targets = {page.service_id: page for page in ServicePage.objects.filter(service_id__in=service_ids, locale=locale)}
    # An explicit sort_order: without it the database may return the links in any order.
    present = [service_id for service_id in service_ids if service_id in targets]
    return [ServiceRelation(service=targets[service_id], sort_order=order) for order, service_id in enumerate(present)]


@transaction.atomic
def set_related_services(record):
    """Returns whether anything changed."""
    pages = _service_pages(record["id"])
    changed = False
    for page in pages.values():
        if [link.service.service_id for link in page.related_links.all()] == record["related"]:
            continue
        page.related_links = _related_links(record["related"], page.locale)
        _publish(page)
        changed = True
    return changed


@dataclass
class ImportReport:
    counts: dict = field(default_factory=lambda: {"created": 0, "updated": 0, "unchanged": 0})
    errors: list = field(default_factory=list)

    def count(self, outcome):
        self.counts[outcome] += 1


def import_catalogue(data, *, progress=None, keep_existing=False):
    """Import one parsed file (docs/import-format.md). Every record is validated first; each valid record is
    written in its own transaction, so a record that fails writes nothing and the others still import.
    `progress`, if given, is called once per record processed. Raises FormatError for an unreadable file.

    With `keep_existing` (the demo: `load_demo`), a record whose authority, life event or service exists already
    in either language is left exactly as it is — whatever editors changed or published since stays — and only
    what is missing is created."""
    known = known_identifiers()
    checked = fmt.check_file(data, known=known)
    report = ImportReport(errors=list(checked.errors))
    records = checked.records
    catalogues = ensure_portal_site(keep_existing=keep_existing) if records["services"] else None
    outcomes = {}

    def attempt(kind, position, key, write):
        if keep_existing and key in known[kind]:
            outcomes[(kind, key)] = "unchanged"
            if progress:
                progress()
            return
        try:
            outcomes[(kind, key)] = write()
        except ValidationError as error:
            messages = error.message_dict if hasattr(error, "error_dict") else {"(record)": error.messages}
            for field_name, field_messages in messages.items():
                report.errors.append(fmt.RecordError(kind, position, key, field_name, " ".join(field_messages)))
        except (ObjectDoesNotExist, IntegrityError) as error:
            report.errors.append(fmt.RecordError(kind, position, key, "(record)", str(error)))
        if progress:
            progress()

    for position, record in _parents_first(records["authorities"]):
        attempt("authorities", position, record["code"], lambda record=record: upsert_authority(record))
    for position, record in records["life_events"]:
        attempt("life_events", position, record["slug"], lambda record=record: upsert_life_event(record))
    for position, record in records["services"]:
        attempt("services", position, record["id"], lambda record=record: upsert_service(record, catalogues))
    for _position, record in records["services"]:
        key = ("services", record["id"])
        if keep_existing and record["id"] in known["services"]:
            continue
        if key in outcomes and set_related_services(record) and outcomes[key] == "unchanged":
            outcomes[key] = "updated"
    for outcome in outcomes.values():
        report.count(outcome)
    return report


def _parents_first(authorities):
    """(position, record) pairs, each authority after the one it is part of."""
    by_code = {record["code"]: (position, record) for position, record in authorities}
    ordered, placed = [], set()

    def place(item, trail=()):
        _position, record = item
        if record["code"] in placed or record["code"] in trail:
            return
        parent = by_code.get(record["parent"])
        if parent:
            place(parent, (*trail, record["code"]))
        placed.add(record["code"])
        ordered.append(item)

    for item in authorities:
        place(item)
    return ordered


def count_records(data):
    """How many records a parsed file holds, for a progress bar; a section that is not a list (which the import
    refuses with its FormatError) holds none."""
    if not isinstance(data, dict):
        return 0
    return sum(len(records) for kind in fmt.KINDS if isinstance(records := data.get(kind), list))
