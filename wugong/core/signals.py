"""Hooks between domain areas, so that one area can react to another without importing it.

Both signals are sent *inside* the sender's transaction: whatever the receivers write (a points
ledger entry, a link of the hash chain) commits or rolls back with the record that caused it.

``deed_recorded`` — a confirmed good deed that a village may reward with points (积分): volunteer
hours confirmed, a Friday inspection scored, a meeting attended, a contribution to a project.
The points app (wugong/points) turns it into ledger entries by the village's rule table.
Keyword arguments:

- ``action``: one of ``DEED_ACTIONS``
- ``place``: the Place where it happened (the receiver finds the village above it)
- ``person_id`` / ``household_id``: who did it (either may be None, not both)
- ``quantity``: a Decimal in the action's unit (hours; a score in percent, 0–100; 1 for an
  attendance; labour days; yuan)
- ``source``: a unique key of the deed, such as ``"volunteers.attendance:42"``; a deed sent
  twice earns once
- ``occurred_on``: a date
- ``actor``: the User who confirmed it, or None for the system

``record_published`` — a record that is now public and must be tamper-evident (a vote's result,
a money or points ledger entry, a notice). The transparency app chains it by hash
(wugong/transparency), and ``wugong verify`` recomputes the chain. Keyword arguments:

- ``kind``: one of ``PUBLISHED_KINDS``
- ``place``: the Place whose public record it belongs to
- ``key``: a unique key of the record, such as ``"points.entry:981"``
- ``payload``: a dict of the record's published content, JSON-serialisable (str, int, bool,
  None, lists, dicts; Decimals and dates as strings)
"""

from django.dispatch import Signal

DEED_ACTIONS = {
    "volunteer.hours": "志愿服务时长",
    "inspection.scored": "周五检查得分",
    "meeting.attended": "参加会议",
    "project.labour": "投工投劳",
    "project.money": "出资",
}

PUBLISHED_KINDS = {
    "vote.result": "表决结果",
    "money.entry": "资金账目",
    "points.entry": "积分账目",
    "notice": "公示",
}

deed_recorded = Signal()
record_published = Signal()
