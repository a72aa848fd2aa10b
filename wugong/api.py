"""The JSON API at /api/v1/ (django-ninja). OpenAPI at /api/v1/openapi.json."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError
from ninja.security import APIKeyCookie, HttpBearer

from wugong.budgeting.api import router as budgeting_router
from wugong.consensus.api import router as consensus_router
from wugong.core.errors import DomainError
from wugong.dashboards.api import router as dashboards_router
from wugong.evaluations.api import router as evaluations_router
from wugong.inspections.api import router as inspections_router
from wugong.mediation.api import router as mediation_router
from wugong.meetings.api import router as meetings_router
from wugong.needs.api import router as needs_router
from wugong.people.api import router as people_router
from wugong.people.signin import api_token_user
from wugong.pilots.api import router as pilots_router
from wugong.places.api import router as places_router
from wugong.points.api import router as points_router
from wugong.projects.api import router as projects_router
from wugong.surveys.api import router as surveys_router
from wugong.transparency.api import router as notices_router
from wugong.upkeep.api import router as upkeep_router
from wugong.villagerules.api import router as villagerules_router
from wugong.volunteers.api import router as volunteers_router
from wugong.voting.api import router as voting_router


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_user(token)
        if user is not None:
            request.user = user
        return user


class SessionCookie(APIKeyCookie):
    """The browser's session; CSRF is checked on unsafe methods."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return request.user if request.user.is_authenticated else None


api = NinjaAPI(
    title="Wugong API",
    version="1",
    description="五共 — places, households and people (scoped and masked), sign-in.",
    auth=[BearerToken(), SessionCookie()],
    urls_namespace="api",
)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(
        request, {"code": exc.code, "detail": str(exc), "field": exc.field}, status=exc.status
    )


_HTTP_ERROR_CODES = {400: "invalid", 401: "unauthorized", 403: "forbidden", 404: "not_found"}


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """Errors django-ninja raises itself (a body that is not JSON, a missing token) in the
    documented error shape {code, detail, field}, like every other 4xx."""
    detail = str(exc)
    if detail.startswith("Cannot parse request body"):
        detail = _("请求内容不是有效的 JSON。")
    code = _HTTP_ERROR_CODES.get(exc.status_code, "error")
    return api.create_response(
        request, {"code": code, "detail": detail, "field": ""}, status=exc.status_code
    )


# pydantic's error types, said in Chinese: what a resident's app can show as it is.
_PROBLEMS = {
    "missing": _lazy("缺少必填项"),
    "string_type": _lazy("应为文字"),
    "int_type": _lazy("应为整数"),
    "int_parsing": _lazy("应为整数"),
    "bool_type": _lazy("应为是或否"),
    "bool_parsing": _lazy("应为是或否"),
    "date_from_datetime_parsing": _lazy("应为日期，如 2026-03-08"),
    "date_parsing": _lazy("应为日期，如 2026-03-08"),
    "dict_type": _lazy("格式不正确"),
    "list_type": _lazy("应为列表"),
}


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """A body or query that does not fit the schema: the same {code, detail, field} shape as
    every other 4xx, in Chinese, naming the first field; ``errors`` keeps the details."""
    first = exc.errors[0] if exc.errors else {}
    loc = [str(p) for p in first.get("loc", ()) if p not in {"body", "payload", "query"}]
    field = ".".join(loc)
    problem = _PROBLEMS.get(first.get("type", ""), _lazy("格式不正确"))
    detail = _("请求内容有误：%(field)s%(problem)s。") % {
        "field": f"“{field}”" if field else "",
        "problem": problem,
    }
    return api.create_response(
        request,
        {"code": "invalid", "detail": detail, "field": field, "errors": exc.errors},
        status=422,
    )


api.add_router("/", people_router)
api.add_router("/places", places_router)
api.add_router("/needs", needs_router)
api.add_router("/votes", voting_router)
api.add_router("/meetings", meetings_router)
api.add_router("/surveys", surveys_router)
api.add_router("/notices", notices_router)
api.add_router("/budgets", budgeting_router)
api.add_router("/common-ground", consensus_router)
api.add_router("/projects", projects_router)
api.add_router("/upkeep", upkeep_router)
api.add_router("/inspections", inspections_router)
api.add_router("/volunteers", volunteers_router)
api.add_router("/mediation", mediation_router)
api.add_router("/village-rules", villagerules_router)
api.add_router("/points", points_router)
api.add_router("/evaluations", evaluations_router)
api.add_router("/pilots", pilots_router)
api.add_router("/dashboards", dashboards_router)
