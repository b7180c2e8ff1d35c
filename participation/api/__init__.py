"""`/api/v1/` for the participation sub-portal: one module per resource, thin views over selectors (reads)
and services (writes)."""
