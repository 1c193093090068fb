from django.tasks import task

from guichet.reports.review_mail import send_due_reviews


@task
def send_reviews() -> dict[str, int]:
    """The periodic reviews whose period has ended, made and emailed (review_mail)."""
    return dict(send_due_reviews())
