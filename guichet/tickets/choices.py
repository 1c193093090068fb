"""Fixed vocabularies. Per-brand ones (categories, levels) come from the policy."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ContactType(models.TextChoices):
    QUESTION = "question", _("Question")
    COMMENT = "comment", _("Comment")
    COMPLIMENT = "compliment", _("Compliment")
    COMPLAINT = "complaint", _("Complaint")
    SERVICE_REQUEST = "service_request", _("Service request")
    RETURN_REFUND = "return_refund", _("Return or refund")
    DISPUTE = "dispute", _("Dispute")
    DATA_RIGHTS = "data_rights", _("Data-rights request")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Complexity(models.TextChoices):
    SIMPLE = "simple", _("Simple")
    COMPLEX = "complex", _("Complex")


class Status(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    WAITING_CUSTOMER = "waiting_customer", _("Waiting on the customer")
    WAITING_THIRD_PARTY = "waiting_third_party", _("Waiting on a third party")
    CLOSED = "closed", _("Closed")


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    WEB = "web", _("Web form")
    CHAT = "chat", _("Live chat")
    PHONE = "phone", _("Phone")
    SOCIAL = "social", _("Social network")
    SMS = "sms", _("SMS")
    LETTER = "letter", _("Postal letter")
    API = "api", _("API")


class Outcome(models.TextChoices):
    UPHELD = "upheld", _("Upheld")
    PARTLY_UPHELD = "partly_upheld", _("Partly upheld")
    NOT_UPHELD = "not_upheld", _("Not upheld")
    UNRESOLVED = "unresolved", _("Unresolved")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class OrderStatus(models.TextChoices):
    """What the check of an order reference found (docs/requirements.md IN-5)."""

    VALID = "valid", _("Valid")
    INVALID = "invalid", _("Not a valid reference")
    NOT_FOUND = "not_found", _("Unknown to the merchant")
    UNVERIFIED = "unverified", _("Could not be verified")


class Direction(models.TextChoices):
    INBOUND = "in", _("From the customer")
    OUTBOUND = "out", _("To the customer")


class EscalationTrigger(models.TextChoices):
    AGENT = "agent", _("By an agent")
    CUSTOMER = "customer", _("At the customer's request")
    TIME = "time", _("Automatically, by time")
    ROUTING = "routing", _("Routed by the policy")


class Verb(models.TextChoices):
    """What an Event records. The timeline, notifications, webhooks and reports read these."""

    OPENED = "opened", _("Ticket opened")
    MESSAGE_RECEIVED = "message_received", _("Message received")
    REPLIED = "replied", _("Reply sent")
    NOTE_ADDED = "note_added", _("Internal note")
    ASSIGNED = "assigned", _("Assigned")
    STATUS_CHANGED = "status_changed", _("Status changed")
    FIELD_CHANGED = "field_changed", _("Field changed")
    ESCALATED = "escalated", _("Escalated")
    LEVEL_RETURNED = "level_returned", _("Returned to a lower level")
    OUTCOME_SET = "outcome_set", _("Outcome recorded")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")
    DEADLINE_SET = "deadline_set", _("Deadline set")
    DEADLINE_MET = "deadline_met", _("Deadline met")
    DEADLINE_WARNED = "deadline_warned", _("Deadline approaching: staff warned")
    DEADLINE_BREACHED = "deadline_breached", _("Deadline missed")
    DEADLINE_CANCELLED = "deadline_cancelled", _("Deadline no longer applies")
    DELAY_LETTER_SENT = "delay_letter_sent", _("Delay letter sent")
    OMBUDSMAN_REFERRED = "ombudsman_referred", _("Referred to the ombudsman")
    LINKED = "linked", _("Linked to another ticket")
    EMAIL_SENT = "email_sent", _("Email sent")
    EMAIL_FAILED = "email_failed", _("Email could not be sent")
    EMAIL_BOUNCED = "email_bounced", _("Email bounced")
    MERGED = "merged", _("Another ticket merged into this one")
    MERGED_INTO = "merged_into", _("Merged into another ticket")
    SPLIT = "split", _("A message moved to a new ticket")
    SPLIT_FROM = "split_from", _("Opened from a message of another ticket")
    IDENTITY_CHECKED = "identity_checked", _("Identity checked")
    ORDER_CHECKED = "order_checked", _("Order reference checked")
    FORWARDED = "forwarded", _("Forwarded to the team concerned")
    ABUSE_FLAGGED = "abuse_flagged", _("Message flagged as abusive")
    ABUSE_UNFLAGGED = "abuse_unflagged", _("No longer flagged as abusive")
    # The conduct procedure (docs/conduct.md).
    ABUSE_CONFIRMED = "abuse_confirmed", _("Abusive message confirmed")
    ABUSE_DISMISSED = "abuse_dismissed", _("Abuse flag dismissed")
    CONDUCT_WARNED = "conduct_warned", _("Warning sent to the customer")
    CONTACT_BLOCKED = "contact_blocked", _("Customer blocked")
    CONTACT_UNBLOCKED = "contact_unblocked", _("Customer's block lifted")
    CONDUCT_REFERRED = "conduct_referred", _("Referred to an authority")
    AGENT_CONCERNED = "agent_concerned", _("Complaint about a team member")
    SURVEY_ANSWERED = "survey_answered", _("Satisfaction survey answered")
    CONTACT_MERGED = "contact_merged", _("Customer records merged")
    # The seller's side (docs/marketplace.md).
    SELLER_CONTACTED = "seller_contacted", _("Seller contacted")
    SELLER_ANSWERED = "seller_answered", _("Seller answered")
    SHARED_WITH_SELLER = "shared_with_seller", _("Customer's message shown to the seller")
    SELLER_ANSWER_SHARED = "seller_answer_shared", _("Seller's answer passed on to the customer")
    STRIKE_RECORDED = "strike_recorded", _("Strike against the seller")
    STRIKE_WITHDRAWN = "strike_withdrawn", _("Strike withdrawn")
    SELLER_STATUS_CHANGED = "seller_status_changed", _("Seller's status changed")
    CONTACT_DETAILS_REQUESTED = "contact_details_requested", _("Seller's contact details requested")
    CONTACT_DETAILS_RELEASED = "contact_details_released", _("Seller's contact details released")
    CONTACT_DETAILS_REFUSED = "contact_details_refused", _("Seller's contact details refused")
    # Returns and money paid back (CL-2).
    RETURN_RECORDED = "return_recorded", _("Return recorded")
    PAYMENT_RECORDED = "payment_recorded", _("Refund or credit recorded")
    # Calls and callbacks (docs/telephony.md): `data` carries the call's direction, outcome,
    # whether it was answered, the caller's wait and the call's length in seconds.
    CALL_LOGGED = "call_logged", _("Call")
    CALLBACK_PLANNED = "callback_planned", _("Callback planned")
    CALLBACK_DONE = "callback_done", _("Called back")
    # Live chat (docs/chat.md): `data` carries the level, the agent, the wait in seconds,
    # how a chat ended, its rating.
    CHAT_QUEUED = "chat_queued", _("Live chat: waiting for an agent")
    CHAT_ACCEPTED = "chat_accepted", _("Live chat taken by an agent")
    CHAT_TRANSFERRED = "chat_transferred", _("Live chat transferred")
    CHAT_ENDED = "chat_ended", _("Live chat ended")
    CHAT_RATED = "chat_rated", _("Live chat rated")
    CHAT_MESSAGE_LEFT = "chat_message_left", _("Message left through the chat")


OPEN_STATUSES = [Status.NEW, Status.OPEN, Status.WAITING_CUSTOMER, Status.WAITING_THIRD_PARTY]
