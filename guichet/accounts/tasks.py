"""The accounts' periodic work."""

from __future__ import annotations

from django.tasks import task

from guichet.accounts.retention import signin_records_purge


@task
def purge_signin_records() -> dict[str, int]:
    """Sign-in records past GUICHET_SIGNIN_LOG_DAYS."""
    return signin_records_purge()
