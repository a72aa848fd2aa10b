"""`wugong restore FILE`: load a `wugong backup` zip into an empty, migrated database (PostgreSQL
or SQLite, whichever the backup came from) and put the uploaded files back.

A database that already holds data is refused unless ``--force``, which empties every table
first. The content types and permissions that ``migrate`` makes are replaced by the backup's own,
so every reference to them keeps its number. All rows load in one transaction: a failure leaves
the database as it was.
"""

import hashlib
import json
import posixpath
import zipfile
from pathlib import Path
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction

from wugong.core.management.commands.backup import (
    FORMAT,
    VERSION,
    _line,
    applied_migrations,
    stored_fields,
    stored_models,
    table_rows,
    value_load,
)

# Rows that `migrate` itself writes; they may be present in an "empty" database.
MIGRATE_MADE = {"contenttypes.contenttype", "auth.permission"}
# A table with at most this many rows, all of them in the backup as they are, is seeded data
# (a data migration's categories, say), not data of the instance.
SEEDED_MAX = 10_000


def database_rows(using: str) -> dict[str, int]:
    """Tables holding rows, other than those migrate makes: {model label: row count}."""
    found = {}
    for model in stored_models(using):
        label = model._meta.label_lower
        if label in MIGRATE_MADE:
            continue
        if model._base_manager.using(using).exists():
            found[label] = model._base_manager.using(using).count()
    return found


def _conflicts(zf: zipfile.ZipFile, manifest: dict, using: str) -> dict[str, int]:
    """Tables whose rows restoring would destroy. Rows that the backup holds as they are (the
    categories a data migration seeds, say) are no loss; anything else is."""
    files = {t["model"]: t["file"] for t in manifest["tables"]}
    conflicts = {}
    for model in stored_models(using):
        label = model._meta.label_lower
        count = model._base_manager.using(using).count() if label not in MIGRATE_MADE else 0
        if not count:
            continue
        if label in files and count <= SEEDED_MAX:
            with zf.open(files[label]) as fh:
                header = json.loads(fh.readline())
                if header == [f.attname for f in stored_fields(model)]:
                    backed_up = {line.rstrip(b"\n") for line in fh}
                    present = {_line(row).rstrip(b"\n") for row in table_rows(model, using)}
                    if present <= backed_up:
                        continue
        conflicts[label] = count
    return conflicts


def _manifest(zf: zipfile.ZipFile) -> dict[str, Any]:
    try:
        manifest = json.loads(zf.read("manifest.json"))
    except (KeyError, ValueError) as e:
        raise CommandError("这不是五共的备份文件（缺少 manifest.json）。") from e
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise CommandError(
            f"不支持的备份格式：{manifest.get('format')} 版本 {manifest.get('version')}。"
        )
    return manifest


def _media_name(member: str) -> str:
    """The storage name of a zip member under media/, refusing anything that escapes it."""
    name = posixpath.normpath(member[len("media/") :])
    if name.startswith(("/", "../")) or name in (".", "..") or "\\" in name or "\x00" in name:
        raise CommandError(f"备份中的文件名不安全：{member}")
    return name


def restore_read(path: str | Path, *, using: str = DEFAULT_DB_ALIAS, force: bool = False) -> dict:
    """Load the backup at ``path`` into database ``using`` and the default storage."""
    connection = connections[using]
    with zipfile.ZipFile(path) as zf:
        manifest = _manifest(zf)
        applied = {tuple(m) for m in applied_migrations(using)}
        if not applied:
            raise CommandError("目标数据库尚未建表，请先运行：wugong migrate")
        missing = sorted({tuple(m) for m in manifest["migrations"]} - applied)
        if missing:
            shown = "、".join(f"{a}.{n}" for a, n in missing[:5])
            raise CommandError(
                f"备份来自更新的版本，目标数据库缺少 {len(missing)} 个迁移（{shown}…）。"
                "请先升级程序并运行 wugong migrate。"
            )
        if not force and (present := _conflicts(zf, manifest, using)):
            shown = "、".join(f"{k}（{v} 行）" for k, v in list(present.items())[:5])
            raise CommandError(
                f"目标数据库不是空的：{shown}。恢复会覆盖这些数据；确需覆盖请加 --force。"
            )
        models_by_label = {m._meta.label_lower: m for m in stored_models(using)}
        unknown = [t["model"] for t in manifest["tables"] if t["model"] not in models_by_label]
        if unknown:
            raise CommandError(f"备份中有本版本没有的数据表：{'、'.join(unknown)}")
        names = set(zf.namelist())
        media = [(m, _media_name(m)) for m in sorted(names) if m.startswith("media/")]
        digests = {f["path"]: f["sha256"] for f in manifest["media"]}
        clashes = [
            name
            for _, name in media
            if default_storage.exists(name) and _sha256(name) != digests.get(name)
        ]
        if clashes and not force:
            raise CommandError(
                f"已有 {len(clashes)} 个同名但内容不同的文件（{clashes[0]}…）；"
                "确需覆盖请加 --force。"
            )
        loaded = []
        with transaction.atomic(using=using):
            tables = [m._meta.db_table for m in models_by_label.values()]
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    # Checks still pending from earlier in this transaction would block TRUNCATE.
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                for sql in connection.ops.sql_flush(no_style(), tables, allow_cascade=True):
                    cursor.execute(sql)
                if connection.vendor == "postgresql":
                    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            with connection.constraint_checks_disabled():
                for table in manifest["tables"]:
                    model = models_by_label[table["model"]]
                    with zf.open(table["file"]) as fh:
                        count = _table_load(model, fh, using)
                    if count != table["rows"]:
                        raise CommandError(
                            f"{table['model']} 应有 {table['rows']} 行，读到 {count} 行："
                            "备份已损坏。"
                        )
                    loaded.append(model)
            connection.check_constraints(table_names=[m._meta.db_table for m in loaded])
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), loaded):
                    cursor.execute(sql)
        ContentType.objects.clear_cache()
        for member, name in media:
            if default_storage.exists(name):
                if name not in clashes:
                    continue  # the very same file is already in place
                default_storage.delete(name)
            with zf.open(member) as src:
                saved = default_storage.save(name, File(src, name=name))
            if saved != name:
                raise CommandError(f"文件未能按原名恢复：{name} → {saved}")
    return manifest


def _sha256(name: str) -> str:
    digest = hashlib.sha256()
    with default_storage.open(name, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _table_load(model: type[models.Model], fh: Any, using: str) -> int:
    fields = stored_fields(model)
    by_name = {f.attname: f for f in fields}
    header = json.loads(fh.readline())
    unknown = [c for c in header if c not in by_name]
    if unknown:
        raise CommandError(f"{model._meta.label_lower} 中有本版本没有的列：{'、'.join(unknown)}")
    columns = [by_name[c] for c in header]
    connection = connections[using]
    batch: list[models.Model] = []
    count = 0
    size = max(1, connection.ops.bulk_batch_size(fields, [None] * 1000) or 1000)
    size = min(size, 1000)
    for line in fh:
        row = json.loads(line)
        obj = model(**{f.attname: value_load(f, v) for f, v in zip(columns, row, strict=True)})
        batch.append(obj)
        count += 1
        if len(batch) >= size:
            _insert(model, batch, fields, using)
            batch = []
    if batch:
        _insert(model, batch, fields, using)
    return count


def _insert(model: type[models.Model], objs: list, fields: list, using: str) -> None:
    """INSERT the rows as they are (raw: no auto_now, no defaults recomputed)."""
    model._base_manager.using(using)._insert(objs, fields=fields, using=using, raw=True)


class Command(BaseCommand):
    help = "从 wugong backup 生成的 zip 恢复整个实例到一个已迁移的空数据库。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="备份文件")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="数据库别名")
        parser.add_argument(
            "--force", action="store_true", help="目标数据库已有数据时，先清空全部数据再恢复"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"找不到备份文件 {path}。")
        try:
            manifest = restore_read(path, using=opts["database"], force=opts["force"])
        except zipfile.BadZipFile as e:
            raise CommandError(f"{path} 不是有效的 zip 文件。") from e
        rows = sum(t["rows"] for t in manifest["tables"])
        self.stdout.write(
            f"已恢复 {len(manifest['tables'])} 张表、{rows} 行、{len(manifest['media'])} 个文件"
            f"（备份于 {manifest['created_at']}，来自 {manifest['vendor']}）。"
        )
