"""Open311 GeoReport v2 endpoints: discovery, services, service definitions, requests (GET a
list with filters, POST a new one with an api_key) and one request, in JSON and XML. Errors
are the standard's list of {code, description} with the same HTTP status; a refused POST
writes nothing. Personal data never leaves: no names, e-mails or phones of reporters."""

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from wugong.core.errors import DomainError, NotFound, PermissionDenied
from wugong.upkeep import report_services
from wugong.upkeep.models import Report, ReportCategory
from wugong.upkeep.models.reports import OPEN_STATUSES
from wugong.upkeep.open311.render import error, render

SPEC = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-23T00:00:00+08:00"
MAX_REQUESTS = 1000
DEFAULT_DAYS = 90

# Attributes (service definitions): one for every service, more for some.
COMMON_ATTRIBUTES: list[dict[str, Any]] = [
    {
        "variable": True,
        "code": "landmark",
        "datatype": "string",
        "required": False,
        "datatype_description": "",
        "order": 1,
        "description": "附近地标（如：村委会东侧50米）",
        "values": [],
    }
]
EXTRA_ATTRIBUTES: dict[str, list[dict[str, Any]]] = {
    "emergency": [
        {
            "variable": True,
            "code": "danger",
            "datatype": "singlevaluelist",
            "required": True,
            "datatype_description": "",
            "order": 2,
            "description": "危及什么",
            "values": [
                {"key": "people", "name": "人身安全"},
                {"key": "property", "name": "财产安全"},
                {"key": "both", "name": "人身和财产"},
            ],
        }
    ]
}


def _attributes(code: str) -> list[dict[str, Any]]:
    return COMMON_ATTRIBUTES + EXTRA_ATTRIBUTES.get(code, [])


def _time(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("open311:discovery", args=["json"]))[
        : -len("discovery.json")
    ]


@require_GET
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    data = {
        "changeset": CHANGESET,
        "contact": "请联系所在村（社区）或乡镇（街道）",
        "key_service": "api_key 由县级管理员在管理后台“Open311 接口客户端”中发放",
        "endpoints": [
            {
                "specification": SPEC,
                "url": _base(request),
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(data, fmt, "discovery")


def _service(c: ReportCategory) -> dict[str, Any]:
    return {
        "service_code": c.code,
        "service_name": c.name,
        "description": c.description,
        "metadata": True,
        "type": "realtime",
        "keywords": c.keywords,
        "group": c.group,
    }


@require_GET
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    rows = ReportCategory.objects.filter(active=True).order_by("sort", "code")
    return render([_service(c) for c in rows], fmt, "services")


@require_GET
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    category = ReportCategory.objects.filter(code=code, active=True).first()
    if category is None:
        return error(fmt, 404, f"service_code {code} not found")
    data = {"service_code": category.code, "attributes": _attributes(category.code)}
    return render(data, fmt, "service_definition")


def _request_record(request: HttpRequest, r: Report) -> dict[str, Any]:
    photo = r.photos.all()[0] if r.photos.all() else None
    media = request.build_absolute_uri(photo.file.url) if photo else r.attributes.get("media_url")
    notes = r.answer if not r.is_open else ""
    return {
        "service_request_id": str(r.pk),
        "status": r.open311_status,
        "status_notes": notes,
        "service_name": r.category.name,
        "service_code": r.category.code,
        "description": r.text,
        "agency_responsible": r.handler_place.name,
        "service_notice": _notice(r),
        "requested_datetime": _time(r.created_at),
        "updated_datetime": _time(r.updated_at),
        "expected_datetime": _time(r.resolve_due_at) if r.is_open else None,
        "address": r.address or r.place.name,
        "address_id": None,
        "zipcode": None,
        "lat": float(r.lat) if r.lat is not None else None,
        "long": float(r.long) if r.long is not None else None,
        "media_url": media or None,
    }


def _notice(r: Report) -> str:
    return (
        f"{r.handler_place.name}将在{r.category.respond_hours}小时内响应，"
        f"{r.category.resolve_hours // 24 or 1}天内答复。"
    )


def _reports():  # type: ignore[no-untyped-def]
    return Report.objects.select_related("category", "handler_place", "place").prefetch_related(
        "photos"
    )


def _w3c(value: str, name: str) -> dt.datetime:
    parsed = parse_datetime(value.strip().replace(" ", "+")) if value else None
    if parsed is None:
        raise ValueError(f"{name} is not a w3 date-time")
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _request_create(request, fmt)
    params = request.GET
    qs = _reports()
    if ids := params.get("service_request_id", "").strip():
        # By the standard, other parameters are ignored when ids are given.
        wanted = [i.strip() for i in ids.split(",") if i.strip().isdigit()]
        rows = list(qs.filter(pk__in=[int(i) for i in wanted]).order_by("-created_at", "-id"))
        return render([_request_record(request, r) for r in rows], fmt, "service_requests")
    try:
        start = _w3c(params["start_date"], "start_date") if params.get("start_date") else None
        end = _w3c(params["end_date"], "end_date") if params.get("end_date") else None
    except ValueError as e:
        return error(fmt, 400, str(e))
    if start is None and end is None:
        start = timezone.now() - dt.timedelta(days=DEFAULT_DAYS)
    elif start is None:
        start = end - dt.timedelta(days=DEFAULT_DAYS)  # type: ignore[operator]
    if start:
        qs = qs.filter(created_at__gte=start)
    if end:
        qs = qs.filter(created_at__lte=end)
    if codes := [c.strip() for c in params.get("service_code", "").split(",") if c.strip()]:
        qs = qs.filter(category__code__in=codes)
    if status := params.get("status", "").strip():
        wanted_status = {s.strip() for s in status.split(",") if s.strip()}
        if not wanted_status <= {"open", "closed"}:
            return error(fmt, 400, "status must be open or closed")
        if wanted_status == {"open"}:
            qs = qs.filter(status__in=OPEN_STATUSES)
        elif wanted_status == {"closed"}:
            qs = qs.exclude(status__in=OPEN_STATUSES)
    rows = list(qs.order_by("-created_at", "-id")[:MAX_REQUESTS])
    return render([_request_record(request, r) for r in rows], fmt, "service_requests")


def _attributes_from(post: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key in post:
        if key.startswith("attribute[") and "]" in key:
            code = key[len("attribute[") : key.index("]")]
            got = post.getlist(key)
            values[code] = got if key.endswith("[]") else got[-1]
    return values


def _attributes_check(code: str, values: dict[str, Any]) -> str | None:
    for attr in _attributes(code):
        value = values.get(attr["code"])
        if attr["required"] and not value:
            return f"attribute {attr['code']} is required"
        if value and attr["values"]:
            keys = {v["key"] for v in attr["values"]}
            given = value if isinstance(value, list) else [value]
            if not set(given) <= keys:
                return f"attribute {attr['code']} has an unknown value"
    return None


def _request_create(request: HttpRequest, fmt: str) -> HttpResponse:
    post = request.POST
    client = report_services.api_client_for_key(post.get("api_key", ""))
    if client is None:
        return error(fmt, 403, "api_key is missing or invalid")
    code = post.get("service_code", "").strip()
    if not code:
        return error(fmt, 400, "service_code not provided")
    category = ReportCategory.objects.filter(code=code, active=True).first()
    if category is None:
        return error(fmt, 404, f"service_code {code} not found")
    attributes = {k: v for k, v in _attributes_from(post).items() if v}
    if problem := _attributes_check(code, attributes):
        return error(fmt, 400, problem)
    media = post.get("media_url", "").strip()
    if media.startswith(("http://", "https://")):
        attributes["media_url"] = media[:500]
    name = " ".join(p for p in (post.get("first_name", ""), post.get("last_name", "")) if p)
    try:
        report = report_services.report_open311_create(
            client=client,
            service_code=code,
            description=post.get("description", "").strip() or category.name,
            lat=post.get("lat"),
            long=post.get("long"),
            address_string=post.get("address_string", ""),
            attributes=attributes,
            contact={
                "name": name.strip(),
                "email": post.get("email", "").strip(),
                "phone": post.get("phone", "").strip(),
            },
        )
    except NotFound as e:
        return error(fmt, 404, str(e))
    except PermissionDenied as e:
        return error(fmt, 403, str(e))
    except DomainError as e:
        return error(fmt, 400, str(e))
    report = _reports().get(pk=report.pk)
    data = [
        {
            "service_request_id": str(report.pk),
            "service_notice": _notice(report),
            "account_id": None,
        }
    ]
    return render(data, fmt, "service_requests")


@require_GET
def request_detail(request: HttpRequest, fmt: str, pk: str) -> HttpResponse:
    report = _reports().filter(pk=int(pk)).first() if pk.isdigit() else None
    if report is None:
        return error(fmt, 404, f"service_request_id {pk} not found")
    return render([_request_record(request, report)], fmt, "service_requests")
