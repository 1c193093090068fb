"""What the apps above brands do when a brand's policy changes, registered in their
AppConfig.ready() (a light module: registering imports neither the loader nor the schema)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from guichet.brands.models import Brand
    from guichet.policies.schema import Policy


class PublishHook(Protocol):
    def __call__(self, *, brand: Brand, policy: Policy) -> object: ...


# By app, run inside the publishing transaction (`brands.services.policy_publish`): the
# tickets' rank in the queue follows the categories the new policy serves first.
publish_hooks: dict[str, PublishHook] = {}


def on_publish(app: str, hook: PublishHook) -> None:
    publish_hooks[app] = hook
