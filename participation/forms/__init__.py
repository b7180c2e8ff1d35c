"""The forms of the public pages, one module per concern; `page_forms` holds the editors' page forms, which the
page models import (so that module imports no model)."""
