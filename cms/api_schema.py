"""The OpenAPI description of the content API (`/api/v2/`, Wagtail's pages, images and documents), served at
`/api/v2/schema/`, so that a client generated from it can list and read services. Wagtail describes none of its
API; this one is written here, next to the fields it describes: each page type's `api_fields` must have an
entry in PAGE_FIELDS (tests/api/test_content_api_schema.py holds them together and checks real answers against
this document)."""

from django.http import JsonResponse

STRING = {"type": "string"}
HTML = {"type": "string", "description": "HTML."}
INTEGER = {"type": "integer"}
NULLABLE_INTEGER = {"type": "integer", "nullable": True}


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties, required=(), **extra):
    return {"type": "object", "properties": properties, "required": list(required), **extra}


def _stream(block, value):
    """A StreamField as the API writes it: a list of `{type, value, id}`."""
    return {
        "type": "array",
        "items": _object(
            {"type": {"type": "string", "enum": [block]}, "value": value, "id": STRING}, ["type", "value"]
        ),
    }


SERVICE_SUMMARY = _object({"id": INTEGER, "service_id": STRING, "title": STRING, "summary": STRING})

# Every field a page type publishes (its `api_fields`), by name, across the page types of the catalogue.
PAGE_FIELDS = {
    # cms.HomePage
    "intro": STRING,
    "popular_services": {"type": "array", "items": SERVICE_SUMMARY},
    # cms.ServicePage (docs/api.md, "Services"); cms.ServiceIndexPage has `intro` and `authority`
    "service_id": {"type": "string", "description": "Stable identifier, the same in both languages."},
    "summary": STRING,
    "audience": {
        "type": "array",
        "items": {"type": "string", "enum": ["citizens", "residents", "businesses", "visitors"]},
    },
    "eligibility": HTML,
    "steps": _stream("step", _object({"title": STRING, "body": HTML})),
    "documents": _stream("document", _object({"name": STRING, "note": STRING, "optional": {"type": "boolean"}})),
    "fee_fils": {"type": "integer", "description": "The fee in fils (1 KWD = 1,000 fils); 0 = free."},
    "fee": _object({"fils": INTEGER, "ar": STRING, "en": STRING}, ["fils", "ar", "en"]),
    "fee_note": STRING,
    "processing_days": {**NULLABLE_INTEGER, "description": "Working days; 0 = the same day; null = varies."},
    "minutes_to_complete": NULLABLE_INTEGER,
    "channels": _stream(
        "channel",
        _object(
            {
                "kind": {"type": "string", "enum": ["online", "service_centre", "phone", "email", "mobile_app"]},
                "label": STRING,
                "detail": STRING,
                "hours": STRING,
            }
        ),
    ),
    "start_url": STRING,
    "start_button_label": STRING,
    "other_ways_to_apply": HTML,
    "min_assurance": {"type": "string", "enum": ["L0", "L1", "L2", "L3"]},
    "legal_basis": HTML,
    "output": STRING,
    "status": {"type": "string", "enum": ["available", "suspended"]},
    "downtime_message": STRING,
    "authority": {
        **_object({"id": INTEGER, "code": STRING, "name": STRING, "kind": STRING}),
        "nullable": True,
        "description": "In the page's language.",
    },
    "life_events": {"type": "array", "items": _object({"id": INTEGER, "slug": STRING, "name": STRING})},
    "related_services": {
        "type": "array",
        "items": _object({"id": INTEGER, "service_id": STRING, "title": STRING}),
        "description": "Pages in the same language.",
    },
}

PAGE_META = _object(
    {
        "type": {"type": "string", "description": "e.g. cms.ServicePage"},
        "detail_url": STRING,
        "html_url": {"type": "string", "nullable": True},
        "slug": STRING,
        "show_in_menus": {"type": "boolean"},
        "seo_title": STRING,
        "search_description": STRING,
        "first_published_at": {"type": "string", "format": "date-time", "nullable": True},
        "alias_of": {"nullable": True},
        "parent": {"nullable": True, "description": "On a page's detail: its parent page, `{id, meta, title}`."},
        "locale": {"type": "string", "enum": ["ar", "en"]},
    },
    ["type", "detail_url"],
)
PAGE = _object(
    {"id": INTEGER, "meta": _ref("PageMeta"), "title": STRING, **PAGE_FIELDS},
    ["id", "meta", "title"],
    description="A page: `title` always, and the fields of its type that `fields` asks for (all of them on a "
    "page's detail). A service (`cms.ServicePage`) has the fields of docs/api.md.",
)
ITEM_META = _object({"type": STRING, "detail_url": STRING, "download_url": STRING, "tags": {"type": "array"}})
IMAGE = _object(
    {"id": INTEGER, "meta": ITEM_META, "title": STRING, "width": INTEGER, "height": INTEGER}, ["id", "meta", "title"]
)
DOCUMENT = _object({"id": INTEGER, "meta": ITEM_META, "title": STRING}, ["id", "meta", "title"])
ERROR = _object(
    {
        "message": {"type": "string", "description": "As Wagtail writes it."},
        "detail": STRING,
        "code": {"type": "string", "description": "e.g. `invalid`, `not_found`."},
    },
    ["detail", "code"],
)


def _listing(item):
    return _object(
        {"meta": _object({"total_count": INTEGER}, ["total_count"]), "items": {"type": "array", "items": item}},
        ["meta", "items"],
    )


def _parameter(name, description, schema=STRING):
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


LISTING_PARAMETERS = [
    _parameter("fields", "`*` for every field, or a comma-separated list; `-field` drops one."),
    _parameter("search", "Free text."),
    _parameter("order", "A field to order by (`-field` descending), or `random`."),
    _parameter("limit", "At most 100 (20 unless given).", {"type": "integer", "minimum": 1, "maximum": 100}),
    _parameter("offset", "Where the page of results starts.", {"type": "integer", "minimum": 0}),
]
PAGE_PARAMETERS = [
    _parameter("type", "A page type: `cms.ServicePage`, `cms.ServiceIndexPage`, `cms.HomePage`."),
    _parameter("locale", "`ar` or `en`.", {"type": "string", "enum": ["ar", "en"]}),
    _parameter("translation_of", "A page id: its translations (with `locale`).", INTEGER),
    _parameter("authority", "An authority's id (with a `type` that has one).", INTEGER),
    _parameter("authority_code", "An authority's code, e.g. `PAM` (with a `type` that has an authority)."),
    _parameter("life_event", "A life event's slug, e.g. `employment` (with `type=cms.ServicePage`)."),
    _parameter("service_id", "A service's identifier (with `type=cms.ServicePage`)."),
    _parameter("child_of", "A page id: its children.", INTEGER),
    _parameter("descendant_of", "A page id: everything below it.", INTEGER),
]
ID = {"name": "id", "in": "path", "required": True, "schema": INTEGER}


def _response(description, schema):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


REFUSALS = {
    "400": _response("A parameter that is unknown or not valid (`message` says which).", _ref("Error")),
    "404": _response("No such item.", _ref("Error")),
    "503": _response("The service is briefly unavailable; try again after `Retry-After` seconds.", _ref("Error")),
}


def _operations(name, item, summary, extra_parameters=()):
    listing = {
        "get": {
            "operationId": f"{name}_list",
            "summary": f"List {summary}",
            "tags": [name],
            "parameters": [*extra_parameters, *LISTING_PARAMETERS],
            "responses": {"200": _response(f"A page of {summary}.", _listing(item)), **REFUSALS},
        }
    }
    detail = {
        "get": {
            "operationId": f"{name}_retrieve",
            "summary": f"One of the {summary}",
            "tags": [name],
            "parameters": [ID, _parameter("fields", "As on the listing.")],
            "responses": {"200": _response("The item with all its fields.", item), **REFUSALS},
        }
    }
    return {f"/api/v2/{name}/": listing, f"/api/v2/{name}/{{id}}/": detail}


def schema_document():
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Portal content API",
            "version": "2",
            "description": "The service catalogue as Wagtail's API v2 publishes it: live, public pages only, "
            "read-only, no sign-in (docs/api.md). Services: `GET /api/v2/pages/?type=cms.ServicePage&fields=*`.",
        },
        "paths": {
            **_operations("pages", _ref("Page"), "pages", PAGE_PARAMETERS),
            **_operations("images", _ref("Image"), "images"),
            **_operations("documents", _ref("Document"), "documents"),
        },
        "components": {
            "schemas": {"Page": PAGE, "PageMeta": PAGE_META, "Image": IMAGE, "Document": DOCUMENT, "Error": ERROR}
        },
    }


def schema_view(request):
    return JsonResponse(schema_document(), json_dumps_params={"ensure_ascii": False})
