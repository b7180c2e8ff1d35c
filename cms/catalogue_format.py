"""The catalogue's exchange format (docs/import-format.md): validation of incoming records into their
canonical form, and the same canonical form read back from the database for export. Import compares the
two, so a record that matches the database writes nothing."""

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.assurance import AssuranceLevel
from core.sanitize import sanitize_html

from .blocks import CHANNEL_KINDS
from .models import Authority, ServicePage

FORMAT_NAME = "portal-services"
FORMAT_VERSION = 1
LANGUAGES = ("ar", "en")
KINDS = ("authorities", "life_events", "services")

CODE_RE = re.compile(r"^[A-Z0-9-]+$")
SLUG_RE = re.compile(r"^[a-z0-9-]+$")
HTTPS_URL = URLValidator(schemes=["https"])
EMAIL = EmailValidator()
AUDIENCES = [value for value, _label in ServicePage.Audience.choices]
STATUSES = [value for value, _label in ServicePage.Status.choices]
AUTHORITY_KINDS = [value for value, _label in Authority.Kind.choices]
ASSURANCE_LEVELS = [value for value, _label in AssuranceLevel.choices]


class FormatError(Exception):
    """The file as a whole cannot be read (not JSON, wrong format name or version)."""


@dataclass
class RecordError:
    kind: str
    position: int
    key: str | None
    field: str
    message: str

    def __str__(self):
        name = f" ({self.key})" if self.key else ""
        return f"{self.kind}[{self.position}]{name}: {self.field}: {self.message}"


@dataclass
class Checked:
    """Valid records in canonical form, as (position in the file, record) by kind, and the errors of the
    invalid ones."""

    records: dict = field(default_factory=lambda: {kind: [] for kind in KINDS})
    errors: list = field(default_factory=list)


class _Record:
    """Collects the canonical values of one record and the errors found on the way."""

    def __init__(self, raw):
        self.raw = raw if isinstance(raw, dict) else {}
        self.errors = [] if isinstance(raw, dict) else [("(record)", _("must be a JSON object"))]

    def _value(self, path):
        value = self.raw
        for part in path.split("."):
            if not isinstance(value, dict):
                return None
            value = value.get(part)
        return value

    def fail(self, path, message):
        self.errors.append((path, message))

    def text(self, path, *, required=False, max_length=None, pattern=None, html=False):
        value = self._value(path)
        if value is None or value == "":
            if required:
                self.fail(path, _("This field is required."))
            return ""
        if not isinstance(value, str):
            self.fail(path, _("must be a string"))
            return ""
        value = sanitize_html(value, link_rel="nofollow") if html else value.strip()
        if required and not value:
            self.fail(path, _("This field is required."))
        if max_length and len(value) > max_length:
            self.fail(
                path,
                _("must be at most %(limit)s characters (it has %(length)s)")
                % {"limit": max_length, "length": len(value)},
            )
        if pattern and value and not pattern.match(value):
            self.fail(
                path, _("%(value)r is not allowed here: use %(pattern)s") % {"value": value, "pattern": pattern.pattern}
            )
        return value

    def choice(self, path, choices, *, required=True, default=None):
        value = self._value(path)
        if value is None:
            if required and default is None:
                self.fail(path, _("This field is required."))
            return default
        if value not in choices:
            self.fail(path, _("%(value)r is not one of %(choices)s") % {"value": value, "choices": ", ".join(choices)})
        return value

    def integer(self, path, *, required=False, minimum=0, nullable=False, default=None):
        value = self._value(path)
        if value is None:
            if required:
                self.fail(path, _("This field is required."))
            return None if nullable else default
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(path, _("must be a whole number"))
            return None
        if value < minimum:
            self.fail(path, _("must be at least %(minimum)s") % {"minimum": minimum})
        if value > 2_000_000_000:
            self.fail(path, _("is too large"))
        return value

    def validated(self, path, validator, *, value=None):
        value = self.text(path) if value is None else value
        if value:
            try:
                validator(value)
            except ValidationError as error:
                self.fail(path, " ".join(str(message) for message in error.messages))
        return value

    def string_list(self, path, *, choices=None, pattern=None, required=False):
        value = self._value(path)
        if value is None:
            value = []
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.fail(path, _("must be a list of strings"))
            return []
        if required and not value:
            self.fail(path, _("must name at least one"))
        for item in value:
            if choices is not None and item not in choices:
                self.fail(
                    path, _("%(value)r is not one of %(choices)s") % {"value": item, "choices": ", ".join(choices)}
                )
            if pattern is not None and not pattern.match(item):
                self.fail(path, _("%(value)r is not a valid identifier") % {"value": item})
        if len(set(value)) != len(value):
            self.fail(path, _("lists an item twice"))
        return value

    def object_list(self, path, build):
        value = self._value(path)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            self.fail(path, _("must be a list of objects"))
            return []
        items = []
        for index, item in enumerate(value):
            sub = _Record(item)
            items.append(build(sub))
            self.errors.extend((f"{path}[{index}].{sub_path}", message) for sub_path, message in sub.errors)
        return items

    def languages(self, build):
        texts = {}
        for language in LANGUAGES:
            if not isinstance(self.raw.get(language), dict):
                self.fail(language, _("This field is required (an object with the texts in this language)."))
                texts[language] = {}
                continue
            sub = _Record(self.raw[language])
            texts[language] = build(sub)
            self.errors.extend((f"{language}.{sub_path}", message) for sub_path, message in sub.errors)
        return texts


def _authority(record):
    authority = {
        "code": record.text("code", required=True, max_length=20, pattern=CODE_RE),
        "kind": record.choice("kind", AUTHORITY_KINDS),
        "parent": record.text("parent", max_length=20, pattern=CODE_RE) or None,
        "email": record.validated("email", EMAIL),
        "phone": record.text("phone", max_length=32),
        "website": record.validated("website", HTTPS_URL),
        **record.languages(
            lambda texts: {
                "name": texts.text("name", required=True, max_length=200),
                "address": texts.text("address"),
            }
        ),
    }
    if authority["parent"] and authority["parent"] == authority["code"]:
        record.fail("parent", _("an authority cannot be part of itself"))
    return authority


def _life_event(record):
    return {
        "slug": record.text("slug", required=True, max_length=60, pattern=SLUG_RE),
        "order": record.integer("order", minimum=-1000, default=0),
        **record.languages(
            lambda texts: {
                "name": texts.text("name", required=True, max_length=120),
                "description": texts.text("description"),
            }
        ),
    }


def _step(item):
    return {"title": item.text("title", required=True, max_length=200), "body": item.text("body", html=True)}


def _document(item):
    optional = item._value("optional")
    if optional is not None and not isinstance(optional, bool):
        item.fail("optional", _("must be true or false"))
    return {
        "name": item.text("name", required=True, max_length=200),
        "note": item.text("note", max_length=400),
        "optional": bool(optional),
    }


def _channel(item):
    return {
        "kind": item.choice("kind", CHANNEL_KINDS),
        "label": item.text("label", required=True, max_length=200),
        "detail": item.text("detail", max_length=400),
        "hours": item.text("hours", max_length=200),
    }


@dataclass(frozen=True)
class ServiceText:
    """A field of `ServicePage` written once per language, declared once: its name is the model field's and the
    format's key; the model says its maximum length, a stream field's block type and item keys. Reading a record
    (`read`), exporting a page (`of`), importing (`to_page`) and searching (`cms/search.py`) all follow this list,
    so adding a translated field to a service is the model field, its panel, and one line in `SERVICE_TEXTS`."""

    name: str
    required: bool = False
    html: bool = False
    item: object = None  # a stream field: builds one item of the format from a record's item
    searched: bool = True  # search reads it besides the title and the summary

    @property
    def field(self):
        return ServicePage._meta.get_field(self.name)

    @property
    def block(self):
        """A stream field's one block type (`step`, `document`, `channel`) and the keys of its items."""
        name, block = next(iter(self.field.stream_block.child_blocks.items()))
        return name, tuple(block.child_blocks)

    def read(self, texts):
        if self.item is not None:
            return texts.object_list(self.name, self.item)
        return texts.text(self.name, required=self.required, max_length=self.field.max_length, html=self.html)

    def of(self, page):
        value = getattr(page, self.name)
        return _stream(value, self.block[1]) if self.item is not None else value

    def to_page(self, value):
        return [{"type": self.block[0], "value": item} for item in value] if self.item is not None else value


SERVICE_TEXTS = (
    ServiceText("title", required=True, searched=False),
    ServiceText("summary", required=True, searched=False),
    ServiceText("eligibility", html=True),
    ServiceText("steps", item=_step),
    ServiceText("documents", item=_document),
    ServiceText("fee_note"),
    ServiceText("channels", item=_channel),
    ServiceText("start_button_text", searched=False),
    ServiceText("other_ways_to_apply", html=True),
    ServiceText("legal_basis", html=True),
    ServiceText("output"),
    ServiceText("downtime_message"),
)


def _service_texts(texts):
    return {field.name: field.read(texts) for field in SERVICE_TEXTS}


def _service(record):
    service = {
        "id": record.text("id", required=True, max_length=40, pattern=CODE_RE),
        "slug": record.text("slug", required=True, max_length=80, pattern=SLUG_RE),
        "authority": record.text("authority", required=True, max_length=20, pattern=CODE_RE),
        "life_events": sorted(record.string_list("life_events", pattern=SLUG_RE)),
        "audience": record.string_list("audience", choices=AUDIENCES, required=True),
        "fee_fils": record.integer("fee_fils", required=True),
        "processing_days": record.integer("processing_days", nullable=True),
        "minutes_to_complete": record.integer("minutes_to_complete", minimum=1, nullable=True),
        "min_assurance": record.choice("min_assurance", ASSURANCE_LEVELS),
        "status": record.choice("status", STATUSES, default="available"),
        "start_url": record.validated("start_url", HTTPS_URL) or None,
        "related": record.string_list("related", pattern=CODE_RE),
        **record.languages(_service_texts),
    }
    if service["status"] == "suspended":
        for language in LANGUAGES:
            if not service[language].get("downtime_message"):
                record.fail(f"{language}.downtime_message", _("is required while the service is suspended"))
    if service["id"] and service["id"] in service["related"]:
        record.fail("related", _("a service cannot be related to itself"))
    return service


BUILDERS = {"authorities": (_authority, "code"), "life_events": (_life_event, "slug"), "services": (_service, "id")}


def check_file(data, *, known):
    """Validate every record of a parsed file. `known` maps each kind to the identifiers already in the
    database, so that references to them resolve. References to records of this file resolve only if those
    records are valid themselves: a record that points at a rejected one is rejected too."""
    if not isinstance(data, dict):
        raise FormatError(_("the file must hold one JSON object"))
    if data.get("format") != FORMAT_NAME or data.get("version") != FORMAT_VERSION:
        raise FormatError(
            _('the file must say "format": "%(format)s", "version": %(version)s')
            % {"format": FORMAT_NAME, "version": FORMAT_VERSION}
        )
    unknown = sorted(set(data) - {"format", "version", *KINDS})
    if unknown:
        raise FormatError(_("unknown section(s): %(sections)s") % {"sections": ", ".join(unknown)})

    checked = Checked()
    candidates = {}
    for kind in KINDS:
        raw_records = data.get(kind, [])
        if not isinstance(raw_records, list):
            raise FormatError(f"{kind} must be a list")
        build, key_name = BUILDERS[kind]
        seen = {}
        candidates[kind] = []
        for position, raw in enumerate(raw_records):
            record = _Record(raw)
            clean = build(record) if isinstance(raw, dict) else {}
            key = clean.get(key_name) or None
            if key and key in seen:
                record.fail(key_name, _("also used by %(record)s") % {"record": f"{kind}[{seen[key]}]"})
            elif key:
                seen[key] = position
            candidates[kind].append((position, key, clean, record.errors))

    _resolve_references(candidates, known)

    for kind in KINDS:
        for position, key, clean, errors in candidates[kind]:
            if errors:
                checked.errors.extend(RecordError(kind, position, key, path, message) for path, message in errors)
            else:
                checked.records[kind].append((position, clean))
    return checked


def _resolve_references(candidates, known):
    """Mark records whose references do not resolve, repeating until no more records fall."""
    references = {
        "authorities": [("parent", "authorities", gettext_lazy("unknown authority code"))],
        "services": [
            ("authority", "authorities", gettext_lazy("unknown authority code")),
            ("life_events", "life_events", gettext_lazy("unknown life event")),
            ("related", "services", gettext_lazy("unknown service id")),
        ],
    }
    changed = True
    while changed:
        changed = False
        valid = {
            kind: set(known.get(kind, ())) | {key for _p, key, _c, errors in candidates[kind] if not errors and key}
            for kind in KINDS
        }
        for kind, rules in references.items():
            for _position, _key, clean, errors in candidates[kind]:
                if errors:
                    continue
                for field_name, target_kind, message in rules:
                    value = clean.get(field_name)
                    targets = value if isinstance(value, list) else [value] if value else []
                    missing = [target for target in targets if target not in valid[target_kind]]
                    if missing:
                        errors.append((field_name, f"{message} {', '.join(repr(m) for m in missing)}"))
                        changed = True


# --- Reading the canonical form back from the database (export, and the comparison on import) ---------


def authority_record(by_language):
    """`by_language` maps "ar"/"en" to the Authority in that locale (or None)."""
    base = by_language.get("ar") or by_language.get("en")
    return {
        "code": base.code,
        "kind": base.kind,
        "parent": base.parent.code if base.parent_id else None,
        "email": base.email,
        "phone": base.phone,
        "website": base.website,
        **{
            language: ({"name": item.name, "address": item.address} if item else None)
            for language, item in ((language, by_language.get(language)) for language in LANGUAGES)
        },
    }


def life_event_record(by_language):
    base = by_language.get("ar") or by_language.get("en")
    return {
        "slug": base.slug,
        "order": base.order,
        **{
            language: ({"name": item.name, "description": item.description} if item else None)
            for language, item in ((language, by_language.get(language)) for language in LANGUAGES)
        },
    }


def _stream(stream_value, keys):
    return [
        {key: block["value"].get(key, "" if key != "optional" else False) for key in keys}
        for block in stream_value.raw_data
    ]


def service_texts(page):
    return {field.name: field.of(page) for field in SERVICE_TEXTS}


def service_neutral(page):
    """The language-neutral fields of a service, read from one of its pages."""
    return {
        "id": page.service_id,
        "slug": page.slug,
        "authority": page.authority.code,
        "life_events": sorted(event.slug for event in page.life_events.all()),
        "audience": list(page.audience),
        "fee_fils": page.fee_fils,
        "processing_days": page.processing_days,
        "minutes_to_complete": page.minutes_to_complete,
        "min_assurance": page.min_assurance,
        "status": page.status,
        "start_url": page.start_url or None,
        "related": [link.service.service_id for link in page.related_links.all()],
    }


def service_record(by_language):
    base = by_language.get("ar") or by_language.get("en")
    return {
        **service_neutral(base),
        **{
            language: (service_texts(page) if page else None)
            for language, page in ((lang, by_language.get(lang)) for lang in LANGUAGES)
        },
    }
