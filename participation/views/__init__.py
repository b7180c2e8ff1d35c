"""The public participation pages: one module per resource. Writes go through services, as in the API."""
