from django.tasks import task

from guichet.notify.delivery import deliver_due


@task
def deliver_outbox() -> dict[str, int]:
    return dict(deliver_due())
