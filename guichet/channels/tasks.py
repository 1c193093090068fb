from django.tasks import task

from guichet.channels import inbound, outbound


@task
def send_outbox() -> dict[str, int]:
    """The SMS and social messages whose time has come, one try each."""
    return dict(outbound.send_due())


@task
def process_pending() -> int:
    """Webhooks stored but never processed (the process stopped in between)."""
    return inbound.process_pending()
