"""The hash chain of published records (存证链): tamper evidence for vote results, money and
points ledger entries and notices.

Every record sent with ``wugong.core.signals.record_published`` is appended, inside the
sender's transaction, to the chain of its village or community (records of a town, county or
city: the county's chain, or the topmost place's). A link stores the record's payload as
canonical JSON (sorted keys, no whitespace, UTF-8) and

    hash = SHA-256(prev_hash + payload + kind + key + seq)

with ``prev_hash`` the hash of the link before it ("0" × 64 for the first). Appending locks the
chain's head row, so two appends on the same chain never fork.

The payload is not taken on trust from the sender: it is built from the record's stored fields
by a builder registered per kind (``PAYLOAD_BUILDERS``), so that ``wugong verify`` can rebuild it
from the live rows and catch an edited ledger row, vote result or notice, as well as an edited
link. A kind without a builder (yet) keeps the payload the sender gave; verify then checks its
links only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from wugong.core.signals import PUBLISHED_KINDS
from wugong.places.models import Place, PlaceKind
from wugong.places.paths import path_ids
from wugong.transparency.models import GENESIS_HASH, Chain, ChainLink

CHAIN_KINDS = (PlaceKind.VILLAGE, PlaceKind.COMMUNITY)

# kind -> builder(record id as in the key) -> payload dict, or None if the record is gone.
PAYLOAD_BUILDERS: dict[str, Callable[[str], dict[str, Any] | None]] = {}


def payload_builder(kind: str) -> Callable[[Callable], Callable]:  # type: ignore[type-arg]
    """Register the function that rebuilds the payload of ``kind`` from the stored record."""

    def register(func: Callable) -> Callable:  # type: ignore[type-arg]
        PAYLOAD_BUILDERS[kind] = func
        return func

    return register


# --- canonical form and hash ----------------------------------------------------------------
def canonical_json(payload: dict[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def link_hash(*, prev_hash: str, payload: str, kind: str, key: str, seq: int) -> str:
    """SHA-256 of prev_hash + canonical payload + kind + key + seq, as UTF-8."""
    data = f"{prev_hash}{payload}{kind}{key}{seq}".encode()
    return hashlib.sha256(data).hexdigest()


def utc_text(value: dt.datetime | None) -> str:
    """A time in UTC to the microsecond, as stored (the same on SQLite and PostgreSQL)."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ") if value else ""


def key_id(key: str) -> str:
    """The record's id in a key such as ``"money.entry:42"``."""
    return key.rsplit(":", 1)[-1]


def payload_of(kind: str, key: str) -> dict[str, Any] | None:
    """The payload of a record rebuilt from the database, None if it no longer exists.
    Raises KeyError for a kind without a builder."""
    return PAYLOAD_BUILDERS[kind](key_id(key))


# --- which chain ----------------------------------------------------------------------------
def chain_place_for(place: Place) -> Place:
    """The village or community at or above ``place``; else the county; else the top place."""
    ids = path_ids(place.path)
    above = {p.pk: p for p in Place.objects.filter(pk__in=ids)}
    ordered = [above[i] for i in reversed(ids) if i in above]  # nearest first
    for kinds in (CHAIN_KINDS, (PlaceKind.COUNTY,)):
        for p in ordered:
            if p.kind in kinds:
                return p
    return ordered[-1] if ordered else place


# --- appending ------------------------------------------------------------------------------
def chain_append(*, kind: str, key: str, place: Place, payload: dict[str, Any]) -> ChainLink:
    """Append a record to its place's chain (idempotent by key). Must run in a transaction:
    the chain's head row stays locked until it commits."""
    if kind not in PUBLISHED_KINDS:
        raise ValueError(f"unknown published kind: {kind}")
    builder = PAYLOAD_BUILDERS.get(kind)
    if builder is not None:
        built = builder(key_id(key))
        if built is not None:
            payload = built
    text = canonical_json(payload)
    home = chain_place_for(place)
    with transaction.atomic():
        chain, _created = Chain.objects.get_or_create(
            place=home, defaults={"place_path": home.path}
        )
        chain = Chain.objects.select_for_update().get(pk=chain.pk)
        existing = ChainLink.objects.filter(key=key).first()
        if existing is not None:  # the same record sent twice is chained once
            return existing
        seq = chain.length + 1
        link = ChainLink.objects.create(
            chain=chain,
            seq=seq,
            kind=kind,
            key=key,
            place=place,
            payload=text,
            prev_hash=chain.head_hash,
            hash=link_hash(prev_hash=chain.head_hash, payload=text, kind=kind, key=key, seq=seq),
        )
        Chain.objects.filter(pk=chain.pk).update(length=seq, head_hash=link.hash)
    return link


def on_record_published(sender: Any, *, kind: str, place: Place, key: str, payload: dict, **kw):  # type: ignore[no-untyped-def,type-arg]
    """Receiver of ``record_published`` (connected in TransparencyConfig.ready)."""
    chain_append(kind=kind, key=key, place=place, payload=payload)


# --- verifying ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Break:
    """The first altered record of a chain."""

    chain_id: int
    chain_place: str
    seq: int
    kind: str
    key: str
    place: str
    reason: str

    def line(self) -> str:
        return _("第一处被改动：%(place)s 链第%(seq)d条 %(kind)s %(key)s（%(where)s）：%(why)s") % {
            "place": self.chain_place,
            "seq": self.seq,
            "kind": self.kind,
            "key": self.key,
            "where": self.place,
            "why": self.reason,
        }


@dataclass(frozen=True)
class ChainReport:
    chain_id: int
    place: str
    links: int
    broken: Break | None
    unchecked: int  # links whose kind has no payload builder: only their hash was checked


def _links(chain: Chain, upto_seq: int | None) -> Iterator[ChainLink]:
    qs = ChainLink.objects.filter(chain=chain).select_related("place").order_by("seq")
    if upto_seq is not None:
        qs = qs.filter(seq__lte=upto_seq)
    return qs.iterator(chunk_size=2000)


def chain_verify(chain: Chain, *, upto_seq: int | None = None) -> ChainReport:
    """Walk a chain from its first link: each link's hash recomputed from its stored payload
    and the previous hash; each payload rebuilt from the live record. Stops at the first
    altered record. With ``upto_seq``, only the links up to it (the head is not compared)."""
    place_name = chain.place.name
    prev = GENESIS_HASH
    expected = 1
    unchecked = 0
    count = 0

    def broken(link: ChainLink, why: str) -> ChainReport:
        return ChainReport(
            chain.pk,
            place_name,
            count,
            Break(chain.pk, place_name, link.seq, link.kind, link.key, link.place.name, why),
            unchecked,
        )

    for link in _links(chain, upto_seq):
        count += 1
        if link.seq != expected:
            return broken(link, _("序号不连续（应为%(n)d），有记录被删除") % {"n": expected})
        if link.prev_hash != prev:
            return broken(link, _("上一条校验码不符，链被改动"))
        again = link_hash(
            prev_hash=link.prev_hash,
            payload=link.payload,
            kind=link.kind,
            key=link.key,
            seq=link.seq,
        )
        if again != link.hash:
            return broken(link, _("存证记录的校验码与内容不符"))
        builder = PAYLOAD_BUILDERS.get(link.kind)
        if builder is None:
            unchecked += 1
        else:
            live = builder(key_id(link.key))
            if live is None:
                return broken(link, _("原始记录已被删除"))
            if canonical_json(live) != link.payload:
                return broken(link, _("原始记录与上链内容不符，已被改动"))
        prev = link.hash
        expected += 1
    if upto_seq is None and (chain.length != count or chain.head_hash != prev):
        fake = ChainLink(seq=count + 1, kind="-", key="-", place=chain.place)
        return broken(fake, _("链头与最后一条记录不符，末尾的记录被删除或改动"))
    return ChainReport(chain.pk, place_name, count, None, unchecked)


def chains_verify(*, place: Place | None = None) -> list[ChainReport]:
    """Verify every chain, or the one ``place`` belongs to (its village's/community's)."""
    qs = Chain.objects.select_related("place").order_by("place_path")
    if place is not None:
        qs = qs.filter(place=chain_place_for(place))
    return [chain_verify(c) for c in qs]


def link_find(text: str) -> ChainLink | None:
    """A link by its full hash, or by a prefix of at least 8 hex digits if only one matches."""
    text = (text or "").strip().lower()
    if len(text) < 8 or any(ch not in "0123456789abcdef" for ch in text):
        return None
    qs = ChainLink.objects.select_related("chain__place", "place")
    if len(text) == 64:
        return qs.filter(hash=text).first()
    found = list(qs.filter(hash__startswith=text)[:2])
    return found[0] if len(found) == 1 else None


def link_for_key(key: str) -> ChainLink | None:
    return ChainLink.objects.filter(key=key).first()


def short_hash(value: str) -> str:
    return value[:12]


# --- payload builders: each rebuilds a record's published content from its stored row ---------
def _int_id(record_id: str) -> int | None:
    try:
        return int(record_id)
    except ValueError:
        return None


@payload_builder("vote.result")
def vote_result_payload(record_id: str) -> dict[str, Any] | None:
    """A published vote (表决结果): counts per option, outcome, turnout, as stored."""
    from wugong.voting.models import Vote

    vote = Vote.objects.filter(pk=_int_id(record_id), result__isnull=False).first()
    if vote is None:
        return None
    return {
        "vote": vote.pk,
        "place": vote.place_id,
        "title": vote.title,
        "method": vote.method,
        "result": vote.result,
        "published_at": utc_text(vote.published_at),
    }


@payload_builder("money.entry")
def money_entry_payload(record_id: str) -> dict[str, Any] | None:
    """A posted line of a project's accounts (资金账目), in fen. An anonymous giver's name is
    not published: its SHA-256 stands in for it, so an edit is still caught."""
    from wugong.projects.models import LedgerEntry

    e = LedgerEntry.objects.filter(pk=_int_id(record_id)).select_related("project").first()
    if e is None:
        return None
    name = e.contributor_name
    return {
        "entry": e.pk,
        "project": e.project_id,
        "place": e.project.place_id,
        "direction": e.direction,
        "amount_fen": e.amount_fen,
        "source": e.source_kind,
        "item": e.item,
        "memo": e.memo,
        "occurred_on": e.occurred_on.isoformat(),
        "contributor_kind": e.contributor_kind,
        "contributor": "" if e.anonymous else name,
        "contributor_sha256": hashlib.sha256(name.encode()).hexdigest() if e.anonymous else "",
        "pledge": e.pledge_id,
        "reverses": e.reverses_id,
        "posted_at": utc_text(e.posted_at),
    }


@payload_builder("notice")
def notice_payload(record_id: str) -> dict[str, Any] | None:
    """A published notice (公示): title, the SHA-256 of its body, its period and content hash."""
    from wugong.transparency.models import Notice

    n = Notice.objects.filter(pk=_int_id(record_id), published_at__isnull=False).first()
    if n is None:
        return None
    return {
        "notice": n.pk,
        "place": n.place_id,
        "title": n.title,
        "kind": n.kind,
        "issuer": n.issuer,
        "body_sha256": hashlib.sha256(n.body.encode()).hexdigest(),
        "content_hash": n.content_hash,
        "starts_at": utc_text(n.starts_at),
        "ends_at": utc_text(n.ends_at),
        "published_at": utc_text(n.published_at),
    }


@payload_builder("points.entry")
def points_transaction_payload(record_id: str) -> dict[str, Any] | None:
    """A points ledger transaction (积分账目) with its entries, as wugong/points publishes it
    (key ``points.txn:<id>``)."""
    from wugong.points.models import Entry, Transaction

    txn = Transaction.objects.filter(pk=_int_id(record_id)).first()
    if txn is None:
        return None
    entries = Entry.objects.filter(transaction=txn).select_related("account").order_by("pk")
    return {
        "transaction": txn.pk,
        "kind": txn.kind,
        "date": txn.occurred_on.isoformat(),
        "village": txn.place_path,
        "memo": txn.memo,
        "entries": [
            {"account": e.account_id, "account_kind": e.account.kind, "amount": e.amount}
            for e in entries
        ],
    }
