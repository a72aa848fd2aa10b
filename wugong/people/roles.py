"""The roles a person can hold at a place (角色), and what each one's scope is."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    RESIDENT = "resident", _("居民")
    CENTRE_HOUSEHOLD = "centre_household", _("中心户")
    GRID_WORKER = "grid_worker", _("网格员")
    BUILDING_CHIEF = "building_chief", _("楼栋长")
    ESTATE_CHIEF = "estate_chief", _("小区长")
    STREET_CHIEF = "street_chief", _("街长")
    COUNCIL_MEMBER = "council_member", _("理事会成员")
    VILLAGE_CADRE = "village_cadre", _("村干部")
    COMMUNITY_CADRE = "community_cadre", _("社区干部")
    WORK_TEAM = "work_team", _("工作队员")
    TOWN_SUPERVISOR = "town_supervisor", _("乡镇督导")
    COUNTY_SUPERVISOR = "county_supervisor", _("县级督导")
    CITY_SUPERVISOR = "city_supervisor", _("市级督导")
    SYSTEM_ADMIN = "system_admin", _("系统管理员")


class Scope(models.TextChoices):
    """How far a role reaches: its own household, its grid, its neighbours or a place subtree."""

    OWN_HOUSEHOLD = "own"
    NEIGHBOURS = "neighbours"
    GRID = "grid"
    PLACE = "place"
    EVERYTHING = "all"


ROLE_SCOPE: dict[str, str] = {
    Role.RESIDENT: Scope.OWN_HOUSEHOLD,
    Role.CENTRE_HOUSEHOLD: Scope.NEIGHBOURS,
    Role.GRID_WORKER: Scope.GRID,
    Role.BUILDING_CHIEF: Scope.PLACE,
    Role.ESTATE_CHIEF: Scope.PLACE,
    Role.STREET_CHIEF: Scope.PLACE,
    Role.COUNCIL_MEMBER: Scope.PLACE,
    Role.VILLAGE_CADRE: Scope.PLACE,
    Role.COMMUNITY_CADRE: Scope.PLACE,
    Role.WORK_TEAM: Scope.PLACE,
    Role.TOWN_SUPERVISOR: Scope.PLACE,
    Role.COUNTY_SUPERVISOR: Scope.PLACE,
    Role.CITY_SUPERVISOR: Scope.PLACE,
    Role.SYSTEM_ADMIN: Scope.EVERYTHING,
}

# Roles that run a place and may act for residents (代录), keep rosters and assign lower roles.
CADRE_ROLES = {Role.VILLAGE_CADRE, Role.COMMUNITY_CADRE, Role.WORK_TEAM}
SUPERVISOR_ROLES = {Role.TOWN_SUPERVISOR, Role.COUNTY_SUPERVISOR, Role.CITY_SUPERVISOR}
CHIEF_ROLES = {Role.BUILDING_CHIEF, Role.ESTATE_CHIEF, Role.STREET_CHIEF}
# Staff sign in with a password; residents with a code sent to their phone.
STAFF_ROLES = CADRE_ROLES | SUPERVISOR_ROLES | {Role.SYSTEM_ADMIN}

# Roles a holder may hand out, each at or below their own place (the admin: any).
ASSIGNABLE_BY: dict[str, set[str]] = {
    Role.VILLAGE_CADRE: {
        Role.RESIDENT,
        Role.CENTRE_HOUSEHOLD,
        Role.GRID_WORKER,
        Role.COUNCIL_MEMBER,
        *CHIEF_ROLES,
    },
    Role.COMMUNITY_CADRE: {
        Role.RESIDENT,
        Role.CENTRE_HOUSEHOLD,
        Role.GRID_WORKER,
        Role.COUNCIL_MEMBER,
        *CHIEF_ROLES,
    },
    Role.TOWN_SUPERVISOR: {Role.VILLAGE_CADRE, Role.COMMUNITY_CADRE, Role.WORK_TEAM},
    Role.COUNTY_SUPERVISOR: {
        Role.VILLAGE_CADRE,
        Role.COMMUNITY_CADRE,
        Role.WORK_TEAM,
        Role.TOWN_SUPERVISOR,
    },
    Role.CITY_SUPERVISOR: {Role.COUNTY_SUPERVISOR, Role.TOWN_SUPERVISOR, Role.WORK_TEAM},
    Role.SYSTEM_ADMIN: set(Role.values),
}
