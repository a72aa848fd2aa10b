"""Forms for notices: parse what cadres and residents type; the services decide validity."""

from django import forms
from django.utils.translation import gettext_lazy as _

from wugong.transparency.models import NoticeKind


class NoticeForm(forms.Form):
    place = forms.TypedChoiceField(label=_("地点"), coerce=int)
    kind = forms.ChoiceField(label=_("类型"), choices=NoticeKind.choices)
    title = forms.CharField(label=_("标题"), max_length=100)
    body = forms.CharField(label=_("正文"), widget=forms.Textarea(attrs={"rows": 12}))
    issuer = forms.CharField(
        label=_("发布单位（留空则为本地点村/居委会）"), max_length=100, required=False
    )

    def __init__(self, *args, places=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["place"].choices = [(p.pk, p.name) for p in places]


class PublishForm(forms.Form):
    days = forms.IntegerField(label=_("公示天数"), min_value=1, max_value=90)


class ObjectionForm(forms.Form):
    text = forms.CharField(
        label=_("异议内容"), max_length=1000, widget=forms.Textarea(attrs={"rows": 4})
    )
    photo = forms.FileField(label=_("照片（可选）"), required=False)


class AnswerForm(forms.Form):
    text = forms.CharField(
        label=_("答复"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
