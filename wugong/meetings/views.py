"""Pages of meetings and 四议两公开. Thin: parse, check, call one service or selector, render."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wugong.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from wugong.core.http import domain_pages, is_htmx
from wugong.meetings import selectors, services
from wugong.meetings.checkin import checkin_token_make, checkin_token_read, qr_svg
from wugong.meetings.forms import (
    AgendaForm,
    DecisionForm,
    MeetingForm,
    MinutesForm,
    PostForm,
    QuorumForm,
    RepresentativeForm,
    StepForm,
    VillageDecisionForm,
)
from wugong.meetings.models import (
    Attendance,
    DecisionOutcome,
    Meeting,
    MeetingStatus,
    Post,
    Representative,
    Step,
    StepDocument,
    StepOutcome,
    VillageDecision,
)
from wugong.people.models import Household, Organisation, OrganisationKind, Person
from wugong.places.models import Place
from wugong.places.paths import subtree_q


def _meeting(request: HttpRequest, pk: int) -> Meeting:
    return selectors.meeting_get(viewer=request.viewer, pk=pk)


def _place(request: HttpRequest, pk: Any, rule: str = "meeting.view") -> Place | None:
    if not pk:
        return None
    place = Place.objects.filter(request.viewer.place_q(rule), pk=pk).first()
    if place is None:
        raise NotFound(_("地点不存在或不在您的管辖范围内。"))
    return place


# --- meetings --------------------------------------------------------------------------------
@domain_pages
def meeting_list(request: HttpRequest) -> HttpResponse:
    """The meetings of the places in the viewer's scope, newest first."""
    viewer = request.viewer
    try:
        place = _place(request, request.GET.get("place"), "place.view")
    except NotFound:
        place = None
    meetings = selectors.meeting_list(viewer=viewer, place=place)[:100]
    return render(
        request,
        "meetings/meeting_list.html",
        {
            "meetings": meetings,
            "notices": selectors.notices_for(viewer=viewer),
            "place": place,
            "can_create": selectors.manageable_places(viewer=viewer).exists(),
            "can_decide": viewer.has_rule("decision.manage"),
        },
    )


def _meeting_form(request: HttpRequest, data: Any = None) -> MeetingForm:
    places = list(selectors.manageable_places(viewer=request.viewer))
    organisations = Organisation.objects.filter(
        kind=OrganisationKind.COUNCIL, places__in=[p.pk for p in places]
    ).distinct()
    return MeetingForm(
        data,
        places=places,
        organisations=organisations,
        initial={"place": request.GET.get("place")},
    )


@domain_pages
def meeting_create(request: HttpRequest) -> HttpResponse:
    form = _meeting_form(request, request.POST or None)
    if not form.fields["place"].choices:
        raise PermissionDenied(_("您无权召集会议。"))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                quorum = None
                if d["quorum"]:
                    num, den = services.fraction_parse(d["quorum"])
                    quorum = (num, den, d["quorum_comparison"] or "at_least")
                meeting = services.meeting_create(
                    viewer=request.viewer,
                    actor=request.user,
                    place=Place.objects.get(pk=d["place"]),
                    kind=d["kind"],
                    title=d["title"],
                    starts_at=d["starts_at"],
                    location=d["location"],
                    organisation=Organisation.objects.filter(pk=d["organisation"]).first(),
                    quorum=quorum,
                )
            except DomainError as e:
                form.add_error(e.field if e.field in form.fields else None, str(e))
            else:
                messages.success(request, _("会议已创建。"))
                return redirect("meetings:detail", pk=meeting.pk)
    return render(request, "meetings/meeting_form.html", {"form": form}, status=status)


def _detail_context(request: HttpRequest, meeting: Meeting) -> dict[str, Any]:
    viewer = request.viewer
    manage = selectors.can_manage(viewer, meeting.place, meeting.kind)
    context: dict[str, Any] = {
        "meeting": meeting,
        "quorum": selectors.quorum_view(meeting),
        "headcount": selectors.headcount(meeting),
        "can_manage": manage,
        "checked_in": bool(viewer.person_id)
        and Attendance.objects.filter(meeting=meeting, person_id=viewer.person_id).exists(),
        "statuses": MeetingStatus,
        "outcomes": DecisionOutcome.choices,
    }
    if manage:
        context.update(
            agenda_form=AgendaForm(),
            needs=selectors.needs_for_agenda(meeting),
            minutes_form=MinutesForm(initial={"minutes": meeting.minutes}),
            decision_form=DecisionForm(),
            quorum_form=QuorumForm(
                initial={
                    "quorum": f"{meeting.quorum_num}/{meeting.quorum_den}",
                    "quorum_comparison": meeting.quorum_comparison,
                    "alt_quorum": f"{meeting.alt_quorum_num}/{meeting.alt_quorum_den}"
                    if meeting.alt_quorum_basis
                    else "",
                    "alt_quorum_comparison": meeting.alt_quorum_comparison,
                }
            ),
            moves=[MeetingStatus(s) for s in services.STATUS_MOVES[meeting.status]],
            **_qr_context(request, meeting),
        )
    return context


def _qr_context(request: HttpRequest, meeting: Meeting) -> dict[str, Any]:
    if not meeting.accepts_attendance:
        return {}
    url = request.build_absolute_uri(
        reverse("meetings:checkin", kwargs={"token": checkin_token_make(meeting)})
    )
    return {"checkin_url": url, "qr": qr_svg(url)}


@domain_pages
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    return render(request, "meetings/meeting_detail.html", _detail_context(request, meeting))


@domain_pages
def meeting_quorum(request: HttpRequest, pk: int) -> HttpResponse:
    """The live quorum fragment, polled by htmx every five seconds."""
    meeting = _meeting(request, pk)
    context = {
        "meeting": meeting,
        "quorum": selectors.quorum_view(meeting),
        "headcount": selectors.headcount(meeting),
    }
    return render(request, "meetings/meeting_detail.html#quorum", context)


@domain_pages
def meeting_qr(request: HttpRequest, pk: int) -> HttpResponse:
    """A fresh QR for the projector (tokens expire; htmx refreshes it)."""
    meeting = _meeting(request, pk)
    if not selectors.can_manage(request.viewer, meeting.place, meeting.kind):
        raise PermissionDenied(_("您无权管理该地点的会议。"))
    context = {"meeting": meeting, "can_manage": True, **_qr_context(request, meeting)}
    return render(request, "meetings/meeting_detail.html#qr", context)


def _act(request: HttpRequest, meeting: Meeting, do: Callable[[], Any], ok: str) -> HttpResponse:
    """Run one service call for the meeting page: on success back to the page with a note; on
    bad input the page again, with the message, status 400, nothing changed."""
    try:
        do()
    except (NotFound, PermissionDenied):
        raise
    except DomainError as e:
        messages.error(request, str(e))
        meeting = _meeting(request, meeting.pk)
        return render(
            request, "meetings/meeting_detail.html", _detail_context(request, meeting), status=400
        )
    messages.success(request, ok)
    return redirect("meetings:detail", pk=meeting.pk)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@require_POST
@domain_pages
def meeting_status(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    status = request.POST.get("status", "")
    return _act(
        request,
        meeting,
        lambda: services.meeting_status_set(
            viewer=request.viewer, actor=request.user, meeting=meeting, status=status
        ),
        _("会议状态已更新。"),
    )


@require_POST
@domain_pages
def meeting_quorum_set(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)

    def do() -> None:
        form = QuorumForm(request.POST)
        if not form.is_valid():
            raise ValidationFailed(_("请填写法定人数比例，例如 2/3。"), field="quorum")
        d = form.cleaned_data
        quorum = (*services.fraction_parse(d["quorum"]), d["quorum_comparison"])
        alt = None
        if d["alt_quorum"]:
            alt = (
                *services.fraction_parse(d["alt_quorum"], field="alt_quorum"),
                d["alt_quorum_comparison"],
            )
        services.meeting_quorum_set(
            viewer=request.viewer,
            actor=request.user,
            meeting=meeting,
            quorum=quorum,
            alt_quorum=alt,
        )

    return _act(request, meeting, do, _("法定人数比例已更新。"))


@require_POST
@domain_pages
def agenda_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)

    def do() -> None:
        need = None
        if need_id := _int(request.POST.get("need")):
            need = selectors.needs_for_agenda(meeting).filter(pk=need_id).first()
            if need is None:
                raise ValidationFailed(_("所选问题不存在。"), field="need")
        services.agenda_item_add(
            viewer=request.viewer,
            actor=request.user,
            meeting=meeting,
            text=request.POST.get("text", ""),
            need=need,
        )

    return _act(request, meeting, do, _("议程已添加。"))


@require_POST
@domain_pages
def notice_send(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    result: dict[str, int] = {}

    def do() -> None:
        result["n"] = services.meeting_notice_send(
            viewer=request.viewer, actor=request.user, meeting=meeting
        )

    response = _act(request, meeting, do, _("会前通知已发出。"))
    if "n" in result:
        messages.info(request, _("本次通知%(n)d人（短信随后发出）。") % result)
    return response


@require_POST
@domain_pages
def checkin_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    return _act(
        request,
        meeting,
        lambda: services.checkin_key_rotate(
            viewer=request.viewer, actor=request.user, meeting=meeting
        ),
        _("已换新签到码，旧二维码作废。"),
    )


@require_POST
@domain_pages
def minutes_save(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    return _act(
        request,
        meeting,
        lambda: services.meeting_minutes_save(
            viewer=request.viewer,
            actor=request.user,
            meeting=meeting,
            minutes=request.POST.get("minutes", ""),
        ),
        _("会议记录已保存。"),
    )


@require_POST
@domain_pages
def photo_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    return _act(
        request,
        meeting,
        lambda: services.meeting_photo_add(
            viewer=request.viewer,
            actor=request.user,
            meeting=meeting,
            upload=request.FILES.get("photo"),
        ),
        _("照片已上传。"),
    )


@require_POST
@domain_pages
def decision_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)

    def do() -> None:
        form = DecisionForm(request.POST)
        if not form.is_valid():
            first = next(iter(form.errors.values()))[0]
            raise ValidationFailed(first)
        d = form.cleaned_data
        item = None
        if d["agenda_item"]:
            item = meeting.agenda.filter(pk=d["agenda_item"]).first()
        services.meeting_decision_record(
            viewer=request.viewer,
            actor=request.user,
            meeting=meeting,
            text=d["text"],
            agenda_item=item,
            outcome=d["outcome"],
            votes_for=d["votes_for"],
            votes_against=d["votes_against"],
            votes_abstain=d["votes_abstain"],
        )

    return _act(request, meeting, do, _("决定已记录。"))


# --- attendance ------------------------------------------------------------------------------
@domain_pages
def roll_call(request: HttpRequest, pk: int) -> HttpResponse:
    """The roll call (点名): tick persons or households, one big button each."""
    meeting = _meeting(request, pk)
    if not selectors.can_manage(request.viewer, meeting.place, meeting.kind):
        raise PermissionDenied(_("您无权管理该地点的会议。"))
    q = request.GET.get("q", "").strip()[:50]
    rows = selectors.roll_call_rows(meeting, query=q)
    context = {
        "meeting": meeting,
        "rows": rows,
        "q": q,
        "quorum": selectors.quorum_view(meeting),
        "headcount": selectors.headcount(meeting),
    }
    if is_htmx(request) and request.headers.get("HX-Target") == "roll":
        return render(request, "meetings/roll_call.html#roll", context)
    return render(request, "meetings/roll_call.html", context)


@require_POST
@domain_pages
def roll_mark(request: HttpRequest, pk: int) -> HttpResponse:
    """Tick or untick one person or household; htmx swaps the button."""
    meeting = _meeting(request, pk)
    present = request.POST.get("present") == "1"
    person = household = None
    if person_id := _int(request.POST.get("person")):
        person = Person.objects.select_related("household").filter(pk=person_id).first()
        if person is None:
            raise NotFound(_("人员不存在。"))
    elif household_id := _int(request.POST.get("household")):
        household = Household.objects.filter(pk=household_id).first()
        if household is None:
            raise NotFound(_("住户不存在。"))
    error = ""
    try:
        services.roll_call_mark(
            viewer=request.viewer,
            actor=request.user,
            meeting=meeting,
            present=present,
            person=person,
            household=household,
        )
    except (NotFound, PermissionDenied):
        raise
    except DomainError as e:
        error = str(e)
        present = not present
    if not is_htmx(request):
        if error:
            messages.error(request, error)
        return redirect("meetings:roll_call", pk=meeting.pk)
    context = {
        "meeting": meeting,
        "person": person,
        "household": household,
        "present": present,
        "error": error,
    }
    return render(request, "meetings/roll_call.html#mark", context, status=400 if error else 200)


@domain_pages
def checkin(request: HttpRequest, token: str) -> HttpResponse:
    """The page a resident's phone opens from the QR: one big button to check in."""
    context: dict[str, Any] = {"token": token}
    if request.method == "POST":
        try:
            _attendance, created = services.attendance_check_in(
                viewer=request.viewer, actor=request.user, token=token
            )
        except DomainError as e:
            context["error"] = str(e)
            return render(request, "meetings/checkin.html", context, status=e.status)
        context.update(done=True, created=created, meeting=_attendance.meeting)
        return render(request, "meetings/checkin.html", context)
    try:
        meeting_id, _key = checkin_token_read(token)
        context["meeting"] = Meeting.objects.select_related("place").get(pk=meeting_id)
    except (DomainError, Meeting.DoesNotExist) as e:
        context["error"] = str(e) if isinstance(e, DomainError) else _("签到码无效。")
    return render(request, "meetings/checkin.html", context)


# --- representatives -------------------------------------------------------------------------
@domain_pages
def representatives(request: HttpRequest, place_pk: int) -> HttpResponse:
    """The village's roll of representatives (村民代表会议组成人员)."""
    place = _place(request, place_pk, "meeting.view")
    assert place is not None
    manage = request.viewer.can_place("meeting.manage", place)
    status = 200
    if request.method == "POST":
        if not manage:
            raise PermissionDenied(_("您无权管理该村（社区）的村民代表名单。"))
        try:
            if end := _int(request.POST.get("end")):
                seat = Representative.objects.filter(place=place, pk=end).first()
                if seat is None:
                    raise NotFound(_("该代表不在名单中。"))
                services.representative_end(viewer=request.viewer, actor=request.user, seat=seat)
            else:
                form = RepresentativeForm(request.POST)
                person = None
                if form.is_valid():
                    person = (
                        Person.objects.select_related("household")
                        .filter(pk=form.cleaned_data["person"])
                        .first()
                    )
                if person is None:
                    raise ValidationFailed(_("请选择人员。"), field="person")
                services.representative_add(
                    viewer=request.viewer,
                    actor=request.user,
                    place=place,
                    person=person,
                    note=form.cleaned_data.get("note", ""),
                )
        except (NotFound, PermissionDenied):
            raise
        except DomainError as e:
            messages.error(request, str(e))
            status = 400
        else:
            messages.success(request, _("村民代表名单已更新。"))
            return redirect("meetings:representatives", place_pk=place.pk)
    seats = selectors.representatives_of(place)
    candidates = []
    if manage:
        seated = {s.person_id for s in seats}
        candidates = [
            p
            for p in Person.objects.filter(subtree_q(place.path, "household__place_path")).order_by(
                "sort_key"
            )[:500]
            if p.pk not in seated
        ]
    return render(
        request,
        "meetings/representatives.html",
        {"place": place, "seats": seats, "can_manage": manage, "candidates": candidates},
        status=status,
    )


# --- 四议两公开 ------------------------------------------------------------------------------
def _decision_places(request: HttpRequest) -> list[Place]:
    return list(
        Place.objects.filter(request.viewer.place_q("decision.manage"))
        .filter(kind__in=["village", "community"])
        .order_by("path")[:200]
    )


@domain_pages
def decision_list(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    places = _decision_places(request) if viewer.has_rule("decision.manage") else []
    form = VillageDecisionForm(request.POST or None)
    form.fields["place"].choices = [(p.pk, p.name) for p in places]
    status = 200
    if request.method == "POST":
        if not places:
            raise PermissionDenied(_("您无权发起四议两公开事项。"))
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                decision = services.village_decision_create(
                    viewer=viewer,
                    actor=request.user,
                    place=Place.objects.get(pk=d["place"]),
                    title=d["title"],
                    description=d["description"],
                )
            except (NotFound, PermissionDenied):
                raise
            except DomainError as e:
                form.add_error(e.field if e.field in form.fields else None, str(e))
            else:
                messages.success(request, _("事项已创建，请从第一步“党组织提议”开始办理。"))
                return redirect("meetings:decision_detail", pk=decision.pk)
    return render(
        request,
        "meetings/decision_list.html",
        {
            "decisions": selectors.village_decision_list(viewer=viewer)[:100],
            "form": form if places else None,
        },
        status=status,
    )


def _decision_context(
    request: HttpRequest, decision: VillageDecision, form: StepForm | None = None
) -> dict[str, Any]:
    viewer = request.viewer
    manage = viewer.can_place("decision.manage", decision.place)
    upcoming = selectors.next_step(decision)
    steps = {s.step: s for s in decision.steps.all()}
    timeline = [
        {"n": n, "label": label, "row": steps.get(n), "next": n == upcoming}
        for n, label in Step.choices
    ]
    context: dict[str, Any] = {
        "decision": decision,
        "timeline": timeline,
        "next_step": upcoming,
        "can_manage": manage,
    }
    if manage and upcoming:
        meetings = selectors.meetings_for_steps(viewer=viewer, decision=decision)
        publishing = upcoming in {Step.PUBLISH_RESOLUTION, Step.PUBLISH_RESULT}
        outcomes = (
            [(StepOutcome.PUBLISHED, StepOutcome.PUBLISHED.label)]
            if publishing
            else [
                (StepOutcome.PASSED, StepOutcome.PASSED.label),
                (StepOutcome.REJECTED, StepOutcome.REJECTED.label),
            ]
        )
        form = form or StepForm(initial={"step": upcoming, "date": timezone.localdate()})
        form.fields["meeting"].widget.choices = [("", "—"), *((m.pk, str(m)) for m in meetings)]
        form.fields["outcome"].choices = outcomes
        holder = selectors.merge_holder(decision.place) if upcoming == Step.PROPOSE else None
        if not holder:
            form.fields.pop("merge_first_two", None)
        posts = selectors.posts_of(decision.place)
        context.update(
            step_form=form,
            step_label=Step(upcoming).label,
            merge_holder=holder,
            posts=[(Post(p).label, posts.get(p)) for p in Post.values],
            post_form=PostForm(),
            residents=Person.objects.filter(
                subtree_q(decision.place_path, "household__place_path")
            ).order_by("sort_key")[:500],
            resolving_bodies=list(services.RESOLVING_BODIES),
        )
    return context


@domain_pages
def decision_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The six steps as a timeline, with the form of the next allowed step."""
    decision = selectors.village_decision_get(viewer=request.viewer, pk=pk)
    return render(request, "meetings/decision_detail.html", _decision_context(request, decision))


@require_POST
@domain_pages
def decision_step(request: HttpRequest, pk: int) -> HttpResponse:
    decision = selectors.village_decision_get(viewer=request.viewer, pk=pk)
    if not request.viewer.can_place("decision.manage", decision.place):
        raise PermissionDenied(_("您无权办理该村（社区）的四议两公开事项。"))
    form = StepForm(request.POST, request.FILES)
    context_form = form
    if form.is_valid():
        d = form.cleaned_data
        meeting = None
        if d["meeting"]:
            meeting = (
                selectors.meetings_for_steps(viewer=request.viewer, decision=decision)
                .filter(pk=d["meeting"])
                .first()
            )
        try:
            if d["meeting"] and meeting is None:
                raise ValidationFailed(_("所选会议不存在。"), field="meeting")
            services.decision_step_record(
                viewer=request.viewer,
                actor=request.user,
                decision=decision,
                step=d["step"],
                date=d["date"],
                body=d["body"],
                outcome=d["outcome"],
                present=d["present"],
                expected=d["expected"],
                meeting=meeting,
                note=d["note"],
                documents=request.FILES.getlist("documents"),
                merge_first_two=d["merge_first_two"],
            )
        except (NotFound, PermissionDenied):
            raise
        except DomainError as e:
            form.add_error(e.field if e.field in form.fields else None, str(e))
        else:
            messages.success(request, _("已记录。"))
            return redirect("meetings:decision_detail", pk=decision.pk)
    decision = selectors.village_decision_get(viewer=request.viewer, pk=pk)
    return render(
        request,
        "meetings/decision_detail.html",
        _decision_context(request, decision, context_form),
        status=400,
    )


@require_POST
@domain_pages
def post_set(request: HttpRequest, pk: int) -> HttpResponse:
    """Record who holds a leading post, from the 四议两公开 page."""
    decision = selectors.village_decision_get(viewer=request.viewer, pk=pk)
    form = PostForm(request.POST)
    form.fields["person"].choices = [
        (p.pk, p.name)
        for p in Person.objects.filter(subtree_q(decision.place_path, "household__place_path"))
    ]
    try:
        if not form.is_valid():
            raise ValidationFailed(_("请选择职务、任职人并填写任职日期。"))
        person = Person.objects.select_related("household").get(pk=form.cleaned_data["person"])
        services.village_post_set(
            viewer=request.viewer,
            actor=request.user,
            place=decision.place,
            post=form.cleaned_data["post"],
            person=person,
            since=form.cleaned_data["since"],
        )
    except (NotFound, PermissionDenied):
        raise
    except DomainError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, _("职务已登记。"))
    return redirect("meetings:decision_detail", pk=decision.pk)


@domain_pages
def photo(request: HttpRequest, pk: int, photo_pk: int) -> HttpResponse:
    """A meeting's photo, only for those who may see the meeting."""
    meeting = _meeting(request, pk)
    row = meeting.photos.filter(pk=photo_pk).first()
    if row is None:
        raise NotFound(_("照片不存在。"))
    response = FileResponse(row.file.open("rb"), content_type=row.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


@domain_pages
def document(request: HttpRequest, pk: int, doc_pk: int) -> HttpResponse:
    """A document of a 四议两公开 step, for those who may see the procedure."""
    decision = selectors.village_decision_get(viewer=request.viewer, pk=pk)
    row = StepDocument.objects.filter(step__decision=decision, pk=doc_pk).first()
    if row is None:
        raise NotFound(_("文件不存在。"))
    return FileResponse(
        row.file.open("rb"), content_type=row.content_type, as_attachment=True, filename=row.name
    )
