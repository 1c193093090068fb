"""The help centre's background work, run by the worker (registered in
KnowledgeConfig.ready())."""

from __future__ import annotations

from django.tasks import task

from guichet.knowledge.suggestions import deflections_count


@task
def find_candidates() -> dict[str, int]:
    """Each night: the FAQ candidates of every brand and language (knowledge.candidates)."""
    # Start-up time: the grouping loads scikit-learn, only in the worker that runs it.
    from guichet.knowledge.candidates import candidates_find_all

    return candidates_find_all()


@task
def count_deflections() -> int:
    """Count the suggestions that helped and were followed by no request (every few
    minutes: a suggestion is counted once its grace period is over)."""
    return deflections_count()
