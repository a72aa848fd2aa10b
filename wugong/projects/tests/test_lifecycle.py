"""The lifecycle: proposed (from a decided need or a motion) → planned → fund-raising →
building → accepted (residents' check) → upkeep. Each change is a dated event with its actor,
shown on the public timeline, and an audit event."""

import datetime as dt

import pytest

from wugong.core.errors import PermissionDenied, ValidationFailed
from wugong.core.models import AuditEvent
from wugong.needs import services as need_services
from wugong.needs.models import Status as NeedStatus
from wugong.people.rules import viewer_for
from wugong.projects import services
from wugong.projects.models import Project, Stage
from wugong.projects.tests.conftest import D0, as_, jpeg_with_exif

pytestmark = pytest.mark.django_db


def _decided_need(cast, text="二组到小学的路要修"):  # type: ignore[no-untyped-def]
    need = need_services.need_submit(
        viewer=viewer_for(cast.resident_a), actor=cast.resident_a, text=text
    )
    for s in ("discussing", "decided"):
        need = need_services.need_status_change(
            viewer=viewer_for(cast.cadre_a), actor=cast.cadre_a, need=need, status=s
        )
    return need


def test_a_decided_need_becomes_a_project_and_moves_to_in_project(cast, client_for):
    """Proposing from a decided need links it and marks the need 已立项."""
    need = _decided_need(cast)
    r = client_for(cast.cadre_a).post(
        "/api/v1/projects/",
        {"place": cast.county.village_a.pk, "title": "修二组到小学的路", "need": need.pk},
        "application/json",
    )
    assert r.status_code == 201, r.content
    assert r.json()["stage"] == "proposed"
    need.refresh_from_db()
    assert need.status == NeedStatus.IN_PROJECT
    assert Project.objects.get(pk=r.json()["id"]).need_id == need.pk


def test_an_undecided_need_or_no_origin_is_refused(cast):
    """Only a decided need (or a motion) starts a project."""
    me = as_(cast.cadre_a)
    fresh = need_services.need_submit(
        viewer=viewer_for(cast.resident_a), actor=cast.resident_a, text="装路灯"
    )
    with pytest.raises(ValidationFailed) as e:
        services.project_propose(**me, place=cast.county.village_a, title="路灯", need=fresh)
    assert str(e.value) == "只有“已决定”的问题才能立项。"
    with pytest.raises(ValidationFailed) as e:
        services.project_propose(**me, place=cast.county.village_a, title="路灯")
    assert e.value.code == "origin"
    assert Project.objects.count() == 0


def test_the_whole_lifecycle_is_a_dated_public_timeline(cast, client_for):
    """Each stage change is recorded with its date and actor; the public page (no sign-in)
    lists them in order."""
    me = as_(cast.cadre_a)
    p = services.project_propose(
        **me, place=cast.county.village_a, title="竹篱笆", motion="院场会商定", on=D0
    )
    with pytest.raises(ValidationFailed) as e:
        services.project_stage_change(**me, project=p, stage="planned")
    assert e.value.code == "plan_incomplete"
    p = services.project_plan(
        **me,
        project=p,
        scope="菜园围竹篱笆200米",
        plan="群众出竹子、出工",
        budget_fen=500000,
        tender_estimate_fen=10_000_000,
        responsible="张德明",
        on=D0 + dt.timedelta(days=1),
    )
    assert p.stage == Stage.PLANNED
    with pytest.raises(ValidationFailed) as e:
        services.project_stage_change(**me, project=p, stage="accepted")
    assert str(e.value) == "不能从“已规划”改为“已验收”。"
    p = services.project_stage_change(
        **me, project=p, stage="building", on=D0 + dt.timedelta(days=2)
    )
    services.milestone_add(**me, project=p, title="立桩", due_on=D0 + dt.timedelta(days=4))
    services.project_progress(
        **me, project=p, progress_pct=60, on=D0 + dt.timedelta(days=5), text="桩已立好"
    )
    services.photo_add(
        **me, project=p, phase="during", taken_on=D0 + dt.timedelta(days=5), upload=jpeg_with_exif()
    )
    with pytest.raises(ValidationFailed) as e:
        services.project_stage_change(
            **me, project=p, stage="accepted", text="不满意", acceptance_for=3, acceptance_against=5
        )
    assert e.value.code == "acceptance_failed"
    p = services.project_stage_change(
        **me,
        project=p,
        stage="accepted",
        on=D0 + dt.timedelta(days=10),
        text="篱笆结实整齐",
        acceptance_for=23,
        acceptance_against=1,
    )
    assert p.progress_pct == 100 and p.accepted_on == D0 + dt.timedelta(days=10)
    with pytest.raises(ValidationFailed):
        services.project_stage_change(**me, project=p, stage="upkeep")
    p = services.project_stage_change(
        **me, project=p, stage="upkeep", caretaker="一组村民轮流", on=D0 + dt.timedelta(days=11)
    )
    assert p.stage == Stage.UPKEEP
    page = client_for(cast.resident_b).get(f"/projects/{p.pk}/")
    from django.test import Client

    public = Client().get(f"/projects/{p.pk}/")
    assert public.status_code == 200
    html = public.content.decode()
    for text in (
        "2025-04-01",
        "提议",
        "→ 已规划",
        "→ 建设中",
        "进度60%：桩已立好",
        "群众验收：23人同意，1人不同意。篱笆结实整齐",
        "管护人：一组村民轮流。",
        "用时 9 天",
    ):
        assert text in html, text
    assert page.status_code == 200
    timeline = Client().get(f"/api/v1/projects/{p.pk}/timeline").json()
    stages = [e["to_stage"] for e in timeline if e["kind"] == "stage"]
    assert stages == ["proposed", "planned", "building", "accepted", "upkeep"]
    assert all(e["actor_name"] for e in timeline)
    actions = set(
        AuditEvent.objects.filter(object_type="projects.project", object_id=str(p.pk)).values_list(
            "action", flat=True
        )
    )
    assert {"project.propose", "project.plan", "project.stage", "project.progress"} <= actions


def test_only_cadres_of_the_place_manage(cast, client_for, project_at):
    """A resident, another village's cadre or a supervisor cannot move a project; the page
    answers 403 and the API a Chinese 403."""
    p = project_at("planned")
    for user in (cast.resident_a, cast.cadre_b, cast.town_supervisor):
        with pytest.raises(PermissionDenied):
            services.project_stage_change(**as_(user), project=p, stage="building")
    r = client_for(cast.cadre_b).post(
        f"/api/v1/projects/{p.pk}/stage", {"stage": "building"}, "application/json"
    )
    assert r.status_code == 403 and r.json()["detail"] == "您没有管理这个项目的权限。"
    assert (
        client_for(cast.resident_a)
        .post(f"/projects/{p.pk}/do/stage/", {"stage": "building"})
        .status_code
        == 403
    )
    p.refresh_from_db()
    assert p.stage == Stage.PLANNED


def test_pages_render_for_cadres_and_the_public(cast, client_for, project_at):
    """The cadre sees the management forms; the public and residents see none."""
    from django.test import Client

    p = project_at("building")
    cadre = client_for(cast.cadre_a).get(f"/projects/{p.pk}/").content.decode()
    assert "干部管理" in cadre and "登记贡献" in cadre
    assert "干部管理" not in Client().get(f"/projects/{p.pk}/").content.decode()
    resident = client_for(cast.resident_a).get(f"/projects/{p.pk}/").content.decode()
    assert "干部管理" not in resident and "我要认捐" in resident
    assert Client().get("/projects/").status_code == 200
    assert client_for(cast.cadre_a).get("/projects/new/").status_code == 200
    assert client_for(cast.resident_a).get("/projects/new/").status_code == 403
    assert Client().get("/projects/99999/").status_code == 404
