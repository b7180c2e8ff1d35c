"""Background work: inline on the embedded default (ImmediateBackend), on the database worker in production
(`manage.py db_worker`, docs/notifications.md). A task carries only plain values."""

from django_tasks import task

from . import emails, services


@task()
def deliver_event(name: str, payload: dict) -> int:
    """Automatic follows and the fan-out of one domain event; returns the number of rows written."""
    return services.deliver(name, payload)


@task()
def send_notification_emails(notification_ids: list[int]) -> int:
    """One e-mail per notification, for the people who asked for one each time."""
    return emails.send_each(notification_ids)
