"""The help centre's jobs (registered in KnowledgeConfig.ready())."""

from __future__ import annotations

from django.tasks import task

from guichet.knowledge.suggestions import deflections_count


@task
def count_deflections() -> int:
    """Count the suggestions that helped and were followed by no request (every few
    minutes: a suggestion is counted once its grace period is over)."""
    return deflections_count()
