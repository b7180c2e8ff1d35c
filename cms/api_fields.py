"""How catalogue fields appear in the content API (`/api/v2/`)."""

from django.urls import NoReverseMatch
from rest_framework import serializers
from wagtail.blocks import StreamBlock, StructBlock
from wagtail.rich_text import expand_db_html

from core.money import format_fils


class PageHtmlUrlField(serializers.Field):
    """A page's `html_url` as Wagtail's field gives it (`page.full_url`), with the sites' root paths read once per
    request instead of once per page: `full_url` asks the cache for them every time (a round trip to Redis for
    each page of a listing). The DRF request only keeps them; it is not an HttpRequest, so it does not change
    which site's URL a page on several sites gets."""

    def get_attribute(self, instance):
        return instance

    def to_representation(self, page):
        try:
            return page.get_full_url(self.context.get("request"))
        except NoReverseMatch:
            return None


class RichTextSerializer(serializers.Field):
    def to_representation(self, value):
        return expand_db_html(value) if value else ""


class FeeSerializer(serializers.Field):
    def to_representation(self, fils):
        return {"fils": fils, "ar": format_fils(fils, "ar"), "en": format_fils(fils, "en")}


class AuthoritySerializer(serializers.Field):
    def to_representation(self, authority):
        if authority is None:
            return None
        return {"id": authority.pk, "code": authority.code, "name": authority.name, "kind": authority.kind}


class LifeEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()


class ServiceSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    service_id = serializers.CharField()
    title = serializers.CharField()
    summary = serializers.CharField()


# The related service's columns the content API reads with each relation, by the name of the annotation.
RELATED_SERVICE_COLUMNS = {"related_service_id": "service_id", "related_service_title": "title"}


class RelatedServiceSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="service.pk")
    service_id = serializers.CharField(source="service.service_id")
    title = serializers.CharField(source="service.title")

    def to_representation(self, link):
        if all(hasattr(link, name) for name in RELATED_SERVICE_COLUMNS):  # read with the relation (cms.api)
            return {"id": link.service_id, "service_id": link.related_service_id, "title": link.related_service_title}
        return super().to_representation(link)


class StreamSerializer(serializers.Field):
    """A StreamField as Wagtail's API writes it (`StreamBlock.get_api_representation`: a list of `{type, value,
    id}`), read straight from the JSON the page was loaded with. Wagtail first turns every block into its Python
    value — a StreamChild, a StructValue, a RichText — and then back into JSON, which cost a listing of 20
    services more than any other field. Here a struct block's value is its children's, each child's what its
    own block answers for the stored value (`get_api_representation(to_python(...))`), so every block type
    answers as it does in Wagtail; a stream already turned into Python values, or a struct block class that
    changes how it reads or writes its value, goes through Wagtail's own code."""

    def to_representation(self, value):
        raw = getattr(value, "_raw_data", None)
        bound = getattr(value, "_bound_blocks", None)
        plain = type(value.stream_block).get_api_representation is StreamBlock.get_api_representation
        untouched = raw is not None and bound is not None and all(child is None for child in bound)
        if not (plain and getattr(value, "is_lazy", False) and untouched):
            return value.stream_block.get_api_representation(value, self.context)
        child_blocks = value.stream_block.child_blocks
        return [
            {
                "type": item["type"],
                "value": block_representation(child_blocks[item["type"]], item["value"], self.context),
                "id": item.get("id"),
            }
            for item in raw
        ]


def block_representation(block, stored, context):
    """What `block.get_api_representation(block.to_python(stored))` answers, without building a StructValue."""
    if _plain_struct(type(block)) and isinstance(stored, dict):
        return {
            name: (
                block_representation(child, stored[name], context)
                if name in stored
                else child.get_api_representation(child.get_default(), context=context)
            )
            for name, child in block.child_blocks.items()
        }
    return block.get_api_representation(block.to_python(stored), context=context)


def _plain_struct(block_class):
    return issubclass(block_class, StructBlock) and all(
        getattr(block_class, name) is getattr(StructBlock, name) for name in ("to_python", "get_api_representation")
    )
