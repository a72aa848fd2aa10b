"""Forms: parse what people type; the services decide what is valid in the domain."""

from django import forms
from django.utils.translation import gettext_lazy as _

from wugong.meetings.models import Comparison, DecisionOutcome, MeetingKind, Post, StepOutcome


class MeetingForm(forms.Form):
    place = forms.TypedChoiceField(label=_("地点"), coerce=int)
    kind = forms.ChoiceField(label=_("会议类型"), choices=MeetingKind.choices)
    title = forms.CharField(label=_("会议名称"), max_length=100)
    starts_at = forms.DateTimeField(
        label=_("开会时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    location = forms.CharField(label=_("开会地点"), max_length=100)
    organisation = forms.TypedChoiceField(
        label=_("理事会（议事会）"), coerce=int, required=False, empty_value=None
    )
    quorum = forms.CharField(
        label=_("法定人数比例（留空按法律规定，如 2/3）"), max_length=10, required=False
    )
    quorum_comparison = forms.ChoiceField(
        label=_("比较方式"), choices=Comparison.choices, required=False
    )

    def __init__(self, *args, places=(), organisations=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["place"].choices = [(p.pk, p.name) for p in places]
        self.fields["organisation"].choices = [("", "—"), *((o.pk, o.name) for o in organisations)]


class QuorumForm(forms.Form):
    quorum = forms.CharField(label=_("法定人数比例"), max_length=10)
    quorum_comparison = forms.ChoiceField(label=_("比较方式"), choices=Comparison.choices)
    alt_quorum = forms.CharField(label=_("户代表比例"), max_length=10, required=False)
    alt_quorum_comparison = forms.ChoiceField(
        label=_("比较方式"), choices=Comparison.choices, required=False
    )


class AgendaForm(forms.Form):
    text = forms.CharField(label=_("议题"), max_length=300, required=False)
    need = forms.IntegerField(label=_("或选择问题清单中的事项"), required=False)


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label=_("会议记录"), widget=forms.Textarea(attrs={"rows": 8}), required=False
    )


class DecisionForm(forms.Form):
    text = forms.CharField(label=_("决定内容"), widget=forms.Textarea(attrs={"rows": 3}))
    agenda_item = forms.IntegerField(label=_("议题"), required=False)
    votes_for = forms.IntegerField(label=_("赞成"), min_value=0, required=False)
    votes_against = forms.IntegerField(label=_("反对"), min_value=0, required=False)
    votes_abstain = forms.IntegerField(label=_("弃权"), min_value=0, required=False)
    outcome = forms.ChoiceField(
        label=_("结果（未填票数时）"),
        choices=[("", "—"), *DecisionOutcome.choices],
        required=False,
    )


class RepresentativeForm(forms.Form):
    person = forms.IntegerField(label=_("人员"))
    note = forms.CharField(label=_("说明"), max_length=100, required=False)


class PostForm(forms.Form):
    post = forms.ChoiceField(label=_("职务"), choices=Post.choices)
    person = forms.TypedChoiceField(label=_("任职人"), coerce=int)
    since = forms.DateField(label=_("任职日期"), widget=forms.DateInput(attrs={"type": "date"}))


class VillageDecisionForm(forms.Form):
    place = forms.TypedChoiceField(label=_("村（社区）"), coerce=int)
    title = forms.CharField(label=_("事项"), max_length=100)
    description = forms.CharField(
        label=_("事项说明"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class StepForm(forms.Form):
    step = forms.IntegerField(widget=forms.HiddenInput)
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    body = forms.CharField(label=_("会议或机构"), max_length=100, required=False)
    meeting = forms.IntegerField(label=_("所开的会议（可选）"), required=False, widget=forms.Select)
    present = forms.IntegerField(label=_("实到"), min_value=0, required=False)
    expected = forms.IntegerField(label=_("应到"), min_value=0, required=False)
    outcome = forms.ChoiceField(label=_("结果"), choices=StepOutcome.choices)
    note = forms.CharField(
        label=_("说明（公开步骤请写明公开方式、地点和期限）"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    merge_first_two = forms.BooleanField(
        label=_("书记、主任“一肩挑”，第一、二步合并办理"), required=False
    )
