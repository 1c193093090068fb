from django.tasks import task

from guichet.notify.delivery import deliver_due
from guichet.notify.staff_mail import send_due


@task
def deliver_outbox() -> dict[str, int]:
    return dict(deliver_due())


@task
def email_staff() -> dict[str, int]:
    """Staff notifications whose email is due (at once, or at a person's digest hour)."""
    return dict(send_due())
