"""Backups: `wugong backup` and `wugong restore` round-trip a whole instance with nothing lost;
`wugong export --place` hands a village its own rows and attachments and nobody else's."""

import copy
import csv
import io
import os
import sqlite3
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from PIL import Image

from wugong.core.management.commands.backup import stored_fields, stored_models

TARGET = "restore_target"


@pytest.fixture(scope="module")
def target(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A fresh database with the schema migrated and no data, as connection alias TARGET: a
    copy of the empty test database, made before any test of this module writes (a copy takes
    a moment; running every migration again would take half a minute). Tests that use it are
    marked for both databases, so what they write there is rolled back like the rest."""
    with django_db_blocker.unblock():
        settings = copy.deepcopy(connection.settings_dict)
        dropped = None
        if connection.vendor == "sqlite":
            path = tmp_path_factory.mktemp("restore") / "target.sqlite3"
            connection.ensure_connection()
            with sqlite3.connect(path) as dst:
                connection.connection.backup(dst)
            settings["NAME"] = str(path)
        elif connection.vendor == "postgresql":
            dropped = f"wg_restore_{os.getpid()}"
            connections.close_all()
            with connection._nodb_cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{dropped}"')
                cursor.execute(f'CREATE DATABASE "{dropped}" TEMPLATE "{settings["NAME"]}"')
            settings["NAME"] = dropped
        else:
            pytest.skip(f"no fresh-database recipe for {connection.vendor}")
        configured = connections.configure_settings(
            {"default": copy.deepcopy(settings), TARGET: copy.deepcopy(settings)}
        )
        connections.settings[TARGET] = configured[TARGET]
        try:
            yield TARGET
        finally:
            connections[TARGET].close()
            del connections[TARGET]
            del connections.settings[TARGET]
            if dropped:
                with connection._nodb_cursor() as cursor:
                    cursor.execute(f'DROP DATABASE IF EXISTS "{dropped}" WITH (FORCE)')


@pytest.fixture
def media(settings, tmp_path) -> Path:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def _jpeg() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 200, 10)).save(out, "JPEG")
    return SimpleUploadedFile("坑.jpg", out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def instance(county, make_user, client_for, media):  # type: ignore[no-untyped-def]
    """The county, people with roles, a signed-in session, needs with a photo in each village,
    audit events: rows in many tables, times with microseconds, a file on disk."""
    from wugong.needs.services import need_submit
    from wugong.people.rules import viewer_for

    resident_a = make_user("resident", county.village_a, household=county.households_a[1])
    resident_b = make_user("resident", county.village_b, household=county.households_b[1])
    cadre = make_user("village_cadre", county.village_a)
    client_for(cadre).get("/")  # a session row
    for user, text in (
        (resident_a, "双台村一组路灯坏了三天"),
        (resident_b, "楼台村水渠堵塞需要清理"),
    ):
        need_submit(viewer=viewer_for(user), actor=user, text=text, photos=[_jpeg()])
    return county


def _rows(model, using: str) -> list[tuple]:  # type: ignore[no-untyped-def]
    names = [f.attname for f in stored_fields(model)]
    return list(model._base_manager.using(using).order_by("pk").values_list(*names))


@pytest.mark.django_db(databases=["default", TARGET])
def test_backup_restore_round_trip_every_table(instance, target, media, tmp_path, settings):
    """Every table of every app — data, content types, sessions, audit trail — comes back row
    by row, with the same keys and full-precision times, and the uploaded files byte for byte.
    Restoring over data the backup does not hold is refused without --force."""
    backup = tmp_path / "wugong.zip"
    call_command("backup", str(backup), stdout=io.StringIO())
    with zipfile.ZipFile(backup) as zf:
        names = zf.namelist()
    assert "manifest.json" in names
    originals = {p.relative_to(media).as_posix(): p.read_bytes() for p in media.rglob("*.jpg")}
    assert len(originals) == 2

    settings.MEDIA_ROOT = str(tmp_path / "restored-media")
    out = io.StringIO()
    call_command("restore", str(backup), database=target, stdout=out)
    assert "已恢复" in out.getvalue()

    compared = 0
    for model in stored_models():
        source_rows, restored_rows = _rows(model, "default"), _rows(model, target)
        assert restored_rows == source_rows, model._meta.label
        compared += bool(source_rows)
    assert compared >= 10  # the fixture filled many tables, not a handful
    for name, data in originals.items():
        assert default_storage.open(name).read() == data

    # Restoring over data the backup does not hold is refused, unless forced.
    from wugong.places.models import Place

    village = instance.village_a
    Place.objects.using(target).filter(pk=village.pk).update(name="改过的名字")
    with pytest.raises(CommandError, match="不是空的"):
        call_command("restore", str(backup), database=target, stdout=io.StringIO())
    call_command("restore", str(backup), database=target, force=True, stdout=io.StringIO())
    assert Place.objects.using(target).get(pk=village.pk).name == "双台村"


def test_restore_refuses_what_is_not_a_backup(db, tmp_path):
    """A zip without a manifest, or a file that is no zip, is refused with a message."""
    bogus = tmp_path / "bogus.zip"
    with zipfile.ZipFile(bogus, "w") as zf:
        zf.writestr("hello.txt", "hi")
    with pytest.raises(CommandError, match="不是五共的备份文件"):
        call_command("restore", str(bogus))
    bogus.write_bytes(b"not a zip")
    with pytest.raises(CommandError, match="zip"):
        call_command("restore", str(bogus))


def test_restore_refuses_paths_that_escape_media(db, tmp_path):
    """A member named media/../../x cannot write outside the media directory."""
    from wugong.core.management.commands.restore import _media_name

    assert _media_name("media/needs/2026/05/a.jpg") == "needs/2026/05/a.jpg"
    for bad in ("media/../../etc/passwd", "media//etc/passwd", "media/.."):
        with pytest.raises(CommandError):
            _media_name(bad)


def _csv(zf: zipfile.ZipFile, name: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(zf.read(name).decode("utf-8-sig"))))


def test_export_gives_a_village_its_own_rows_only(instance, tmp_path):
    """Exporting 双台村 writes its places, households, people, needs, photos and audit events;
    nothing of 楼台村 or the town's other places, and no password hashes."""
    county = instance
    out = tmp_path / "双台村.zip"
    call_command(
        "export", "--place", str(county.village_a.pk), "-o", str(out), stdout=io.StringIO()
    )
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        text = b"".join(zf.read(n) for n in names).decode("utf-8", "replace")
        places = _csv(zf, "places.place.csv")
        households = _csv(zf, "people.household.csv")
        needs = _csv(zf, "needs.need.csv")
        users = _csv(zf, "people.user.csv")
        photos = _csv(zf, "needs.needphoto.csv")
        files = [n for n in names if n.startswith("files/")]
    assert {p["name"] for p in places} == {"双台村", "一组", "二组"}
    assert {h["address"] for h in households} == {h.address for h in county.households_a}
    assert len(needs) == 1 and "路灯" in needs[0]["text"]
    assert len(photos) == 1 and files == [f"files/{photos[0]['file']}"]
    assert users and all("password" not in u for u in users)
    for other in ("楼台村", "楼台一组", "刘长春", "赵玉梅", "水渠", "幸福小区", "宝丰镇"):
        assert other not in text, other
    assert "people.apitoken.csv" not in names and "sessions.session.csv" not in names


def test_export_unknown_place_is_an_error(db, tmp_path):
    with pytest.raises(CommandError, match="找不到地点"):
        call_command("export", "--place", "999999", "-o", str(tmp_path / "x.zip"))
