"""`wugong backup FILE`: the whole instance — every table and every uploaded file — in one zip
that restores on PostgreSQL or SQLite alike (`wugong restore FILE`).

The zip holds:

    manifest.json              format, time, source database, applied migrations, tables, files
    data/<app>.<model>.jsonl   one table: a first line naming the columns, then one JSON array
                               per row, in primary-key order; tables in foreign-key order
    media/<path>               the uploaded files, as stored

Values keep their full precision (times to the microsecond with their offset, decimals as
strings, binary as base64), so a restore compares equal row by row. The dump reads one
consistent snapshot (REPEATABLE READ on PostgreSQL; one transaction on SQLite).
"""

import base64
import datetime as dt
import decimal
import hashlib
import json
import time
import uuid
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.files.storage import Storage, default_storage
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.duration import duration_string

FORMAT = "wugong-backup"
VERSION = 1
CHUNK = 2000


# --- what is dumped, in what order -----------------------------------------------------------
def stored_models(using: str = DEFAULT_DB_ALIAS) -> list[type[models.Model]]:
    """Every model with a table of its own in the database (auto-created many-to-many tables
    included), parents before the rows that point at them; a cycle is broken in label order
    (foreign keys are checked at commit, so any order loads — this one just reads well)."""
    existing = set(connections[using].introspection.table_names())
    candidates = [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed
        and not m._meta.proxy
        and not m._meta.swapped
        and m._meta.db_table in existing
    ]
    by_label = {m._meta.label_lower: m for m in candidates}
    deps: dict[str, set[str]] = {}
    for label, model in by_label.items():
        deps[label] = {
            f.related_model._meta.concrete_model._meta.label_lower
            for f in model._meta.concrete_fields
            if f.is_relation and f.related_model is not None
        } & set(by_label)
        deps[label].discard(label)
    ordered: list[str] = []
    done: set[str] = set()
    pending = sorted(by_label)
    while pending:
        ready = [label for label in pending if deps[label] <= done]
        if not ready:  # a cycle: take the first and go on
            ready = pending[:1]
        for label in ready:
            ordered.append(label)
            done.add(label)
        pending = [label for label in pending if label not in done]
    return [by_label[label] for label in ordered]


def stored_fields(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if not getattr(f, "generated", False)]


# --- values ----------------------------------------------------------------------------------
def value_dump(field: models.Field, value: Any) -> Any:
    """A JSON value that loses nothing of ``value``."""
    if value is None:
        return None
    internal = field.get_internal_type()
    if internal == "JSONField":
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return duration_string(value)
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, str | int | float | bool):
        return value
    return str(value)


def value_load(field: models.Field, value: Any) -> Any:
    if value is None or field.get_internal_type() == "JSONField":
        return value
    if field.is_relation:
        return field.target_field.to_python(value)
    return field.to_python(value)


def table_rows(model: type[models.Model], using: str) -> Iterator[list[Any]]:
    fields = stored_fields(model)
    qs = model._base_manager.using(using).order_by("pk").values_list(*[f.attname for f in fields])
    for row in qs.iterator(chunk_size=CHUNK):
        yield [value_dump(f, v) for f, v in zip(fields, row, strict=True)]


def storage_files(storage: Storage, folder: str = "") -> Iterator[str]:
    """Every file in a storage, by its name, in a stable order."""
    try:
        dirs, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{folder}/{name}" if folder else name
    for d in sorted(dirs):
        yield from storage_files(storage, f"{folder}/{d}" if folder else d)


def applied_migrations(using: str) -> list[list[str]]:
    recorder = MigrationRecorder(connections[using])
    if not recorder.has_table():
        return []
    return sorted([app, name] for app, name in recorder.applied_migrations())


def migrations_pending(using: str) -> list[str]:
    """Migrations of this version not yet applied to the database."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections[using])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{m.app_label}.{m.name}" for m, _ in plan]


# --- the dump --------------------------------------------------------------------------------
def backup_write(path: str | Path, *, using: str = DEFAULT_DB_ALIAS) -> dict[str, Any]:
    """Write the whole instance to ``path`` (a zip); returns its manifest."""
    connection = connections[using]
    if pending := migrations_pending(using):
        raise CommandError(
            f"数据库还有 {len(pending)} 个迁移未执行（{pending[0]}…），请先运行：wugong migrate"
        )
    outermost = not connection.in_atomic_block
    tmp = Path(f"{path}.partial")
    with (
        transaction.atomic(using=using),
        zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf,
    ):
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        tables = []
        for model in stored_models(using):
            name = f"data/{model._meta.label_lower}.jsonl"
            columns = [f.attname for f in stored_fields(model)]
            count = 0
            with zf.open(zip_member(name), "w", force_zip64=True) as fh:
                fh.write(_line(columns))
                for row in table_rows(model, using):
                    fh.write(_line(row))
                    count += 1
            tables.append(
                {
                    "model": model._meta.label_lower,
                    "table": model._meta.db_table,
                    "file": name,
                    "columns": columns,
                    "rows": count,
                }
            )
        media = list(_media_write(zf, default_storage))
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "created_at": timezone.now().isoformat(),
            "vendor": connection.vendor,
            "migrations": applied_migrations(using),
            "tables": tables,
            "media": media,
        }
        zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
    tmp.replace(path)
    return manifest


def zip_member(name: str) -> zipfile.ZipInfo:
    """A compressed zip entry stamped with the current local time."""
    info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _line(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def _media_write(zf: zipfile.ZipFile, storage: Storage) -> Iterable[dict[str, Any]]:
    for name in storage_files(storage):
        digest = hashlib.sha256()
        size = 0
        member = zip_member(f"media/{name}")
        with storage.open(name, "rb") as src, zf.open(member, "w", force_zip64=True) as dst:
            while chunk := src.read(1 << 20):
                digest.update(chunk)
                dst.write(chunk)
                size += len(chunk)
        yield {"path": name, "size": size, "sha256": digest.hexdigest()}


class Command(BaseCommand):
    help = "备份整个实例（全部数据表和上传的文件）到一个 zip 文件；可恢复到 PostgreSQL 或 SQLite。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="备份文件路径，例如 wugong-2026-05-01.zip")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="数据库别名")

    def handle(self, *args: Any, **opts: Any) -> None:
        path = Path(opts["file"])
        if path.exists() and not path.is_file():
            raise CommandError(f"{path} 不是文件。")
        if not path.parent.exists():
            raise CommandError(f"目录 {path.parent} 不存在。")
        manifest = backup_write(path, using=opts["database"])
        rows = sum(t["rows"] for t in manifest["tables"])
        self.stdout.write(
            f"已备份 {len(manifest['tables'])} 张表、{rows} 行、{len(manifest['media'])} 个文件"
            f"到 {path}。"
        )
