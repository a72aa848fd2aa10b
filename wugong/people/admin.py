"""Django admin for system admins. Sensitive fields are shown masked and are not editable
here: corrections go through the pages, whose services validate, audit and log."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from wugong.core.validators import mask_id_number, mask_phone
from wugong.people.models import (
    Household,
    KeyHouseholdTag,
    Membership,
    Organisation,
    Person,
    RoleAssignment,
    User,
)


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "sex", "birth_date", "masked_phone", "masked_id", "household"]
    search_fields = ["name", "sort_key"]
    exclude = ["phone", "id_number"]
    raw_id_fields = ["household"]
    list_select_related = ["household"]

    @admin.display(description=_("手机号码"))
    def masked_phone(self, obj: Person) -> str:
        return mask_phone(obj.phone or "")

    @admin.display(description=_("身份证号码"))
    def masked_id(self, obj: Person) -> str:
        return mask_id_number(obj.id_number or "")


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ["address", "head", "place", "grid", "is_centre"]
    search_fields = ["address", "sort_key"]
    raw_id_fields = ["place", "head", "grid", "centre"]
    list_select_related = ["head", "place", "grid"]


@admin.register(KeyHouseholdTag)
class KeyHouseholdTagAdmin(admin.ModelAdmin):
    list_display = ["household", "tag", "since"]
    list_filter = ["tag"]
    raw_id_fields = ["household"]
    # The reason may describe an illness or hardship: not shown in the admin list.
    exclude = ["reason"]


class MembershipInline(admin.TabularInline):
    model = Membership
    raw_id_fields = ["person"]
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind"]
    list_filter = ["kind"]
    filter_horizontal = ["places"]
    inlines = [MembershipInline]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ["person", "role", "place", "grid", "active"]
    list_filter = ["role", "active"]
    raw_id_fields = ["person", "place", "grid"]


@admin.register(User)
class WugongUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, (_("五共"), {"fields": ["person"]}))
    raw_id_fields = ["person"]
