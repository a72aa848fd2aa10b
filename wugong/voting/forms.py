"""Forms for votes: creating one, and reading a ballot or an offline count from a POST."""

import datetime as dt
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wugong.core.errors import ValidationFailed
from wugong.voting.models import (
    BallotUnit,
    EstateMatter,
    MajorityBase,
    MajorityComparison,
    MotionPreset,
    RankedRule,
    Vote,
    VoteMethod,
    VoteOption,
)

_LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class VoteForm(forms.Form):
    place = forms.TypedChoiceField(label=gettext_lazy("地点"), coerce=int)
    title = forms.CharField(label=gettext_lazy("表决事项"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    method = forms.ChoiceField(label=gettext_lazy("表决方式"), choices=VoteMethod.choices)
    unit = forms.ChoiceField(label=gettext_lazy("投票单位"), choices=BallotUnit.choices)
    secret = forms.BooleanField(label=gettext_lazy("不记名投票（凭回执码核对）"), required=False)
    options = forms.CharField(
        label=gettext_lazy("选项（每行一个；赞成/反对/弃权类表决不用填）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    opens_at = forms.DateTimeField(
        label=gettext_lazy("开始时间"), widget=_LOCAL, input_formats=["%Y-%m-%dT%H:%M"]
    )
    closes_at = forms.DateTimeField(
        label=gettext_lazy("截止时间"), widget=_LOCAL, input_formats=["%Y-%m-%dT%H:%M"]
    )
    preset = forms.ChoiceField(
        label=gettext_lazy("议事规则（法定人数与通过比例）"),
        choices=[("", gettext_lazy("按地点自动选择法定规则")), *MotionPreset.choices],
        required=False,
    )
    majority = forms.CharField(
        label=gettext_lazy("自定义通过比例（如 2/3）"), required=False, max_length=10
    )
    majority_comparison = forms.ChoiceField(
        label=gettext_lazy("比例口径"), choices=MajorityComparison.choices, required=False
    )
    majority_base = forms.ChoiceField(
        label=gettext_lazy("表决基数"), choices=MajorityBase.choices, required=False
    )
    max_choices = forms.IntegerField(
        label=gettext_lazy("每票最多选几项（限选）"), required=False, min_value=1
    )
    seats = forms.IntegerField(label=gettext_lazy("应选名额"), initial=1, min_value=1)
    ranked_rule = forms.ChoiceField(
        label=gettext_lazy("排序计票规则"), choices=RankedRule.choices, required=False
    )
    estate_matter = forms.ChoiceField(
        label=gettext_lazy("业主表决事项（民法典第二百七十八条）"),
        choices=[("", "—"), *EstateMatter.choices],
        required=False,
    )
    building_unit = forms.CharField(
        label=gettext_lazy("只限某单元（如 1）"), required=False, max_length=20
    )
    cost_total_yuan = forms.DecimalField(
        label=gettext_lazy("分摊总额（元）"), required=False, min_value=0, decimal_places=2
    )
    floor_weights = forms.CharField(
        label=gettext_lazy("楼层分摊系数（每行“楼层:系数”，如 1:0）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    cost_by_area = forms.BooleanField(label=gettext_lazy("按系数×面积分摊"), required=False)

    def __init__(self, *args: Any, places: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["place"].choices = [(p.pk, str(p)) for p in places]
        now = timezone.localtime().replace(second=0, microsecond=0)
        self.fields["opens_at"].initial = now
        self.fields["closes_at"].initial = now + dt.timedelta(days=3)

    def service_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        majority = None
        if d.get("majority"):
            try:
                num, den = (int(x) for x in d["majority"].replace("／", "/").split("/"))
            except ValueError:
                raise ValidationFailed(
                    _("通过比例应写成 2/3 这样的分数。"), field="majority"
                ) from None
            majority = (num, den)
        weights: dict[str, str] = {}
        for line in (d.get("floor_weights") or "").splitlines():
            if not line.strip():
                continue
            floor, sep, weight = line.replace("：", ":").partition(":")
            if not sep:
                raise ValidationFailed(_("楼层系数每行写成“楼层:系数”。"), field="floor_weights")
            weights[floor.strip()] = weight.strip()
        fen = None
        if d.get("cost_total_yuan") is not None:
            fen = int((d["cost_total_yuan"] * 100).to_integral_value())
        return {
            "title": d["title"],
            "description": d.get("description", ""),
            "method": d["method"],
            "unit": d["unit"],
            "secret": d.get("secret", False),
            "options": (d.get("options") or "").splitlines(),
            "opens_at": d["opens_at"],
            "closes_at": d["closes_at"],
            "preset": d.get("preset", ""),
            "majority": majority,
            "majority_comparison": d.get("majority_comparison") or MajorityComparison.AT_LEAST,
            "majority_base": d.get("majority_base") or MajorityBase.PRESENT,
            "max_choices": d.get("max_choices"),
            "seats": d.get("seats") or 1,
            "ranked_rule": d.get("ranked_rule") or RankedRule.IRV,
            "estate_matter": d.get("estate_matter", ""),
            "building_unit": d.get("building_unit", ""),
            "cost_total_fen": fen,
            "floor_weights": weights or None,
            "cost_by_area": d.get("cost_by_area", False),
        }


def choices_from_post(vote: Vote, options: list[VoteOption], data: QueryDict) -> dict[int, int]:
    """Read a ballot from the cast form: ``choice`` (one option), ``option`` (checkboxes),
    ``stars_<id>`` (0–5) or ``rank_<id>`` (1, 2, 3 … ; empty = not ranked)."""
    try:
        if vote.method in {VoteMethod.MOTION, VoteMethod.ESTATE}:
            choice = data.get("choice")
            return {int(choice): 1} if choice else {}
        if vote.method == VoteMethod.APPROVAL:
            return {int(i): 1 for i in data.getlist("option")}
        prefix = "stars_" if vote.method == VoteMethod.STARS else "rank_"
        out = {}
        for o in options:
            raw = (data.get(f"{prefix}{o.pk}") or "").strip()
            if raw:
                out[o.pk] = int(raw)
        return out
    except ValueError:
        raise ValidationFailed(_("选票内容无效。"), field="choices") from None


class OfflineForm(forms.Form):
    meeting = forms.CharField(label=gettext_lazy("现场会议/地点"), max_length=200)
    photo = forms.FileField(label=gettext_lazy("黑板或举手计票照片"), required=False)
    note = forms.CharField(
        label=gettext_lazy("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


def offline_counts_from_post(options: list[VoteOption], data: QueryDict) -> dict[int, str]:
    """``count_<id>``: a number or a 正 tally as written on the blackboard."""
    return {o.pk: (data.get(f"count_{o.pk}") or "").strip() for o in options}


def proxies_from_post(data: QueryDict) -> dict[int, int]:
    """``proxy_<entry id>`` = the person id of who held that entry's proxy."""
    out = {}
    for key, value in data.items():
        if key.startswith("proxy_") and value:
            try:
                out[int(key[6:])] = int(value)
            except ValueError:
                raise ValidationFailed(_("委托信息无效。"), field="proxies") from None
    return out
