"""Open311 GeoReport v2 output, in JSON and in XML with the standard's element names.

Every document is a list of records (or, for discovery and a service definition, one record)
of plain values; ``render`` turns it into either format. In XML a list of records becomes the
standard wrapper (``<services><service>…``), nested lists become their own wrappers
(``<attributes><attribute>…``, ``<values><value>…``, ``<formats><format>…``).
"""

import json
from typing import Any
from xml.etree import ElementTree as ET

from django.http import HttpResponse

# Wrapper element -> item element, as the standard names them.
ITEMS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _element(name: str, value: Any) -> ET.Element:
    el = ET.Element(name)
    if isinstance(value, dict):
        for k, v in value.items():
            el.append(_element(k, v))
    elif isinstance(value, list):
        item = ITEMS.get(name, "item")
        for v in value:
            el.append(_element(item, v))
    else:
        el.text = _text(value)
    return el


def render(data: Any, fmt: str, root: str, status: int = 200) -> HttpResponse:
    """``data`` as JSON, or as XML under ``root`` (a list's items named after ITEMS)."""
    if fmt == "xml":
        body = ET.tostring(_element(root, data), encoding="unicode")
        return HttpResponse(
            '<?xml version="1.0" encoding="utf-8"?>\n' + body,
            status=status,
            content_type="text/xml; charset=utf-8",
        )
    return HttpResponse(
        json.dumps(data, ensure_ascii=False),
        status=status,
        content_type="application/json; charset=utf-8",
    )


def error(fmt: str, status: int, description: str) -> HttpResponse:
    """The standard error document: [{"code": 400, "description": "…"}] / <errors>."""
    return render([{"code": status, "description": description}], fmt, "errors", status=status)
