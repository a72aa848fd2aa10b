"""Forms: parse what people type; the services decide what is valid in the domain."""

from django import forms
from django.utils.translation import gettext_lazy as _

from wugong.people.models import KeyTag, Sex
from wugong.people.roles import Role


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("手机号码"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )


class CodeForm(forms.Form):
    phone = forms.CharField(widget=forms.HiddenInput)
    code = forms.CharField(
        label=_("验证码"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class StaffSignInForm(forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150)
    password = forms.CharField(label=_("密码"), widget=forms.PasswordInput)
    otp = forms.CharField(
        label=_("动态口令（如已开通）"),
        max_length=6,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )


class PersonForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    sex = forms.ChoiceField(label=_("性别"), choices=[("", "—"), *Sex.choices], required=False)
    birth_date = forms.DateField(
        label=_("出生日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    id_number = forms.CharField(label=_("身份证号码"), max_length=18, required=False)
    phone = forms.CharField(
        label=_("手机号码"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )


class HouseholdForm(PersonForm):
    address = forms.CharField(label=_("住址"), max_length=200)
    grid = forms.TypedChoiceField(label=_("微网格"), coerce=int, required=False, empty_value=None)
    unit = forms.CharField(label=_("单元"), max_length=20, required=False)
    floor = forms.IntegerField(label=_("楼层"), required=False)
    floor_area = forms.DecimalField(
        label=_("建筑面积（平方米）"), max_digits=9, decimal_places=2, required=False
    )

    field_order = [
        "address",
        "name",
        "sex",
        "birth_date",
        "id_number",
        "phone",
        "grid",
        "unit",
        "floor",
        "floor_area",
    ]


class MemberForm(PersonForm):
    relation = forms.CharField(label=_("与户主关系"), max_length=20, required=False)
    is_party_member = forms.BooleanField(label=_("党员"), required=False)
    is_volunteer = forms.BooleanField(label=_("志愿者"), required=False)


class TagForm(forms.Form):
    tag = forms.ChoiceField(label=_("重点户类别"), choices=KeyTag.choices)
    reason = forms.CharField(label=_("原因"), max_length=200, required=False)
    since = forms.DateField(label=_("起始日期"), widget=forms.DateInput(attrs={"type": "date"}))


class RoleForm(forms.Form):
    person = forms.IntegerField(label=_("人员编号"), widget=forms.HiddenInput)
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    grid = forms.TypedChoiceField(
        label=_("微网格（网格员必填）"), coerce=int, required=False, empty_value=None
    )


class RosterUploadForm(forms.Form):
    file = forms.FileField(label=_("花名册文件（.xlsx）"))
