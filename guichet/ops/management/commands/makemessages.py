"""Django's makemessages, without fuzzy matching: a new string is never pre-filled with the
translation of a different one (which a check could not tell from a real translation)."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching"]
