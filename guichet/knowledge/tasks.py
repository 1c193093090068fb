"""The help centre's background work, run by the worker."""

from __future__ import annotations

from django.tasks import task


@task
def find_candidates() -> dict[str, int]:
    """Each night: the FAQ candidates of every brand and language (knowledge.candidates)."""
    # Start-up time: the grouping loads scikit-learn, only in the worker that runs it.
    from guichet.knowledge.candidates import candidates_find_all

    return candidates_find_all()
