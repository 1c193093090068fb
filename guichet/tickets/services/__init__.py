"""Every change to a ticket. Nothing else writes tickets, messages, pauses or events.

Each service checks (who acts, the brand's policy, the ticket's state), then does, and
records events, all in one change (`change.py`): the ticket locked, saved with its revision
bumped, its deadlines brought in step, its events written and the reactions to them run
(letters, notifications), in one transaction. Arguments are keyword-only; `actor` says who
acts (`tickets.actors`: a staff member's User, the Customer, the System).

One module per concern; callers import this package: `from guichet.tickets import services`.
"""

from guichet.tickets.services.checks import UNSET
from guichet.tickets.services.decisions import (
    ticket_close,
    ticket_close_without_reply,
    ticket_reopen,
    ticket_set_outcome,
    ticket_thank_and_forward,
)
from guichet.tickets.services.fields import (
    ticket_abuse_decide,
    ticket_change,
    ticket_flag_abuse,
    ticket_set_status,
)
from guichet.tickets.services.levels import ticket_escalate, ticket_return_to_level
from guichet.tickets.services.merging import (
    ticket_link,
    ticket_merge,
    ticket_split,
    tickets_change_contact,
)
from guichet.tickets.services.messages import new_message_id
from guichet.tickets.services.money import (
    check_money,
    ticket_record_payment,
    ticket_record_return,
)
from guichet.tickets.services.opening import Opening, ticket_open, tickets_open
from guichet.tickets.services.people import (
    ticket_assign,
    ticket_request_another_person,
    ticket_set_concerned_agent,
)
from guichet.tickets.services.ranking import queue_rank, rank_update, tickets_rerank
from guichet.tickets.services.records import Record, ticket_record, tickets_record
from guichet.tickets.services.replies import (
    Receipt,
    ticket_note,
    ticket_receive,
    ticket_reply,
    tickets_receive,
)
from guichet.tickets.services.sellers import (
    contact_details,
    contact_release_decide,
    contact_release_request,
    on_seller_status_committed,
    release_allowed,
    seller_answer_share,
    seller_contact,
    seller_reachable,
    seller_receive,
    seller_set_status,
    seller_share,
    strike_record,
    strike_withdraw,
)
from guichet.tickets.services.validation import (
    ORDER_REFERENCE_MAX,
    OrderCheck,
    ticket_record_identity_check,
    ticket_validate_order,
)

__all__ = [
    "ORDER_REFERENCE_MAX",
    "UNSET",
    "Opening",
    "OrderCheck",
    "Receipt",
    "Record",
    "check_money",
    "contact_details",
    "contact_release_decide",
    "contact_release_request",
    "new_message_id",
    "on_seller_status_committed",
    "queue_rank",
    "rank_update",
    "release_allowed",
    "seller_answer_share",
    "seller_contact",
    "seller_reachable",
    "seller_receive",
    "seller_set_status",
    "seller_share",
    "strike_record",
    "strike_withdraw",
    "ticket_abuse_decide",
    "ticket_assign",
    "ticket_change",
    "ticket_close",
    "ticket_close_without_reply",
    "ticket_escalate",
    "ticket_flag_abuse",
    "ticket_link",
    "ticket_merge",
    "ticket_note",
    "ticket_open",
    "ticket_receive",
    "ticket_record",
    "ticket_record_identity_check",
    "ticket_record_payment",
    "ticket_record_return",
    "ticket_reopen",
    "ticket_reply",
    "ticket_request_another_person",
    "ticket_return_to_level",
    "ticket_set_concerned_agent",
    "ticket_set_outcome",
    "ticket_set_status",
    "ticket_split",
    "ticket_thank_and_forward",
    "ticket_validate_order",
    "tickets_change_contact",
    "tickets_open",
    "tickets_receive",
    "tickets_record",
    "tickets_rerank",
]
