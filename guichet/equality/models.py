"""Equality monitoring (docs/requirements.md RP-3, docs/reports.md): what customers chose to
tell about themselves, kept apart from their requests.

Two tables, and neither names a ticket, a customer or a moment finer than a month:

- `EqualityCount` holds counts, not answers. An answer set adds one to the count of each
  (question, option) of its month, contact type and category, and is gone: there is no row
  per person, so the answers of one person cannot be put back together (age with
  disability with sex), matched to a ticket by their time, or lined up by insertion order.
  The desk only ever reads sums of these counts, with small groups hidden.
- `EqualityFormUse` says that one ticket's form was used, so it is answered once at most.
  See its docstring for why it is a table of its own and not a field of the ticket.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from guichet.lib.scoping import BrandScopedManager


class EqualityCount(models.Model):
    """How many answer sets of one month (the brand's calendar month in which they were
    given), contact type and category chose `option` for `question` (keys of the
    policy's `[[reports.equality_questions]]`; "prefer_not_to_say" for a declined one).
    Only ever incremented, by `services.equality_answer`."""

    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="+")
    # The first day of the month.
    month = models.DateField(_("month"))
    contact_type = models.CharField(_("contact type"), max_length=30)
    category = models.CharField(_("category"), max_length=60, blank=True)
    question = models.CharField(_("question"), max_length=40)
    option = models.CharField(_("answer"), max_length=40)
    count = models.PositiveIntegerField(_("count"), default=0)

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("equality count")
        verbose_name_plural = _("equality counts")
        constraints = [
            models.UniqueConstraint(
                fields=["brand", "month", "contact_type", "category", "question", "option"],
                name="equality_count_one_row_per_cell",
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.question}={self.option}: {self.count}"


class EqualityFormUse(models.Model):
    """A ticket's equality form was answered: the form of that ticket is not offered or
    taken again. Why this shape:

    - Not a field of the ticket (nor of the portal's sign-in link): whoever reads the
      tickets (the desk, an export, a report) would see which customers answered, and a
      timestamp there could be matched with the month's counts. The tickets also sit in a
      lower layer, which must not know of this feature; and a sign-in link is not a ticket
      (the confirmation page offers the form with no link at all).
    - A digest, not the ticket's id: `form_use_digest` is an HMAC of the brand and the
      ticket under the server's secret key. The table alone (a backup, a database export)
      does not say which tickets answered; only the running Guichet, given a ticket, can
      ask "was its form used?" — never "what was answered", which is nowhere per ticket.
    - The digest is the primary key, and there is no date: no serial number or time to
      line the rows up with the counts of a month.

    Rotating SECRET_KEY without keeping the old one in SECRET_KEY_FALLBACKS would let the
    forms of older tickets be answered once more; the fallbacks are checked too."""

    digest = models.CharField(max_length=64, primary_key=True)
    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="+")

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("equality form used")
        verbose_name_plural = _("equality forms used")

    def __str__(self) -> str:
        return self.digest[:12]
