"""Forms: parse what people type; the services decide what is valid in the domain."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from wugong.volunteers.models import TeamKind

_DT = {
    "widget": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    "input_formats": ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
}


class ActivityForm(forms.Form):
    team = forms.TypedChoiceField(label=_("服务队"), coerce=int)
    place = forms.TypedChoiceField(
        label=_("地点（留空为服务队所在地）"), coerce=int, required=False, empty_value=None
    )
    title = forms.CharField(label=_("活动名称"), max_length=100)
    description = forms.CharField(
        label=_("活动内容"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    location = forms.CharField(label=_("集合地点"), max_length=100, required=False)
    starts_at = forms.DateTimeField(label=_("开始时间"), **_DT)  # type: ignore[arg-type]
    ends_at = forms.DateTimeField(label=_("结束时间"), **_DT)  # type: ignore[arg-type]
    needs = forms.CharField(label=_("需要什么（工具、技能等）"), max_length=300, required=False)
    quota = forms.IntegerField(label=_("招募人数"), min_value=1, max_value=10000)
    hours_cap = forms.CharField(
        label=_("每人时长上限（小时，留空按活动时长）"), max_length=8, required=False
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, teams=(), places=(), **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("idempotency_key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [(t.pk, f"{t.place.name} · {t.name}") for t in teams]
        self.fields["place"].choices = [("", "—"), *((p.pk, p.name) for p in places)]


class TeamForm(forms.Form):
    place = forms.TypedChoiceField(label=_("所属村（社区）"), coerce=int)
    name = forms.CharField(label=_("队名"), max_length=100)
    kind = forms.ChoiceField(label=_("类型"), choices=TeamKind.choices)
    description = forms.CharField(
        label=_("简介"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, places=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["place"].choices = [(p.pk, p.name) for p in places]
