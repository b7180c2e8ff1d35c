from django.utils.translation import gettext_lazy as _
from wagtail import blocks

RICH_TEXT_FEATURES = ["bold", "italic", "ol", "ul", "link"]


class StepBlock(blocks.StructBlock):
    title = blocks.CharBlock(max_length=200, label=_("Title"))
    body = blocks.RichTextBlock(features=RICH_TEXT_FEATURES, required=False, label=_("Details"))

    class Meta:
        icon = "list-ol"
        label = _("Step")
        template = "cms/blocks/step.html"


class RequiredDocumentBlock(blocks.StructBlock):
    name = blocks.CharBlock(max_length=200, label=_("Document"))
    note = blocks.CharBlock(max_length=400, required=False, label=_("Note"))
    optional = blocks.BooleanBlock(required=False, default=False, label=_("Optional"))

    class Meta:
        icon = "doc-full"
        label = _("Required document")


class ChannelKind(blocks.ChoiceBlock):
    choices = [
        ("online", _("Online")),
        ("service_centre", _("Service centre")),
        ("phone", _("Phone")),
        ("email", _("E-mail")),
        ("mobile_app", _("Mobile app")),
    ]


CHANNEL_KINDS = [value for value, _label in ChannelKind.choices]


class ChannelBlock(blocks.StructBlock):
    kind = ChannelKind(label=_("Kind"))
    label = blocks.CharBlock(max_length=200, label=_("Name"))
    detail = blocks.CharBlock(
        max_length=400, required=False, label=_("Detail"), help_text=_("URL, telephone number, address or e-mail")
    )
    hours = blocks.CharBlock(max_length=200, required=False, label=_("Opening hours"))

    class Meta:
        icon = "site"
        label = _("Service channel")
