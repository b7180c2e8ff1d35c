"""The participation admin, one module per concern (Wagtail imports this package for its hooks)."""

from . import comments, consultations, petitions, polls  # noqa: F401
