"""Forms for surveys: parse what cadres type; the services decide validity."""

from django import forms
from django.utils.translation import gettext_lazy as _

from wugong.surveys.models import QuestionKind


class SurveyForm(forms.Form):
    place = forms.TypedChoiceField(label=_("地点"), coerce=int)
    title = forms.CharField(label=_("标题"), max_length=100)
    description = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    anonymous = forms.BooleanField(
        label=_("匿名问卷（不记录谁答了什么）"), required=False, initial=True
    )

    def __init__(self, *args, places=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["place"].choices = [(p.pk, p.name) for p in places]


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("题型"), choices=QuestionKind.choices)
    text = forms.CharField(label=_("题目"), max_length=300)
    choices = forms.CharField(
        label=_("选项（选择题填写，每行一个）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    required = forms.BooleanField(label=_("必答"), required=False, initial=True)
