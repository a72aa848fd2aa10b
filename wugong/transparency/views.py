"""Pages of public notices: the public board of a place (no sign-in), a notice with its
objections and answers, its PDF, and the cadres' drafting and publishing."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wugong.core.errors import DomainError, NotFound
from wugong.core.http import run_then_redirect
from wugong.places.models import Place
from wugong.transparency import selectors, services
from wugong.transparency.chain import link_for_key
from wugong.transparency.forms import AnswerForm, NoticeForm, ObjectionForm, PublishForm
from wugong.transparency.models import Notice, NoticeStatus, Objection
from wugong.transparency.pdf import render_notice_pdf


def _form_error(form: object, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, str(error))  # type: ignore[attr-defined]


def place_board(request: HttpRequest, place_id: int) -> HttpResponse:
    """The public notice board of a place (村务公开栏): open to everyone."""
    place = get_object_or_404(Place, pk=place_id)
    board = selectors.place_notices_public(place=place)
    return render(
        request,
        "transparency/place_board.html",
        {
            "place": place,
            "current": board.current,
            "past": board.past,
            "can_manage": services.can_manage_notice_place(request.viewer, place),
        },
    )


def _notice(request: HttpRequest, pk: int) -> Notice:
    try:
        return selectors.notice_get(viewer=request.viewer, pk=pk)
    except NotFound as e:
        raise Http404(str(e)) from None


def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A notice: text, period, hash, objections with their answers (public)."""
    notice = _notice(request, pk)
    viewer = request.viewer
    can_manage = services.can_manage_notice_place(viewer, notice.place)
    can_answer = services.can_manage_notice_place(viewer, notice.place, "notice.answer")
    facts = selectors.notice_facts(notice)
    return render(
        request,
        "transparency/notice_detail.html",
        {
            "notice": notice,
            **facts,
            "hash_ok": selectors.notice_hash_matches(notice),
            "chain_link": link_for_key(f"notice:{notice.pk}"),
            "objections": selectors.notice_objections(notice=notice, show_photos=can_answer),
            "can_manage": can_manage,
            "can_answer": can_answer,
            "can_object": facts["is_current"] and services.can_object(viewer, notice),
            "objection_form": ObjectionForm(),
            "publish_form": PublishForm(initial={"days": services.notice_days_default()}),
            "is_draft": notice.status == NoticeStatus.DRAFT,
            "is_published": notice.status == NoticeStatus.PUBLISHED,
        },
    )


def notice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The notice as an A4 PDF with a QR code to this page and the hash in the footer."""
    notice = _notice(request, pk)
    url = selectors.absolute_url(request, selectors.notice_url(notice))
    verify_url = selectors.absolute_url(request, reverse("transparency:chain_check"))
    pdf = render_notice_pdf(selectors.notice_print(notice=notice, url=url, verify_url=verify_url))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="notice-{notice.pk}.pdf"'
    return response


@login_required
def notice_list(request: HttpRequest) -> HttpResponse:
    """The notices a cadre manages: drafts, current, ended, with unanswered objections."""
    viewer = request.viewer
    if not viewer.has_rule("notice.manage"):
        raise PermissionDenied
    page = Paginator(selectors.notices_managed(viewer=viewer), 30).get_page(request.GET.get("page"))
    return render(request, "transparency/notice_list.html", {"page": page})


@login_required
def notice_create(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    places = selectors.manageable_places(viewer=viewer)
    if not places:
        raise PermissionDenied
    form = NoticeForm(
        request.POST or None, places=places, initial={"place": request.GET.get("place")}
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        place = next(p for p in places if p.pk == d["place"])
        try:
            notice = services.notice_create(
                viewer=viewer,
                place=place,
                title=d["title"],
                body=d["body"],
                kind=d["kind"],
                issuer=d["issuer"],
                actor=request.user,
            )
        except DomainError as e:
            _form_error(form, e)
        else:
            messages.success(request, _("公示草稿已保存，请核对后发布。"))
            return redirect("transparency:notice_detail", pk=notice.pk)
    return render(request, "transparency/notice_form.html", {"form": form})


@login_required
def notice_edit(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _notice(request, pk)
    viewer = request.viewer
    if not services.can_manage_notice_place(viewer, notice.place):
        raise PermissionDenied
    initial = {k: getattr(notice, k) for k in ("kind", "title", "body", "issuer")}
    form = NoticeForm(
        request.POST or None, places=[notice.place], initial={**initial, "place": notice.place_id}
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.notice_update(
                viewer=viewer,
                notice=notice,
                title=d["title"],
                body=d["body"],
                kind=d["kind"],
                issuer=d["issuer"],
                actor=request.user,
            )
        except DomainError as e:
            _form_error(form, e)
        else:
            return redirect("transparency:notice_detail", pk=notice.pk)
    return render(request, "transparency/notice_form.html", {"form": form, "notice": notice})


def _run(request: HttpRequest, pk: int, ok: str, action) -> HttpResponse:  # type: ignore[no-untyped-def]
    return run_then_redirect(request, action, ok=ok, to="transparency:notice_detail", pk=pk)


@login_required
@require_POST
def notice_publish(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _notice(request, pk)
    form = PublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("公示天数应为1到90天。"))
        return redirect("transparency:notice_detail", pk=pk)
    return _run(
        request,
        pk,
        _("公示已发布。"),
        lambda: services.notice_publish(
            viewer=request.viewer, notice=notice, days=form.cleaned_data["days"], actor=request.user
        ),
    )


@login_required
@require_POST
def notice_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _notice(request, pk)
    return _run(
        request,
        pk,
        _("公示已撤回，撤回记录会保留在公示栏。"),
        lambda: services.notice_withdraw(
            viewer=request.viewer,
            notice=notice,
            reason=request.POST.get("reason", ""),
            actor=request.user,
        ),
    )


@login_required
@require_POST
def notice_attach(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _notice(request, pk)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("请选择要上传的文件。"))
        return redirect("transparency:notice_detail", pk=pk)
    return _run(
        request,
        pk,
        _("附件已添加。"),
        lambda: services.notice_attachment_add(
            viewer=request.viewer, notice=notice, upload=upload, actor=request.user
        ),
    )


@login_required
@require_POST
def objection_submit(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _notice(request, pk)
    form = ObjectionForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("请填写异议内容（不超过1000个字）。"))
        return redirect("transparency:notice_detail", pk=pk)
    return _run(
        request,
        pk,
        _("异议已提交，将在本页公开答复。"),
        lambda: services.objection_submit(
            viewer=request.viewer,
            notice=notice,
            text=form.cleaned_data["text"],
            photo=form.cleaned_data.get("photo"),
            actor=request.user,
        ),
    )


@login_required
@require_POST
def objection_answer(request: HttpRequest, pk: int) -> HttpResponse:
    objection = get_object_or_404(Objection, pk=pk)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写答复内容（不超过2000个字）。"))
        return redirect("transparency:notice_detail", pk=objection.notice_id)
    return _run(
        request,
        objection.notice_id,
        _("答复已公开。"),
        lambda: services.objection_answer(
            viewer=request.viewer,
            objection=objection,
            text=form.cleaned_data["text"],
            actor=request.user,
        ),
    )
