"""Forms of the conversation pages: they parse input; the services check the rules."""

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from wugong.consensus.models import STATEMENT_MAX_CHARS
from wugong.consensus.services import MAX_IMPORT_BYTES, polis_files_from_zip
from wugong.core.errors import ValidationFailed
from wugong.places.models import Place


def _place_choices(places: QuerySet[Place]) -> list[tuple[int, str]]:
    return [(p.pk, f"{'　' * max(p.depth - 2, 0)}{p.name}") for p in places]


class ConversationForm(forms.Form):
    place = forms.TypedChoiceField(label=_("地点"), coerce=int)
    topic = forms.CharField(label=_("议题"), max_length=100)
    description = forms.CharField(
        label=_("说明"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, places: QuerySet[Place], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["place"].choices = _place_choices(places)


class StatementForm(forms.Form):
    text = forms.CharField(
        label=_("您的观点"),
        max_length=STATEMENT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": STATEMENT_MAX_CHARS}),
        help_text=_("一句话说清楚，不超过140个字。"),
    )


class ImportForm(ConversationForm):
    file = forms.FileField(label=_("Pol.is 导出压缩包（zip）"), required=False)
    comments = forms.FileField(label=_("或 comments.csv"), required=False)
    votes = forms.FileField(label=_("和 votes.csv"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        has_zip = bool(data.get("file"))
        has_pair = bool(data.get("comments")) and bool(data.get("votes"))
        if not has_zip and not has_pair:
            raise forms.ValidationError(
                _("请上传 Pol.is 导出的 zip 压缩包，或同时上传 comments.csv 和 votes.csv。")
            )
        for name in ("file", "comments", "votes"):
            upload = data.get(name)
            if upload and upload.size > MAX_IMPORT_BYTES:
                raise forms.ValidationError(_("文件太大，无法导入。"))
        return data

    def polis_files(self) -> tuple[bytes, bytes]:
        """(comments.csv, votes.csv) as bytes; raises ValidationFailed for a bad zip."""
        data = self.cleaned_data
        if data.get("file"):
            return polis_files_from_zip(data["file"].read())
        if not data.get("comments") or not data.get("votes"):  # pragma: no cover - clean()
            raise ValidationFailed(_("请同时上传 comments.csv 和 votes.csv。"))
        return data["comments"].read(), data["votes"].read()
