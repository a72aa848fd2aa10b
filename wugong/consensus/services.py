"""Every write to common-ground conversations: create, statements, moderation, votes, the
computed result, publication, and Pol.is import/export. Each runs in one transaction and
records an audit event in it."""

from __future__ import annotations

import datetime as dt
import io
import tempfile
import zipfile
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from wugong.consensus import pipeline
from wugong.consensus.models import (
    POLIS_MODERATED,
    STATEMENT_MAX_CHARS,
    ComputedResult,
    Conversation,
    Participant,
    ResultStatus,
    Statement,
    StatementStatus,
    StatementVote,
    VoteValue,
)
from wugong.consensus.polis_io import (
    Comment,
    MalformedCSVError,
    PolisIOError,
    VoteTable,
    read_comments,
    read_votes,
    write_export,
)
from wugong.consensus.selectors import can_manage, can_manage_place, can_take_part
from wugong.core.audit import audit_event_record
from wugong.core.errors import NotFound, PermissionDenied, ValidationFailed
from wugong.core.i18n import public_language
from wugong.people.rules import Viewer
from wugong.places.models import Place

COMPUTE_DEBOUNCE = dt.timedelta(minutes=1)
"""At most one background compute per conversation in this window after a vote."""
COMPUTE_STALE = dt.timedelta(minutes=10)
"""A scheduled compute not done after this long is presumed lost and may be scheduled again."""
MAX_IMPORT_BYTES = 200 * 1024 * 1024
MAX_IMPORT_VOTES = 2_000_000
MAX_ID = 2**31 - 1


def _manage_required(viewer: Viewer, conversation: Conversation) -> None:
    if not can_manage(viewer, conversation):
        raise PermissionDenied(_("您无权管理这个讨论。"))


def _clean_topic(topic: str, description: str) -> tuple[str, str]:
    topic = (topic or "").strip()
    description = (description or "").strip()
    if not topic or len(topic) > 100:
        raise ValidationFailed(_("请填写议题（不超过100个字）。"), field="topic")
    if len(description) > 2000:
        raise ValidationFailed(_("说明不超过2000个字。"), field="description")
    return topic, description


def _clean_text(text: str) -> str:
    text = " ".join((text or "").split())
    if not text:
        raise ValidationFailed(_("请写下您的观点。"), field="text")
    if len(text) > STATEMENT_MAX_CHARS:
        raise ValidationFailed(
            _("观点不超过%(n)d个字（现在%(len)d个字）。")
            % {"n": STATEMENT_MAX_CHARS, "len": len(text)},
            field="text",
        )
    return text


# --- conversations -------------------------------------------------------------------------------
@transaction.atomic
def conversation_create(
    *, viewer: Viewer, place: Place, topic: str, description: str = "", actor: Any = None
) -> Conversation:
    """Open a conversation (发起最大公约数征集) of a place on a topic."""
    if not can_manage_place(viewer, place):
        raise PermissionDenied(_("您无权在该地点发起讨论。"))
    topic, description = _clean_topic(topic, description)
    conversation = Conversation.objects.create(
        topic=topic,
        description=description,
        place=place,
        place_path=place.path,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_event_record(
        actor=actor,
        action="conversation.create",
        obj=conversation,
        place_path=place.path,
        changes={"topic": topic, "place": place},
    )
    return conversation


@transaction.atomic
def conversation_set_open(
    *, viewer: Viewer, conversation: Conversation, is_open: bool, actor: Any = None
) -> Conversation:
    """Close a conversation to votes and statements (结束征集), or open it again."""
    _manage_required(viewer, conversation)
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if conversation.is_open == is_open:
        return conversation
    conversation.is_open = is_open
    conversation.closed_at = None if is_open else timezone.now()
    conversation.save(update_fields=["is_open", "closed_at"])
    audit_event_record(
        actor=actor,
        action="conversation.open" if is_open else "conversation.close",
        obj=conversation,
        place_path=conversation.place_path,
    )
    return conversation


def _open_required(conversation: Conversation) -> None:
    if not conversation.is_open:
        raise ValidationFailed(_("这个讨论已经结束，不能再投票或提出观点。"), code="closed")


def _participant_for_person(conversation: Conversation, person_id: int) -> Participant:
    """The person's participant row in the conversation, created on first use, locked.

    The conversation row is locked while a new number is allocated, and the participant row
    while the caller writes, so that two taps at once never give two rows or two numbers."""
    existing = Participant.objects.filter(conversation=conversation, person_id=person_id)
    participant = existing.select_for_update().first()
    if participant is not None:
        return participant
    Conversation.objects.select_for_update().filter(pk=conversation.pk).first()
    participant = existing.select_for_update().first()
    if participant is not None:
        return participant
    top = Participant.objects.filter(conversation=conversation).aggregate(m=Max("number"))["m"]
    return Participant.objects.create(
        conversation=conversation, person_id=person_id, number=(top or 0) + 1
    )


# --- statements ----------------------------------------------------------------------------------
@transaction.atomic
def statement_submit(
    *, viewer: Viewer, conversation: Conversation, text: str, actor: Any = None
) -> Statement:
    """Add a statement. A resident's waits for moderation (待审核); a cadre's (a seed
    statement, 预设观点) is accepted at once."""
    manager = can_manage(viewer, conversation)
    if not manager and not can_take_part(viewer, conversation):
        raise PermissionDenied(_("只有本地居民可以在这个讨论中提出观点。"))
    _open_required(conversation)
    text = _clean_text(text)
    if Statement.objects.filter(conversation=conversation, text=text).exists():
        raise ValidationFailed(_("已经有人提出了同样的观点。"), field="text", code="duplicate")
    participant = (
        _participant_for_person(conversation, viewer.person_id) if viewer.person_id else None
    )
    Conversation.objects.select_for_update().filter(pk=conversation.pk).first()
    top = Statement.objects.filter(conversation=conversation).aggregate(m=Max("number"))["m"]
    now = timezone.now()
    statement = Statement.objects.create(
        conversation=conversation,
        number=0 if top is None else top + 1,
        text=text,
        author_id=viewer.person_id,
        author_participant=participant,
        is_seed=manager,
        status=StatementStatus.ACCEPTED if manager else StatementStatus.PENDING,
        moderated_by=actor if manager and getattr(actor, "pk", None) else None,
        moderated_at=now if manager else None,
        created_at=now,
    )
    audit_event_record(
        actor=actor,
        action="statement.submit",
        obj=statement,
        place_path=conversation.place_path,
        changes={"conversation": conversation, "text": text, "status": statement.status},
    )
    return statement


@transaction.atomic
def statement_moderate(
    *, viewer: Viewer, statement: Statement, accept: bool, reason: str = "", actor: Any = None
) -> Statement:
    """Accept a statement for voting, or reject it with a reason the author is shown."""
    statement = (
        Statement.objects.select_for_update().select_related("conversation").get(pk=statement.pk)
    )
    conversation = statement.conversation
    _manage_required(viewer, conversation)
    reason = (reason or "").strip()
    if not accept and not reason:
        raise ValidationFailed(_("不通过时请写明原因。"), field="reason")
    if len(reason) > 200:
        raise ValidationFailed(_("原因不超过200个字。"), field="reason")
    before = statement.status
    statement.status = StatementStatus.ACCEPTED if accept else StatementStatus.REJECTED
    statement.reject_reason = "" if accept else reason
    statement.moderated_by = actor if getattr(actor, "pk", None) else None
    statement.moderated_at = timezone.now()
    statement.save(update_fields=["status", "reject_reason", "moderated_by", "moderated_at"])
    audit_event_record(
        actor=actor,
        action="statement.moderate",
        obj=statement,
        place_path=conversation.place_path,
        changes={"from": before, "to": statement.status, "reason": statement.reject_reason},
    )
    return statement


# --- votes ---------------------------------------------------------------------------------------
@transaction.atomic
def statement_vote(
    *, viewer: Viewer, statement: Statement, value: int, actor: Any = None
) -> StatementVote:
    """Agree (1), disagree (-1) or pass (0) on a statement. Voting again changes the vote and
    its time; the same vote again changes nothing. A compute is queued after the commit."""
    if value not in VoteValue.values:
        raise ValidationFailed(_("请选择同意、不同意或跳过。"), field="value")
    conversation = statement.conversation
    if not can_take_part(viewer, conversation):
        raise PermissionDenied(_("只有本地居民可以参加这个讨论的投票。"))
    _open_required(conversation)
    if statement.status != StatementStatus.ACCEPTED:
        raise NotFound(_("观点不存在。"))
    assert viewer.person_id is not None
    participant = _participant_for_person(conversation, viewer.person_id)
    vote = StatementVote.objects.filter(participant=participant, statement=statement).first()
    if vote is not None and vote.value == value:
        return vote
    now = timezone.now()
    before = None if vote is None else vote.value
    if vote is None:
        vote = StatementVote.objects.create(
            conversation=conversation,
            statement=statement,
            participant=participant,
            value=value,
            created_at=now,
            updated_at=now,
        )
    else:
        vote.value, vote.updated_at = value, now
        vote.save(update_fields=["value", "updated_at"])
    audit_event_record(
        actor=actor,
        action="statement.vote",
        obj=vote,
        place_path=conversation.place_path,
        changes={"statement": statement.number, "from": before, "to": value},
    )
    conversation_id = conversation.pk
    transaction.on_commit(lambda: conversation_compute_schedule(conversation_id=conversation_id))
    return vote


def conversation_compute_schedule(*, conversation_id: int) -> bool:
    """Queue a background compute unless one is already scheduled (debounce: at most one per
    COMPUTE_DEBOUNCE; with a backend that can defer, it runs that much later and so takes in
    every vote of the window). Returns whether a task was queued."""
    from wugong.consensus.tasks import conversation_compute_task

    now = timezone.now()
    due = now + COMPUTE_DEBOUNCE
    claimed = (
        Conversation.objects.filter(pk=conversation_id)
        .filter(Q(compute_due_at__isnull=True) | Q(compute_due_at__lt=now - COMPUTE_STALE))
        .update(compute_due_at=due)
    )
    if not claimed:
        return False
    task = conversation_compute_task
    if task.get_backend().supports_defer:
        task = task.using(run_after=due)
    task.enqueue(conversation_id=conversation_id)
    return True


# --- compute -------------------------------------------------------------------------------------
def _not_enough_message(exc: pipeline.NotEnoughParticipantsError) -> str:
    return _(
        "参与人数不足：至少需要 %(required)d 位投过 %(min_votes)d 票以上的居民才能分组"
        "（目前只有 %(found)d 位）。"
    ) % {"required": exc.required, "min_votes": exc.min_votes, "found": exc.found}


def conversation_vote_arrays(
    conversation: Conversation,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]:
    """The conversation's votes as the pipeline takes them: participant numbers, statement
    numbers, values; and the statements left out of the math (rejected or meta)."""
    rows = list(
        StatementVote.objects.filter(conversation=conversation).values_list(
            "participant__number", "statement__number", "value"
        )
    )
    arr = np.asarray(rows, dtype=np.int64).reshape(-1, 3)
    mod_out = list(
        Statement.objects.filter(conversation=conversation)
        .filter(Q(status=StatementStatus.REJECTED) | Q(is_meta=True))
        .values_list("number", flat=True)
    )
    return arr[:, 0], arr[:, 1], arr[:, 2], mod_out


def _result_data(
    result: pipeline.PipelineResult, voters: np.ndarray, statements: np.ndarray, values: np.ndarray
) -> dict[str, Any]:
    data: dict[str, Any] = result.to_json("polis")
    informed = result.group_informed_consensus
    data["group_informed_consensus"] = {
        "agree": list(informed.agree),
        "disagree": list(informed.disagree),
    }
    data["repness_detail"] = {
        str(g): [asdict(r) for r in reps] for g, reps in sorted(result.repness.items())
    }
    data["k"] = int(result.k)
    data["silhouette_by_k"] = {str(k): float(s) for k, s in result.silhouette_by_k.items()}
    data["group_sizes"] = np.bincount(result.labels, minlength=result.k).tolist()
    data["map"] = {
        "points": [
            [int(p), round(float(x), 4), round(float(y), 4), int(g)]
            for p, (x, y), g in zip(
                result.participant_ids, result.coords, result.labels, strict=True
            )
        ],
        "centers": [[round(float(x), 4), round(float(y), 4)] for x, y in result.group_centers],
    }
    # Votes per statement, per group and over everyone: [agree, disagree, total].
    group_of = dict(zip(result.participant_ids.tolist(), result.labels.tolist(), strict=True))
    by_group: dict[int, list[list[int]]] = {}
    overall: dict[int, list[int]] = {}
    rows = zip(voters.tolist(), statements.tolist(), values.tolist(), strict=True)
    for voter, statement, value in rows:
        row = overall.setdefault(statement, [0, 0, 0])
        cells = by_group.setdefault(statement, [[0, 0, 0] for _g in range(result.k)])
        targets = [row]
        if (g := group_of.get(voter)) is not None:
            targets.append(cells[g])
        for cell in targets:
            cell[2] += 1
            if value == 1:
                cell[0] += 1
            elif value == -1:
                cell[1] += 1
    data["votes_by_group"] = {str(s): cells for s, cells in sorted(by_group.items())}
    data["votes_all"] = {str(s): row for s, row in sorted(overall.items())}
    return data


def conversation_compute(
    *, conversation: Conversation, viewer: Viewer | None = None, actor: Any = None, seed: int = 0
) -> ComputedResult:
    """Run the opinion-group pipeline on the conversation's votes and store the result.

    Called by the background task (no viewer) and by a cadre's "compute now" (with a viewer,
    who must manage the conversation). The numbers run outside any transaction; storing the
    result and its audit event is one transaction. A conversation too small or too uniform
    to group stores that, with the Chinese explanation, instead of groups."""
    if viewer is not None:
        _manage_required(viewer, conversation)
    voters, statements, values, mod_out = conversation_vote_arrays(conversation)
    n_participants = len(np.unique(voters))
    status, message, data = ResultStatus.GROUPED, "", {}
    try:
        result = pipeline.run_pipeline(
            voters, statements, values, mod_out_statement_ids=mod_out, seed=seed
        )
    except pipeline.NotEnoughParticipantsError as exc:
        status, message = ResultStatus.TOO_SMALL, _not_enough_message(exc)
        data = {"found": exc.found, "required": exc.required, "min_votes": exc.min_votes}
    except pipeline.CannotGroupError:
        status, message = ResultStatus.CANNOT_GROUP, _("所有居民的投票几乎完全相同，无法分组。")
    else:
        data = _result_data(result, voters, statements, values)
    with transaction.atomic():
        row, _created = ComputedResult.objects.update_or_create(
            conversation=conversation,
            defaults={
                "status": status,
                "message": message,
                "data": data,
                "n_participants": n_participants,
                "n_votes": len(values),
                "computed_at": timezone.now(),
            },
        )
        audit_event_record(
            actor=actor,
            action="conversation.compute",
            obj=conversation,
            place_path=conversation.place_path,
            changes={
                "status": status,
                "participants": n_participants,
                "votes": len(values),
                "groups": data.get("k", 0),
            },
        )
    return row


# --- publication ---------------------------------------------------------------------------------
def _notice_body(conversation: Conversation, result: ComputedResult) -> str:
    texts = dict(Statement.objects.filter(conversation=conversation).values_list("number", "text"))
    lines = [
        _("议题：%(topic)s") % {"topic": conversation.topic},
        _("参与人数：%(n)d 人，投票 %(v)d 次。")
        % {"n": result.n_participants, "v": result.n_votes},
        "",
    ]
    if result.status != ResultStatus.GROUPED:
        lines.append(result.message)
        return "\n".join(lines)
    data = result.data
    informed = data.get("group_informed_consensus", {}).get("agree", [])
    majority = data["consensus"]["agree"]
    lines.append(_("各方都认同："))
    lines += [f"· {texts.get(n, '')}" for n in informed] or [_("（暂无）")]
    lines.append("")
    lines.append(_("多数认同："))
    lines += [f"· {texts.get(n, '')}" for n in majority] or [_("（暂无）")]
    lines.append("")
    lines.append(
        _("大家的意见分为 %(k)d 组，各组人数：%(sizes)s。")
        % {"k": data.get("k", 0), "sizes": "、".join(str(s) for s in data.get("group_sizes", []))}
    )
    return "\n".join(lines)


@transaction.atomic
def conversation_publish(
    *, viewer: Viewer, conversation: Conversation, actor: Any = None
) -> Conversation:
    """Publish the results (公布结果): participants then see them, and the consensus
    statements go out as a public notice (公示) of the place."""
    _manage_required(viewer, conversation)
    conversation = (
        Conversation.objects.select_for_update().select_related("place").get(pk=conversation.pk)
    )
    result = ComputedResult.objects.filter(conversation=conversation).first()
    if result is None:
        raise ValidationFailed(_("请先计算结果，再公布。"), code="not_computed")
    notice_id = conversation.notice_id
    if notice_id is None:
        from wugong.transparency import services as notices

        with public_language():  # the public notice is in Chinese, whoever publishes it
            title = _("“%(topic)s”最大公约数结果") % {"topic": conversation.topic[:80]}
            body = _notice_body(conversation, result)
        notice = notices.notice_create(
            viewer=viewer,
            place=conversation.place,
            title=title,
            body=body,
            kind="result",
            subject=conversation,
            actor=actor,
        )
        notices.notice_publish(viewer=viewer, notice=notice, actor=actor)
        notice_id = notice.pk
    conversation.published = True
    conversation.published_at = conversation.published_at or timezone.now()
    conversation.notice_id = notice_id
    conversation.save(update_fields=["published", "published_at", "notice_id"])
    audit_event_record(
        actor=actor,
        action="conversation.publish",
        obj=conversation,
        place_path=conversation.place_path,
        changes={"notice": notice_id, "computed_at": result.computed_at},
    )
    return conversation


# --- Pol.is export -------------------------------------------------------------------------------
def _epoch(value: dt.datetime) -> int:
    return int(value.timestamp())


def conversation_export_zip(
    *, viewer: Viewer, conversation: Conversation, actor: Any = None
) -> bytes:
    """The conversation in Pol.is's export format: a zip of comments.csv and votes.csv.
    Voter ids are participant numbers, never person ids. The download is recorded."""
    _manage_required(viewer, conversation)
    counts = {
        row["statement_id"]: row
        for row in StatementVote.objects.filter(conversation=conversation)
        .values("statement_id")
        .annotate(agrees=Count("id", filter=Q(value=1)), disagrees=Count("id", filter=Q(value=-1)))
        .order_by()
    }
    comments = [
        Comment(
            comment_id=s.number,
            body=s.text,
            author_id=s.author_participant.number if s.author_participant else 0,
            moderated=POLIS_MODERATED[StatementStatus(s.status)],
            timestamp=_epoch(s.created_at),
            agrees=counts.get(s.pk, {}).get("agrees", 0),
            disagrees=counts.get(s.pk, {}).get("disagrees", 0),
            is_meta=s.is_meta,
        )
        for s in Statement.objects.filter(conversation=conversation)
        .select_related("author_participant")
        .order_by("number")
    ]
    rows = list(
        StatementVote.objects.filter(conversation=conversation)
        .order_by("statement__number", "participant__number")
        .values_list("updated_at", "statement__number", "participant__number", "value")
    )
    votes = VoteTable(
        timestamp=np.asarray([_epoch(r[0]) for r in rows], dtype=np.int64),
        comment_id=np.asarray([r[1] for r in rows], dtype=np.int64),
        voter_id=np.asarray([r[2] for r in rows], dtype=np.int64),
        vote=np.asarray([r[3] for r in rows], dtype=np.int8),
    )
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="wg-polis-") as tmp:
        write_export(tmp, comments, votes)
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for name in ("comments.csv", "votes.csv"):
                zf.write(Path(tmp) / name, name)
    with transaction.atomic():
        audit_event_record(
            actor=actor,
            action="conversation.export",
            obj=conversation,
            place_path=conversation.place_path,
            changes={"statements": len(comments), "votes": len(rows)},
        )
    return buffer.getvalue()


# --- Pol.is import -------------------------------------------------------------------------------
def _malformed(name: str, line: int, reason: str) -> ValidationFailed:
    return ValidationFailed(
        _("%(file)s 第 %(line)d 行格式错误：%(reason)s。未导入任何数据。")
        % {"file": name, "line": line, "reason": reason},
        code="malformed_csv",
        field=name,
    )


def polis_files_from_zip(data: bytes) -> tuple[bytes, bytes]:
    """comments.csv and votes.csv from an uploaded zip (anywhere inside it)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ValidationFailed(_("上传的文件不是有效的 zip 压缩包。"), field="file") from None
    found: dict[str, zipfile.ZipInfo] = {}
    for info in zf.infolist():
        base = info.filename.rsplit("/", 1)[-1]
        if base in ("comments.csv", "votes.csv") and base not in found:
            found[base] = info
    for name in ("comments.csv", "votes.csv"):
        if name not in found:
            raise ValidationFailed(
                _("压缩包中缺少 %(name)s。") % {"name": name}, field="file", code="missing_file"
            )
        if found[name].file_size > MAX_IMPORT_BYTES:
            raise ValidationFailed(_("文件太大，无法导入。"), field="file")
    return zf.read(found["comments.csv"]), zf.read(found["votes.csv"])


def _comment_lines(path: Path) -> list[int]:
    """The line on which each data row of comments.csv starts (bodies may span lines)."""
    import csv

    lines: list[int] = []
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        start = reader.line_num + 1
        for row in reader:
            if row and row != [""]:
                lines.append(start)
            start = reader.line_num + 1
    return lines


def _parse_polis(comments_csv: bytes, votes_csv: bytes) -> tuple[list[Comment], list[int], Any]:
    with tempfile.TemporaryDirectory(prefix="wg-polis-") as tmp:
        cpath, vpath = Path(tmp) / "comments.csv", Path(tmp) / "votes.csv"
        cpath.write_bytes(comments_csv)
        vpath.write_bytes(votes_csv)
        try:
            comments = read_comments(cpath)
            lines = _comment_lines(cpath)
            votes = read_votes(vpath)
        except MalformedCSVError as exc:
            raise _malformed(Path(exc.path).name, exc.line, exc.reason) from None
        except UnicodeDecodeError:
            raise ValidationFailed(_("文件不是 UTF-8 编码。"), code="malformed_csv") from None
        except PolisIOError as exc:
            raise ValidationFailed(str(exc), code="malformed_csv") from None
    return comments, lines, votes


@transaction.atomic
def conversation_import(
    *,
    viewer: Viewer,
    place: Place,
    topic: str,
    comments_csv: bytes,
    votes_csv: bytes,
    description: str = "",
    source: str = "Pol.is",
    actor: Any = None,
) -> Conversation:
    """Import a Pol.is export as a new (closed) conversation: its statements with their
    moderation, and its votes by imported participants (voter ids kept as strings, never
    Persons). A malformed file is refused naming the file and line; nothing is written."""
    if not can_manage_place(viewer, place):
        raise PermissionDenied(_("您无权在该地点导入讨论。"))
    topic, description = _clean_topic(topic, description)
    if len(comments_csv) > MAX_IMPORT_BYTES or len(votes_csv) > MAX_IMPORT_BYTES:
        raise ValidationFailed(_("文件太大，无法导入。"), field="file")
    comments, lines, votes = _parse_polis(comments_csv, votes_csv)
    if len(votes) > MAX_IMPORT_VOTES:
        raise ValidationFailed(_("投票记录太多，无法导入。"), field="votes.csv")
    for comment, line in zip(comments, lines, strict=False):
        if not 0 <= comment.comment_id <= MAX_ID:
            raise _malformed("comments.csv", line, "comment-id is out of range")
        if not comment.body.strip():
            raise _malformed("comments.csv", line, "comment-body is empty")
        if len(comment.body.strip()) > STATEMENT_MAX_CHARS:
            raise _malformed(
                "comments.csv", line, f"comment-body is longer than {STATEMENT_MAX_CHARS}"
            )
    known = {c.comment_id for c in comments}
    comment_ids, voter_ids = votes.comment_id.tolist(), votes.voter_id.tolist()
    for i, (cid, vid) in enumerate(zip(comment_ids, voter_ids, strict=True)):
        if cid not in known:
            raise _malformed("votes.csv", i + 2, f"comment-id {cid} is not in comments.csv")
        if not 0 <= vid <= MAX_ID:
            raise _malformed("votes.csv", i + 2, f"voter-id {vid} is out of range")

    conversation = Conversation.objects.create(
        topic=topic,
        description=description,
        place=place,
        place_path=place.path,
        is_open=False,
        closed_at=timezone.now(),
        imported_from=source[:100],
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    authors = {c.author_id for c in comments if 0 <= c.author_id <= MAX_ID}
    numbers = sorted(set(voter_ids) | authors)
    first_seen: dict[int, int] = {}
    for ts, vid in zip(votes.timestamp.tolist(), voter_ids, strict=True):
        first_seen[vid] = min(ts, first_seen.get(vid, ts))
    for c in comments:
        first_seen[c.author_id] = min(c.timestamp, first_seen.get(c.author_id, c.timestamp))
    Participant.objects.bulk_create(
        [
            Participant(
                conversation=conversation,
                number=n,
                external_id=str(n),
                created_at=_from_epoch(first_seen.get(n, 0)),
            )
            for n in numbers
        ],
        batch_size=2000,
    )
    participant_pk = dict(
        Participant.objects.filter(conversation=conversation).values_list("number", "pk")
    )
    moderated = {
        1: StatementStatus.ACCEPTED,
        0: StatementStatus.PENDING,
        -1: StatementStatus.REJECTED,
    }
    Statement.objects.bulk_create(
        [
            Statement(
                conversation=conversation,
                number=c.comment_id,
                text=c.body.strip(),
                author_participant_id=participant_pk.get(c.author_id),
                is_meta=c.is_meta,
                status=moderated[c.moderated],
                reject_reason=_("导入前已被拒绝") if c.moderated == -1 else "",
                moderated_at=_from_epoch(c.timestamp) if c.moderated else None,
                created_at=_from_epoch(c.timestamp),
            )
            for c in comments
        ],
        batch_size=2000,
    )
    statement_pk = dict(
        Statement.objects.filter(conversation=conversation).values_list("number", "pk")
    )
    # Several votes by one voter on one statement: the latest counts (the first of equal
    # times), as Pol.is and the pipeline read an export.
    latest: dict[tuple[int, int], tuple[int, int]] = {}
    for ts, cid, vid, v in zip(
        votes.timestamp.tolist(), comment_ids, voter_ids, votes.vote.tolist(), strict=True
    ):
        key = (vid, cid)
        seen = latest.get(key)
        if seen is None or ts > seen[0]:
            latest[key] = (ts, v)
    try:
        StatementVote.objects.bulk_create(
            (
                StatementVote(
                    conversation=conversation,
                    statement_id=statement_pk[cid],
                    participant_id=participant_pk[vid],
                    value=v,
                    created_at=_from_epoch(ts),
                    updated_at=_from_epoch(ts),
                )
                for (vid, cid), (ts, v) in latest.items()
            ),
            batch_size=5000,
        )
    except IntegrityError as exc:  # pragma: no cover - guarded above
        raise ValidationFailed(_("导入数据有冲突：%(e)s") % {"e": exc}) from None
    audit_event_record(
        actor=actor,
        action="conversation.import",
        obj=conversation,
        place_path=place.path,
        changes={
            "source": source,
            "statements": len(comments),
            "participants": len(numbers),
            "votes": len(latest),
            "statuses": dict(Counter(c.moderated for c in comments)),
        },
    )
    return conversation


def _from_epoch(ts: int) -> dt.datetime:
    """Unix seconds (milliseconds, as some exports have them, are recognised) as a time."""
    if ts > 100_000_000_000:
        ts //= 1000
    return dt.datetime.fromtimestamp(min(max(ts, 0), 4_102_444_800), dt.UTC)
