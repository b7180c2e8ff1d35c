"""Background work: inline on the embedded default (ImmediateBackend), on the database worker in production
(`manage.py db_worker`). A task carries only plain values."""

from django_tasks import task

from .services import staff, webhooks


@task()
def deliver_webhook(delivery_id: int) -> str | None:
    """One attempt at a webhook delivery that is due; its state afterwards (None: not due, or taken)."""
    return webhooks.attempt(delivery_id)


@task()
def import_settlement_upload(upload_id: int) -> str | None:
    """A settlement file uploaded in the admin, imported; the upload's state afterwards (None: already taken)."""
    return staff.run_settlement_upload(upload_id)
