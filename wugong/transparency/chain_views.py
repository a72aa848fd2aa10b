"""The public check of a hash (存证核验): anyone enters the hash printed on a notice (or
follows its QR link) and sees the record it belongs to and whether the chain holds up to it."""

import json

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from wugong.core.signals import PUBLISHED_KINDS
from wugong.transparency.chain import chain_verify, link_find


def chain_check(request: HttpRequest) -> HttpResponse:
    """``/notices/verify/?hash=…``: open to everyone, no sign-in."""
    text = (request.GET.get("hash") or "").strip()
    context: dict = {"query": text}
    if text:
        link = link_find(text)
        if link is None:
            context["error"] = _("没有找到这个校验码对应的记录，请核对后重新输入（至少8位）。")
        else:
            report = chain_verify(link.chain, upto_seq=link.seq)
            payload = json.loads(link.payload)
            context.update(
                link=link,
                kind_label=PUBLISHED_KINDS.get(link.kind, link.kind),
                report=report,
                payload_rows=sorted(
                    (k, json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v)
                    for k, v in payload.items()
                ),
                notice_id=payload.get("notice") if link.kind == "notice" else None,
            )
    return render(request, "transparency/chain_check.html", context)
