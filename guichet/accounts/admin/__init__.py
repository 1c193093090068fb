"""The admin pages of people and roles, and of what sits below them: brands, teams and the
versions of their policies (their pages need the permission resolver, which is people's).
`scoping` holds the base of every brand-owned model's admin, in every app."""

from guichet.accounts.admin import brands, people, policies

__all__ = ["brands", "people", "policies"]
