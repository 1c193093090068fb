"""The providers' webhooks: `/channels/<provider>/<token>/`, one URL per channel account
(its token is the last part). GET answers a subscription's challenge (Meta); POST is
stored, verified and processed (inbound.receive). Not behind the session or CSRF: the
provider's signature is what authenticates it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from guichet.channels.inbound import MAX_BODY, Webhook, adapter_for, receive
from guichet.channels.models import ChannelAccount, InboundState
from guichet.lib.scoping import all_brands


def _error(status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse({"error": code, "detail": detail}, status=status)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def webhook(request: HttpRequest, provider: str, token: str) -> HttpResponse:
    with all_brands():
        account = (
            ChannelAccount.objects.select_related("brand")
            .filter(provider=provider, token=token)
            .first()
        )
    if account is None:
        return _error(404, "unknown_account", "No channel account has this address.")
    adapter = adapter_for(account)
    if request.method == "GET":
        challenge = getattr(adapter, "challenge", None)
        answer = challenge(account, request.GET) if challenge else None
        if answer is None:
            return _error(403, "bad_challenge", "The verify token does not match.")
        return HttpResponse(answer, content_type="text/plain")
    length = int(request.headers.get("Content-Length") or 0)
    if length > MAX_BODY:
        return _error(413, "too_large", f"A webhook of at most {MAX_BODY} bytes.")
    body = request.body
    event = receive(
        account,
        Webhook(
            method=request.method or "POST",
            url=request.build_absolute_uri(),
            headers={name.lower(): value for name, value in request.headers.items()},
            body=body,
            content_type=request.content_type or "",
            query=request.GET.dict(),
        ),
    )
    if event.state == InboundState.REFUSED:
        return _error(403, event.reason, event.reason_label)
    answer = getattr(adapter, "answer", None)
    if answer is not None:
        return answer(event)
    return JsonResponse({"event": event.pk, "state": event.state})
