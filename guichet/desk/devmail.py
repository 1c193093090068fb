"""The development mail viewer (/desk/dev/mail/): the emails Guichet wrote to var/outbox/
as .eml files (no EMAIL_HOST), newest first, and each one rendered — headers, the text,
the HTML sanitised, the attachments as downloads.

For administrators only, and only where it makes sense: when the .eml backend is the
default mailer and GUICHET_DEV_MAIL_VIEWER is on (DEBUG, or `guichet up`); it is never on
with EMAIL_HOST or GUICHET_PRODUCTION (settings.py). Otherwise every address here is a
404, before the sign-in page, like any address that does not exist. A brand's
administrator sees the emails of their brands; a superuser sees them all."""

from __future__ import annotations

from collections.abc import Callable
from email.message import EmailMessage
from functools import wraps
from pathlib import Path
from typing import Any

from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.http import content_disposition_header

from guichet.accounts.access import signed_in, staff_required
from guichet.accounts.models import Role
from guichet.accounts.permissions import StaffAccess, is_unrestricted, staff_access
from guichet.brands.models import Brand
from guichet.desk import queries
from guichet.desk.shell import shell_context, views_counted
from guichet.lib import mailfiles
from guichet.lib.html import sanitize_html


def _viewer(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Absent (404) unless enabled, then the staff's sign-in rule, then administrators
    only (404 for the others, as for an address that does not exist)."""

    @staff_required
    def for_administrators(
        request: HttpRequest, directory: Path, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        desk = staff_access(signed_in(request))
        if not desk.is_admin:
            raise Http404
        return view(request, _Viewer(desk, directory), *args, **kwargs)

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        directory = mailfiles.viewer_directory()
        if directory is None:
            raise Http404
        return for_administrators(request, directory, *args, **kwargs)

    return guarded


class _Viewer:
    """Who looks (an administrator) at which directory; which brand an email is from (its
    ticket's reference prefix, else its sender's name: sign-in links have no ticket), and
    whether this administrator may read it."""

    def __init__(self, desk: StaffAccess, directory: Path) -> None:
        self.desk = desk
        self.directory = directory
        self.all = is_unrestricted(desk.user)
        self.readable = {pk for pk, role in desk.roles.items() if role == Role.ADMIN}
        brands = list(Brand.objects.filter(is_active=True))
        self.by_prefix = {b.reference_prefix: b for b in brands}
        self.by_name = {b.name: b for b in brands}

    def brand_of(self, summary: mailfiles.Summary) -> Brand | None:
        if summary.reference:
            return self.by_prefix.get(summary.reference.rsplit("-", 2)[0])
        return self.by_name.get(mailfiles.sender_name(summary))

    def may_read(self, brand: Brand | None) -> bool:
        return self.all or (brand is not None and brand.pk in self.readable)


def _context(viewer: _Viewer, **extra: Any) -> dict[str, Any]:
    """What desk/desk.html and the views' menu need, as the desk's pages give them."""
    return shell_context(viewer.desk, **views_counted(viewer.desk), **extra)


def _rows(viewer: _Viewer, names: list[str]) -> list[dict[str, Any]]:
    """The list's rows (headers only are read) of the files this administrator may read."""
    rows = []
    for name in names:
        message = mailfiles.read(viewer.directory, name, headers_only=True)
        if message is None:
            continue
        summary = mailfiles.summarise(name, message)
        brand = viewer.brand_of(summary)
        if viewer.may_read(brand):
            rows.append({"mail": summary, "brand": brand})
    return rows


@_viewer
def mail_list(request: HttpRequest, viewer: _Viewer) -> HttpResponse:
    names = mailfiles.names(viewer.directory)
    number = request.GET.get("page")
    page: Page[Any]
    if viewer.all:  # a superuser: only the page's files are read
        page = Paginator(names, queries.PAGE_SIZE).get_page(number)
        rows = _rows(viewer, list(page.object_list))
    else:  # a brand's administrator: the files of their brands make the pages
        page = Paginator(_rows(viewer, names), queries.PAGE_SIZE).get_page(number)
        rows = list(page.object_list)
    return render(
        request,
        "desk/devmail.html",
        _context(viewer, page=page, rows=rows, directory=viewer.directory),
    )


def _message(viewer: _Viewer, name: str) -> tuple[EmailMessage, Brand | None]:
    """The message of file `name` if this administrator may read it, else 404."""
    message = mailfiles.read(viewer.directory, name)
    if message is None:
        raise Http404
    brand = viewer.brand_of(mailfiles.summarise(name, message))
    if not viewer.may_read(brand):
        raise Http404
    return message, brand


HEADERS = (
    "Date",
    "From",
    "To",
    "Cc",
    "Reply-To",
    "Subject",
    "Message-ID",
    "In-Reply-To",
    "References",
    "Auto-Submitted",
    "X-Guichet-Ticket",
)


@_viewer
def mail_message(request: HttpRequest, viewer: _Viewer, name: str) -> HttpResponse:
    message, brand = _message(viewer, name)
    parts = mailfiles.parts(message)
    return render(
        request,
        "desk/devmail_message.html",
        _context(
            viewer,
            name=name,
            mail=mailfiles.summarise(name, message),
            brand=brand,
            headers=[(header, str(message[header])) for header in HEADERS if message[header]],
            text=parts.text,
            # Sanitised (no script, no handler, no style, no remote image), and the desk's
            # content security policy runs no inline script: what an email holds stays inert.
            html=sanitize_html(parts.html),
            attachments=parts.attachments,
        ),
    )


def _download(filename: str, data: bytes) -> HttpResponse:
    """Always a download, never rendered (as the desk serves a ticket's files)."""
    response = HttpResponse(data, content_type="application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response


@_viewer
def mail_attachment(request: HttpRequest, viewer: _Viewer, name: str, index: int) -> HttpResponse:
    message, _brand = _message(viewer, name)
    found = mailfiles.attachment(message, index)
    if found is None:
        raise Http404
    return _download(*found)


@_viewer
def mail_raw(request: HttpRequest, viewer: _Viewer, name: str) -> HttpResponse:
    """The .eml file itself, to open in a mail reader."""
    _message(viewer, name)
    return _download(name, (viewer.directory / name).read_bytes())
