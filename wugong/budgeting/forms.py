"""Forms of the budget pages: amounts typed in yuan become exact fen (never a float)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from wugong.budgeting.models import BallotKind, BudgetRound, Project, Rule
from wugong.budgeting.services import RoundSettings, round_settings_clean
from wugong.core.errors import ValidationFailed

_MONEY_RE = re.compile(r"^\d+(\.\d{1,2})?$")


def yuan_to_fen(text: str) -> int:
    """ "200,000.00" / "¥1,234.5" / "30000" → fen. More than two decimals is refused."""
    clean = re.sub(r"[\s,，¥￥元]", "", text or "")
    if not _MONEY_RE.match(clean):
        raise ValueError(text)
    try:
        return int(Decimal(clean) * 100)
    except InvalidOperation:
        raise ValueError(text) from None


def fen_to_input(fen: int | None) -> str:
    if fen is None:
        return ""
    whole, cents = divmod(fen, 100)
    return f"{whole}" if not cents else f"{whole}.{cents:02d}"


class MoneyField(forms.CharField):
    """An amount in yuan (元), exact to the fen."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})

    def prepare_value(self, value: Any) -> Any:
        return fen_to_input(value) if isinstance(value, int) else value

    def clean(self, value: Any) -> int | None:  # type: ignore[override]
        text = super().clean(value)
        if text in self.empty_values:
            return None
        try:
            return yuan_to_fen(text)
        except ValueError:
            raise forms.ValidationError(
                _("请填写金额（元），最多两位小数，例如 200000 或 1234.50。")
            ) from None


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class RoundForm(forms.Form):
    place = forms.TypedChoiceField(label=_lazy("地点"), coerce=int)
    title = forms.CharField(label=_lazy("名称"), max_length=100)
    description = forms.CharField(
        label=_lazy("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    fund = MoneyField(label=_lazy("资金（元）"))
    matching = MoneyField(label=_lazy("配套资金（元，可不填）"), required=False)
    matching_source = forms.CharField(
        label=_lazy("配套来源"),
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"placeholder": _lazy("例如：镇财政配套")}),
    )
    ballot_kind = forms.ChoiceField(
        label=_lazy("投票方式"), choices=BallotKind.choices, initial=BallotKind.APPROVAL
    )
    min_choices = forms.IntegerField(label=_lazy("至少选几项"), min_value=0, initial=0)
    max_choices = forms.IntegerField(
        label=_lazy("最多选几项（不填为不限）"), min_value=1, required=False
    )
    total_points = forms.IntegerField(
        label=_lazy("每人点数（分配点数时）"), min_value=1, max_value=1000, required=False
    )
    points_exact = forms.BooleanField(label=_lazy("须用完全部点数"), required=False, initial=True)
    rule = forms.ChoiceField(label=_lazy("分配规则"), choices=Rule.choices, initial=Rule.MES)
    opens_at = forms.DateTimeField(label=_lazy("投票开始"), widget=DateTimeLocalInput())
    closes_at = forms.DateTimeField(label=_lazy("投票截止"), widget=DateTimeLocalInput())

    def __init__(self, *args: Any, places: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if places is None:
            del self.fields["place"]
        else:
            self.fields["place"].choices = [
                (p.pk, f"{'　' * max(0, p.depth - 2)}{p.name}") for p in places
            ]

    @staticmethod
    def initial_for(budget_round: BudgetRound) -> dict[str, Any]:
        fields = [
            "title",
            "description",
            "fund",
            "matching",
            "matching_source",
            "ballot_kind",
            "min_choices",
            "max_choices",
            "total_points",
            "points_exact",
            "rule",
        ]
        from django.utils import timezone

        initial = {f: getattr(budget_round, f) for f in fields}
        initial["opens_at"] = timezone.localtime(budget_round.opens_at)
        initial["closes_at"] = timezone.localtime(budget_round.closes_at)
        return initial

    def settings(self) -> RoundSettings:
        """The validated settings, or ValidationFailed naming the field."""
        d = self.cleaned_data
        return round_settings_clean(
            title=d["title"],
            description=d.get("description", ""),
            fund=d["fund"] or 0,
            matching=d.get("matching") or 0,
            matching_source=d.get("matching_source", ""),
            ballot_kind=d["ballot_kind"],
            min_choices=d.get("min_choices") or 0,
            max_choices=d.get("max_choices"),
            total_points=d.get("total_points"),
            points_exact=bool(d.get("points_exact")),
            rule=d["rule"],
            opens_at=d["opens_at"],
            closes_at=d["closes_at"],
        )

    def add_domain_error(self, e: ValidationFailed) -> None:
        self.add_error(e.field if e.field in self.fields else None, str(e))


class ProjectForm(forms.Form):
    need = forms.TypedChoiceField(label=_lazy("来自问题清单"), coerce=int, required=False)
    title = forms.CharField(
        label=_lazy("项目名称（不填则用问题标题）"), max_length=100, required=False
    )
    description = forms.CharField(
        label=_lazy("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    cost = MoneyField(label=_lazy("估算费用（元）"))

    def __init__(self, *args: Any, needs: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["need"].choices = [("", _("（不关联问题）"))] + [
            (n.pk, f"#{n.pk} {n.title}（{n.get_status_display()}）") for n in (needs or [])
        ]


class ImportForm(forms.Form):
    place = forms.TypedChoiceField(label=_lazy("地点"), coerce=int)
    title = forms.CharField(label=_lazy("名称（不填则用文件中的 description）"), required=False)
    file = forms.FileField(label=_lazy(".pb 文件"))

    def __init__(self, *args: Any, places: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["place"].choices = [(p.pk, p.name) for p in places]


MAX_PB_BYTES = 20 * 1024 * 1024


def pb_text(upload: Any) -> str:
    """The text of an uploaded .pb file (UTF-8, optional BOM)."""
    if upload.size > MAX_PB_BYTES:
        raise ValidationFailed(_("文件不能超过20MB。"), field="file")
    try:
        return upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed(_("文件不是 UTF-8 编码的文本。"), field="file") from None


def choice_from_post(
    budget_round: BudgetRound, projects: list[Project], data: QueryDict
) -> dict[int, int]:
    """The ballot from a form: ``p`` checkboxes (approval) or ``pts_<pk>`` numbers (points).
    A stepper click (``step=<pk>:+1``) moves one point, kept within 0 and the total."""
    if budget_round.is_points:
        choice: dict[int, int] = {}
        for p in projects:
            raw = (data.get(f"pts_{p.pk}") or "0").strip() or "0"
            try:
                choice[p.pk] = max(0, int(raw))
            except ValueError:
                raise ValidationFailed(_("点数应为整数。"), field="choice") from None
        step = data.get("step", "")
        if step:
            pk_text, _sep, delta_text = step.partition(":")
            try:
                pk, delta = int(pk_text), int(delta_text)
            except ValueError:
                pk, delta = 0, 0
            if pk in choice and delta in (-1, 1):
                spent = sum(choice.values())
                total = budget_round.total_points or 0
                if delta < 0 and choice[pk] > 0:
                    choice[pk] -= 1
                elif delta > 0 and spent < total:
                    choice[pk] += 1
        return choice
    known = {p.pk for p in projects}
    chosen: dict[int, int] = {}
    for raw in data.getlist("p"):
        try:
            pk = int(raw)
        except ValueError:
            raise ValidationFailed(_("选票内容无效。"), field="choice") from None
        if pk not in known:
            raise ValidationFailed(_("选票含有不属于本次预算的项目。"), field="choice")
        chosen[pk] = 1
    return chosen
