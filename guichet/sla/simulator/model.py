"""What the policy simulator assumes of traffic and of the people who handle it (the
constants below hold the figures).

Traffic.
- Each day brings a Poisson number of tickets whose mean is `per_day` times a weekday
  factor (Monday busiest, Sunday quietest; the factors average 1 over a week) times 0.6 on
  the brand's public holidays and closures.
- The hour of arrival follows a day-time profile (quiet at night, peaks late morning and
  mid-afternoon), twice as likely in an hour when the brand is open.
- Contact types, channels and categories are drawn with fixed weights among those the
  policy has: complaints and questions are the most frequent; email and the web form
  bring most tickets, then phone and chat. Only channels that bring tickets count
  (email, web, chat, phone, social, sms, letter). Phone and chat calls, and postal letters
  (opened at the office), arrive only while the channel is open; a call drawn when it is
  closed goes to another channel. The priority is the category's.
- About 70 % of requests are simple (complaints and disputes are complex more often).

Handling. Staff work only during the brand's opening hours (`Engine.calendar`): their
delays are lognormal amounts of *open* time — open hours for the first response, open days
of the brand for the rest (a brand open 12 hours a day gets through a "day" of work in 12
open hours). There is no queue: staff are never short, so the figures show what the
policy's targets make of normal handling times, not of a backlog. Customers answer in
calendar time.
- The acknowledgement goes out at once on channels whose policy says `acknowledge`; on the
  others, the first reply acknowledges.
- Phone and chat are answered live: the first response is given within minutes, and most
  simple requests are solved during the call.
- Otherwise the first response takes a median of 3 open hours (less for high and urgent
  priorities and first-in-queue categories); it often answers a simple request in full,
  and always a compliment the policy thanks and forwards.
- Some tickets then wait on the customer (a pause, which stops the pausable clocks); the
  customer answers after a median of 20 calendar hours, or never (the agent closes the
  ticket 10 open days later).
- The full answer comes a median of 0.8 open day (simple) or 2.5 open days (complex) after
  the first response. It is the decision: the ticket closes with it; complaints and
  disputes get a written outcome (upheld, partly upheld, not upheld, unresolved).
- Some requests are escalated by an agent (complex complaints most often); the team of the
  new level decides after a median of 1.5 open days (2 at the final level). After a
  decision below the final level, some customers ask for the next level where the policy
  allows it (mostly after "not upheld"), after a median of two calendar days; the ticket
  reopens at that level.
- When the engine's escalation moment comes before the ticket is solved, it moves to that
  level (like the watcher) and the new level's team starts over. Comments that need no
  reply, and contact types whose policy says `reply = "none"`, are closed without one.
- Marketplace sellers (a policy with `[marketplace]`): most disputes ask a seller, when
  the first response is given; the seller is one of a small pool, each with its own share
  of requests it never answers (most answer nearly always, two often do not); the others
  answer after a median of 5 calendar hours. The seller's deadline is the engine's
  `seller_response`; the decision waits for the answer or for the deadline to pass. Each
  missed deadline is a strike; at `strikes_before_restriction` strikes (counted within
  `strikes_within`, if set) the seller is restricted. A restriction is counted, and changes
  nothing else here: the seller's older orders still bring disputes, and it is still asked.
- Returns (a policy with `[returns]`): most return requests send an item back. The
  customer received it a median of 3 days before writing; with the first response the
  agent records the delivery (the return window counts from it) and the ticket waits on
  the customer; the item comes back a median of 4 calendar days later, or never (the agent
  closes the request one open day after the window). Staff then pay the refund after a
  median of 1.5 open days, with the full answer, and close.
- Not simulated: "another person, please", returns to a lower level, customers writing
  again after a close, staff absences, a manager lifting a restriction.

Measured. Per deadline rule and level: deadlines set, met on time, share met (on time /
(on time + breached); deadlines cancelled or still running before their due moment are
not counted), breaches, warnings, cancelled and still-open ones, and the median and 90th
percentile of the time from the deadline's start to the moment it was met, in calendar
hours and on the deadline's own clock. Escalations per level by trigger, and the letters
sent. Per seller: disputes that asked it, answers on time and late, strikes, when it was
restricted. Returns: items sent back, refunds paid, items never sent back, and the
return-window and refund deadlines met and missed. Tickets received in the period are
followed to their end (up to a year after it).
"""

from __future__ import annotations

from datetime import timedelta

# --- traffic --------------------------------------------------------------------------------

# Monday … Sunday; normalised to average 1 over a week.
WEEKDAY_WEIGHTS = (1.2, 1.15, 1.1, 1.05, 1.0, 0.8, 0.7)
HOLIDAY_FACTOR = 0.6
# Local hours 0 … 23: when people write or call.
HOUR_WEIGHTS = (
    0.15, 0.1, 0.08, 0.08, 0.1, 0.2, 0.4, 0.8, 1.3, 1.8, 2.0, 2.0,
    1.6, 1.6, 1.9, 1.9, 1.7, 1.4, 1.1, 1.0, 0.9, 0.7, 0.45, 0.25,
)  # fmt: skip
OPEN_HOUR_FACTOR = 2.0
CONTACT_TYPE_WEIGHTS = {
    "complaint": 35.0,
    "question": 30.0,
    "service_request": 12.0,
    "return_refund": 8.0,
    "dispute": 6.0,
    "comment": 4.0,
    "compliment": 2.0,
    "data_rights": 1.0,
}
CHANNEL_WEIGHTS = {
    "email": 35.0,
    "web": 25.0,
    "phone": 18.0,
    "chat": 12.0,
    "social": 6.0,
    "sms": 3.0,
    "letter": 1.0,
}
OFFICE_ONLY = frozenset({"phone", "chat", "letter"})  # arrive only while the channel is open
LIVE = frozenset({"phone", "chat"})  # answered during the contact
# Share of complex requests by contact type (overall about 30 %).
COMPLEX_SHARE = {"complaint": 0.4, "dispute": 0.5, "question": 0.15}
COMPLEX_SHARE_OTHERS = 0.3
DECIDED_TYPES = frozenset({"complaint", "dispute"})  # closed with a written outcome

# --- handling (staff delays in open days of the brand, customers' in calendar hours) -------

FIRST_RESPONSE_HOURS, FIRST_RESPONSE_SIGMA = 3.0, 1.0  # open hours
ANSWER_DAYS = {"simple": 0.8, "complex": 2.5}
ANSWER_SIGMA = 0.8
AFTER_PAUSE_DAYS = {"simple": 0.5, "complex": 1.5}
PRIORITY_FACTOR = {"urgent": 0.3, "high": 0.6, "normal": 1.0, "low": 1.3}
FIRST_IN_QUEUE_FACTOR = 0.7
LIVE_MINUTES, LIVE_SIGMA = 7.0, 0.6
# Solved during a call or chat; answered in full by the first written reply.
SOLVED_LIVE = {("simple", False): 0.65, ("complex", False): 0.2, ("simple", True): 0.3}
ANSWERED_AT_ONCE = {("simple", False): 0.55, ("complex", False): 0.1, ("simple", True): 0.15}
PAUSE_SHARE = {"data_rights": 0.5, "return_refund": 0.35, "complaint": 0.25, "dispute": 0.3}
PAUSE_SHARE_OTHERS = 0.15
CUSTOMER_ANSWER_HOURS, CUSTOMER_ANSWER_SIGMA = 20.0, 1.0
CUSTOMER_NEVER_ANSWERS = 0.1
GIVE_UP_DAYS = 10.0
COMMENT_NEEDS_REPLY = 0.3
# Escalated by an agent at the first level: (decided type?, complexity) -> share.
AGENT_ESCALATES = {
    (True, "simple"): 0.06,
    (True, "complex"): 0.25,
    (False, "simple"): 0.02,
    (False, "complex"): 0.15,
}
AGENT_ESCALATION_DAYS = 0.5
LEVEL_DAYS, FINAL_LEVEL_DAYS, LEVEL_SIGMA = 1.5, 2.0, 0.7
OUTCOMES = ("upheld", "partly_upheld", "not_upheld", "unresolved")
OUTCOME_WEIGHTS = (0.35, 0.25, 0.33, 0.07)
# After a decision below the final level: the share of customers who ask for the next one.
ASKS_NEXT_LEVEL = {"upheld": 0.03, "partly_upheld": 0.12, "not_upheld": 0.3, "unresolved": 0.3}
ASK_HOURS, ASK_SIGMA = 48.0, 0.8

# --- marketplace sellers --------------------------------------------------------------------

SELLER_TYPES = frozenset({"dispute"})  # requests about an order from a seller
SELLER_ASKED_SHARE = 0.85  # of those, the share where the agent asks the seller
# The pool of sellers, each as the share of requests it never answers.
SELLER_NEVER_ANSWERS = (0.005, 0.005, 0.01, 0.01, 0.02, 0.02, 0.05, 0.1, 0.25, 0.5)
SELLER_ANSWER_HOURS, SELLER_ANSWER_SIGMA = 5.0, 0.9  # calendar hours
AFTER_SELLER_DAYS = 0.3  # open days: the decision after the answer, or the deadline

# --- returns -------------------------------------------------------------------------------

RETURN_SHARE = 0.8  # of return requests, those where an item comes back
DELIVERED_DAYS, DELIVERED_SIGMA = 3.0, 0.8  # calendar days between delivery and request
SENDS_BACK_HOURS, SENDS_BACK_SIGMA = 96.0, 0.6  # from the instructions to the item's arrival
NEVER_SENDS = 0.1
REFUND_DAYS, REFUND_SIGMA = 1.5, 0.8  # open days from the item's arrival to the refund
CLOSE_AFTER_WINDOW_DAYS = 1.0  # open days: no item by the window's end, the request closes

# How long after the period tickets are followed before the simulation stops.
FOLLOW_UP = timedelta(days=365)
