"""The public participation pages: one module per resource. Writes go through services, as in the API.
Imported when the app is ready: the page models' views register themselves (models.register_page_view)."""

from . import comments, consultations, petitions, polls  # noqa: F401
