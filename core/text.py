"""Text people write, as the portal stores it: without control characters (Unicode category Cc, but tab and
newline) and without the bidirectional embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069),
which can reverse the text around a name or a title where it is shown. The marks Arabic text needs (RLM, LRM,
the Arabic letter mark, the zero-width joiners) stay.

One rule, applied in two places that cover every path: before any model row is saved (core.apps connects
`strip_controls_before_save` to `pre_save`, so names, titles and comments obey it whatever form, serializer,
service or admin screen they came through), and in the HTML sanitiser (core.sanitize), so that a comment made
only of such characters is refused as empty before it is stored."""

import re

from django.db import models

CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def strip_controls(text):
    """`text` without control and bidi-override characters (tab and newline are kept)."""
    return CONTROLS.sub("", text) if text else text


_text_attnames = {}


def _text_fields(model):
    names = _text_attnames.get(model)
    if names is None:
        names = _text_attnames[model] = tuple(
            field.attname
            for field in model._meta.concrete_fields
            if isinstance(field, models.CharField | models.TextField)
        )
    return names


def strip_controls_before_save(sender, instance, raw=False, **kwargs):
    """`pre_save` for every model: its text fields lose their control characters (fixtures load as they are)."""
    if raw:
        return
    for name in _text_fields(sender):
        value = getattr(instance, name, None)
        if isinstance(value, str) and CONTROLS.search(value):
            setattr(instance, name, CONTROLS.sub("", value))
