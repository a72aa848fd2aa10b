"""`wugong export --place X`: a village (or any place) takes all its own data away — one CSV per
table, holding only the rows under that place, plus the attachments those rows point at.

    wugong export --place 23 [-o 双台村.zip]      X is a place number or a path like /1/5/23/

A row belongs to the place when its own ``place_path`` (or the place's ``path``) lies in the
subtree, or when a chain of foreign keys leads to a row that does (a need's photo through the
need, a ballot through its vote, a user through person and household). Tables with no such chain
(sign-in codes, sessions, settings of the whole instance) are not exported, and neither are
secrets: password hashes, TOTP secrets, token hashes.

The CSV files are UTF-8 with a byte-order mark, so spreadsheet programs open the Chinese
correctly. The file holds personal information: hand it over as the law on personal information
requires.
"""

import csv
import io
import json
import zipfile
from collections import deque
from pathlib import Path
from typing import Any

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, models
from django.db.models import Q
from django.utils import timezone

from wugong.core.management.commands.backup import (
    stored_fields,
    stored_models,
    value_dump,
    zip_member,
)
from wugong.places.models import Place
from wugong.places.paths import subtree_q

# Whole tables that are never handed out: credentials, sign-in traffic, framework bookkeeping.
NOT_EXPORTED = {
    "people.apitoken",
    "people.signincode",
    "people.signinfailure",
    "sessions.session",
    "admin.logentry",
    "contenttypes.contenttype",
    "auth.permission",
    "auth.group_permissions",
    "people.user_user_permissions",
    "django_tasks_database.dbtaskresult",
    "core.loadprobe",
}
# Columns never handed out, whatever table they are in.
SECRET_COLUMNS = {"password", "totp_secret", "token_hash", "code_hash", "checkin_key"}
MAX_DEPTH = 4


def place_lookup(model: type[models.Model]) -> str | None:
    """The field lookup (e.g. ``need__place_path``) that puts a row of ``model`` at a place
    path, by the shortest chain of foreign keys; None if rows of ``model`` have no place."""
    queue: deque[tuple[type[models.Model], str, int]] = deque([(model, "", 0)])
    seen = {model}
    while queue:
        current, prefix, depth = queue.popleft()
        names = {f.name for f in current._meta.concrete_fields}
        if current is Place:
            return f"{prefix}path"
        if "place_path" in names:
            return f"{prefix}place_path"
        if depth >= MAX_DEPTH:
            continue
        for f in current._meta.concrete_fields:
            target = f.related_model if f.is_relation else None
            if target is None or target in seen or not (f.many_to_one or f.one_to_one):
                continue
            seen.add(target)
            queue.append((target, f"{prefix}{f.name}__", depth + 1))
    return None


def export_write(path: str | Path, *, place: Place, using: str = DEFAULT_DB_ALIAS) -> dict:
    """Write the place's own data to ``path``; returns {table: rows written} and the files."""
    written: dict[str, int] = {}
    files: set[str] = set()
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for model in stored_models(using):
            label = model._meta.label_lower
            if label in NOT_EXPORTED or (lookup := place_lookup(model)) is None:
                continue
            fields = [f for f in stored_fields(model) if f.attname not in SECRET_COLUMNS]
            file_fields = [i for i, f in enumerate(fields) if isinstance(f, models.FileField)]
            qs = (
                model._base_manager.using(using)
                .filter(_subtree(place, lookup))
                .order_by("pk")
                .values_list(*[f.attname for f in fields])
            )
            count = 0
            with zf.open(zip_member(f"{label}.csv"), "w") as raw:
                text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
                out = csv.writer(text)
                out.writerow([f.attname for f in fields])
                for row in qs.iterator(chunk_size=2000):
                    out.writerow([_cell(f, v) for f, v in zip(fields, row, strict=True)])
                    files.update(row[i] for i in file_fields if row[i])
                    count += 1
                text.flush()
                text.detach()
            written[label] = count
        attached = []
        for name in sorted(files):
            if not default_storage.exists(name):
                continue
            member = zip_member(f"files/{name}")
            with default_storage.open(name, "rb") as src, zf.open(member, "w") as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
            attached.append(name)
        summary = {
            "place": {"id": place.pk, "name": place.name, "path": place.path},
            "exported_at": timezone.now().isoformat(),
            "tables": written,
            "files": attached,
        }
        zf.writestr("README.json", json.dumps(summary, ensure_ascii=False, indent=1))
    return summary


def _subtree(place: Place, lookup: str) -> Q:
    return subtree_q(place.path, lookup)


def _cell(field: models.Field, value: Any) -> Any:
    value = value_dump(field, value)
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "1" if value else "0"
    return value


def place_find(spec: str) -> Place:
    spec = spec.strip()
    place = None
    if spec.isdigit():
        place = Place.objects.filter(pk=int(spec)).first()
    elif spec.startswith("/"):
        place = Place.objects.filter(path=spec if spec.endswith("/") else f"{spec}/").first()
    else:
        matches = list(Place.objects.filter(name=spec)[:2])
        if len(matches) > 1:
            raise CommandError(f"有多个地点叫“{spec}”，请用编号或路径指定。")
        place = matches[0] if matches else None
    if place is None:
        raise CommandError(f"找不到地点：{spec}")
    return place


class Command(BaseCommand):
    help = "导出一个村（社区）或任一地点自己的全部数据：每张表一个 CSV，外加附件，打成 zip。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--place", required=True, help="地点编号、路径（/1/5/23/）或唯一的名称")
        parser.add_argument(
            "-o", "--output", help="输出文件（默认 wugong-export-<编号>-<日期>.zip）"
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="数据库别名")

    def handle(self, *args: Any, **opts: Any) -> None:
        place = place_find(opts["place"])
        output = Path(
            opts["output"] or f"wugong-export-{place.pk}-{timezone.localdate():%Y%m%d}.zip"
        )
        summary = export_write(output, place=place, using=opts["database"])
        rows = sum(summary["tables"].values())
        self.stdout.write(
            f"已导出 {place.name} 的 {len(summary['tables'])} 张表、{rows} 行、"
            f"{len(summary['files'])} 个附件到 {output}。"
        )
