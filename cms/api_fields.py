"""How catalogue fields appear in the content API (`/api/v2/`)."""

from rest_framework import serializers
from wagtail.rich_text import expand_db_html

from core.money import format_fils


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


class RelatedServiceSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="service.pk")
    service_id = serializers.CharField(source="service.service_id")
    title = serializers.CharField(source="service.title")
