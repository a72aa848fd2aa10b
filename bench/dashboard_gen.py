"""Generate a province for bench_dashboard.py on PostgreSQL, fast, with set-based SQL
(``INSERT ... SELECT generate_series``) into the real tables of a migrated database.

1 province → 12 cities → 100 counties → 1,000 towns → 30,000 villages and communities (every
fifth a community); 5,000,000 households spread evenly; 20,000,000 points ledger entries
(10,000,000 two-line transactions: awards credit a household and debit the village's issuing
account, redemptions debit a household and credit the supermarket account); one household
account each, and proportional needs (with their reporters), key households' visit
schedules, problem reports and projects with their per-project rollups.

Columns a generator does not name get a neutral value by type (NOT NULL columns only), so a
new column in a source app does not break the generator. FK triggers are off during the
load (``session_replication_role = replica``) and each big table's secondary indexes are
dropped and rebuilt after it is filled: that is what makes 40 M rows take minutes.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

CITIES, COUNTIES, TOWNS_PER_COUNTY, VILLAGES_PER_TOWN = 12, 100, 10, 30
PROVINCE_ID = 1
CITY0, COUNTY0, TOWN0, VILLAGE0 = 10, 100, 1_000, 10_000
MARKER = "wugong-bench-dashboard-v1"


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _defaults(cur, table: str, given: dict[str, str]) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """``given`` plus a neutral SQL value for every other NOT NULL column without a default."""
    cur.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_name = %s AND is_nullable = 'NO' AND column_default IS NULL",
        [table],
    )
    out = dict(given)
    for name, kind in cur.fetchall():
        if name in out:
            continue
        if kind in {"integer", "bigint", "smallint", "numeric", "double precision", "real"}:
            out[name] = "0"
        elif kind == "boolean":
            out[name] = "false"
        elif kind.startswith("timestamp"):
            out[name] = "now()"
        elif kind == "date":
            out[name] = "current_date"
        elif kind in {"jsonb", "json"}:
            out[name] = "'{}'"
        else:
            out[name] = "''"
    return out


def _insert(cur, table: str, given: dict[str, str], source: str) -> None:  # type: ignore[no-untyped-def]
    cols = _defaults(cur, table, given)
    names = ", ".join(f'"{c}"' for c in cols)
    exprs = ", ".join(cols.values())
    cur.execute(f"INSERT INTO {table} ({names}) SELECT {exprs} {source}")


def _without_indexes(cur, table: str, load: Callable[[], None]) -> None:  # type: ignore[no-untyped-def]
    """Drop the table's plain indexes (not those of a constraint), load, rebuild them."""
    cur.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
        "(SELECT conname FROM pg_constraint)",
        [table],
    )
    defs = cur.fetchall()
    for name, _d in defs:
        cur.execute(f'DROP INDEX "{name}"')
    load()
    for _n, d in defs:
        cur.execute(d)
    cur.execute(f"ANALYZE {table}")


def _setval(cur, table: str) -> None:  # type: ignore[no-untyped-def]
    cur.execute(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
        f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
    )


def generate(conn, *, households: int, entries: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Fill the database (empty, migrated). Returns seconds per step."""
    from wugong.needs.models import Need
    from wugong.people.models import Household, Person
    from wugong.places.models import Place
    from wugong.points.models import Account, Entry, Transaction
    from wugong.projects.models import Project, ProjectRollup
    from wugong.upkeep.defaults import report_categories_ensure
    from wugong.upkeep.models import Report, VisitDue

    report_categories_ensure()
    timings: dict[str, float] = {}
    villages = COUNTIES * TOWNS_PER_COUNTY * VILLAGES_PER_TOWN
    with conn.cursor() as cur:
        cur.execute("SET session_replication_role = replica")
        cur.execute("SET maintenance_work_mem = '256MB'")
        cur.execute("SET synchronous_commit = off")
        t = time.perf_counter()
        place = Place._meta.db_table
        cols = {
            "id": "x.id",
            "name": "x.name",
            "kind": "x.kind",
            "parent_id": "x.parent",
            "path": "x.path",
            "depth": "x.depth",
            "sort_key": "lpad(x.id::text, 8, '0')",
            "created_at": "now()",
            "code": "''",
        }
        _insert(
            cur,
            place,
            cols,
            f"FROM (SELECT {PROVINCE_ID} AS id, '湖北省' AS name, 'province' AS kind, "
            f"NULL::bigint AS parent, '/{PROVINCE_ID}/' AS path, 0 AS depth) x",
        )
        _insert(
            cur,
            place,
            cols,
            f"FROM (SELECT {CITY0} + c AS id, '市' || (c + 1) AS name, 'city' AS kind, "
            f"{PROVINCE_ID}::bigint AS parent, '/{PROVINCE_ID}/' || ({CITY0} + c) || '/' AS path, "
            f"1 AS depth FROM generate_series(0, {CITIES - 1}) c) x",
        )
        # county k sits in city k % CITIES; town t in county t / TOWNS; village v in town v / V
        county_path = (
            f"'/{PROVINCE_ID}/' || ({CITY0} + k % {CITIES}) || '/' || ({COUNTY0} + k) || '/'"
        )
        _insert(
            cur,
            place,
            cols,
            f"FROM (SELECT {COUNTY0} + k AS id, '县' || (k + 1) AS name, 'county' AS kind, "
            f"({CITY0} + k % {CITIES})::bigint AS parent, {county_path} AS path, 2 AS depth "
            f"FROM generate_series(0, {COUNTIES - 1}) k) x",
        )
        _insert(
            cur,
            place,
            cols,
            f"FROM (SELECT {TOWN0} + t AS id, '镇' || (t + 1) AS name, 'town' AS kind, "
            f"p.id AS parent, p.path || ({TOWN0} + t) || '/' AS path, 3 AS depth "
            f"FROM generate_series(0, {COUNTIES * TOWNS_PER_COUNTY - 1}) t "
            f"JOIN {place} p ON p.id = {COUNTY0} + t / {TOWNS_PER_COUNTY}) x",
        )
        _insert(
            cur,
            place,
            cols,
            f"FROM (SELECT {VILLAGE0} + v AS id, '村' || (v + 1) AS name, "
            f"CASE WHEN v % 5 = 0 THEN 'community' ELSE 'village' END AS kind, "
            f"p.id AS parent, p.path || ({VILLAGE0} + v) || '/' AS path, 4 AS depth "
            f"FROM generate_series(0, {villages - 1}) v "
            f"JOIN {place} p ON p.id = {TOWN0} + v / {VILLAGES_PER_TOWN}) x",
        )
        _setval(cur, place)
        cur.execute(f"ANALYZE {place}")
        timings["places"] = time.perf_counter() - t

        # Households: household h lives in village h % villages.
        t = time.perf_counter()
        hh = Household._meta.db_table
        village_of = f"JOIN {place} p ON p.id = {VILLAGE0} + g % {villages}"
        _without_indexes(
            cur,
            hh,
            lambda: _insert(
                cur,
                hh,
                {
                    "id": "g + 1",
                    "place_id": "p.id",
                    "place_path": "p.path",
                    "address": "g::text",
                    "sort_key": "lpad(g::text, 8, '0')",
                    "created_at": "now()",
                },
                f"FROM generate_series(0, {households - 1}) g {village_of}",
            ),
        )
        _setval(cur, hh)
        timings["households"] = time.perf_counter() - t

        # Points: one household account each, an issuing and a supermarket account per village.
        t = time.perf_counter()
        acc = Account._meta.db_table
        _without_indexes(
            cur,
            acc,
            lambda: (
                _insert(
                    cur,
                    acc,
                    {
                        "id": "g + 1",
                        "kind": "'household'",
                        "place_id": "p.id",
                        "place_path": "p.path",
                        "household_id": "g + 1",
                        "created_at": "now()",
                    },
                    f"FROM generate_series(0, {households - 1}) g {village_of}",
                ),
                _insert(
                    cur,
                    acc,
                    {
                        "id": f"{households} + 1 + 2 * (p.id - {VILLAGE0}) + s",
                        "kind": "CASE WHEN s = 0 THEN 'issuing' ELSE 'supermarket' END",
                        "place_id": "p.id",
                        "place_path": "p.path",
                        "created_at": "now()",
                    },
                    f"FROM {place} p CROSS JOIN generate_series(0, 1) s WHERE p.id >= {VILLAGE0}",
                ),
            ),
        )
        _setval(cur, acc)
        timings["accounts"] = time.perf_counter() - t

        # Transaction x (0-based) is for household x % households; every fifth a redemption.
        t = time.perf_counter()
        txns = entries // 2
        txn = Transaction._meta.db_table
        kind = "CASE WHEN x % 5 = 4 THEN 'redemption' ELSE 'award' END"
        _without_indexes(
            cur,
            txn,
            lambda: _insert(
                cur,
                txn,
                {
                    "id": "x + 1",
                    "kind": kind,
                    "place_id": "p.id",
                    "place_path": "p.path",
                    "occurred_on": "current_date - (x % 365)",
                    "memo": "''",
                    "created_at": "now()",
                },
                f"FROM generate_series(0, {txns - 1}) x "
                f"JOIN {place} p ON p.id = {VILLAGE0} + (x % {households}) % {villages}",
            ),
        )
        _setval(cur, txn)
        timings["transactions"] = time.perf_counter() - t

        # Two entries per transaction: the household's line and the village account's line.
        t = time.perf_counter()
        ent = Entry._meta.db_table
        amount = "(1 + x % 10)"
        sign_household = f"CASE WHEN x % 5 = 4 THEN -{amount} ELSE {amount} END"
        village_account = (
            f"{households} + 1 + 2 * ((x % {households}) % {villages}) + "
            "CASE WHEN x % 5 = 4 THEN 1 ELSE 0 END"
        )
        _without_indexes(
            cur,
            ent,
            lambda: _insert(
                cur,
                ent,
                {
                    "id": "2 * x + s + 1",
                    "transaction_id": "x + 1",
                    "account_id": f"CASE WHEN s = 0 THEN x % {households} + 1 "
                    f"ELSE {village_account} END",
                    "amount": f"CASE WHEN s = 0 THEN {sign_household} ELSE -({sign_household}) END",
                    "kind": kind,
                    "place_path": "p.path",
                    "occurred_on": "current_date - (x % 365)",
                },
                f"FROM generate_series(0, {txns - 1}) x CROSS JOIN generate_series(0, 1) s "
                f"JOIN {place} p ON p.id = {VILLAGE0} + (x % {households}) % {villages}",
            ),
        )
        _setval(cur, ent)
        timings["entries"] = time.perf_counter() - t

        # Needs (one per 16 households) with a reporter each; key households (one in 10) with
        # a visit schedule, a third overdue; reports (one per 30 households); a project per
        # village with its rollup.
        t = time.perf_counter()
        n_needs = households // 16
        per, ne = Person._meta.db_table, Need._meta.db_table
        _insert(
            cur,
            per,
            {
                "id": "g + 1",
                "name": "'居民' || g",
                "sort_key": "lpad(g::text, 8, '0')",
                "sex": "'F'",
                "household_id": "g * 16 + 1",
            },
            f"FROM generate_series(0, {n_needs - 1}) g",
        )
        _setval(cur, per)
        _insert(
            cur,
            ne,
            {
                "id": "g + 1",
                "title": "'修路'",
                "text": "'路坏了'",
                "place_id": "p.id",
                "place_path": "p.path",
                "category": "'roads'",
                "urgency": "'normal'",
                "status": "'new'",
                "source": "'online'",
                "reporter_id": "g + 1",
                "created_at": "now() - (g % 300) * interval '1 day'",
                "updated_at": "now()",
            },
            f"FROM generate_series(0, {n_needs - 1}) g "
            f"JOIN {place} p ON p.id = {VILLAGE0} + (g * 16) % {villages}",
        )
        _setval(cur, ne)
        vd = VisitDue._meta.db_table
        _insert(
            cur,
            vd,
            {
                "household_id": "g * 10 + 1",
                "place_path": "p.path",
                "interval_days": "5",
                "last_visited_at": "now() - (g % 8) * interval '1 day'",
                "next_due_at": "now() + (5 - g % 8) * interval '1 day'",
                "updated_at": "now()",
            },
            f"FROM generate_series(0, {households // 10 - 1}) g "
            f"JOIN {place} p ON p.id = {VILLAGE0} + (g * 10) % {villages}",
        )
        rep = Report._meta.db_table
        cur.execute("SELECT MIN(id) FROM upkeep_reportcategory")
        category = cur.fetchone()[0]
        status = "(ARRAY['new','in_progress','resolved','closed'])[1 + g % 4]"
        _insert(
            cur,
            rep,
            {
                "id": "g + 1",
                "category_id": str(category),
                "text": "'路灯坏了'",
                "place_id": "p.id",
                "place_path": "p.path",
                "handler_place_id": "p.id",
                "handler_path": "p.path",
                "level": "CASE WHEN g % 9 = 0 THEN 1 ELSE 0 END",
                "status": status,
                "channel": "'web'",
                "respond_due_at": "now() - interval '5 days' + (g % 10) * interval '1 day'",
                "resolve_due_at": "now() - interval '2 days' + (g % 10) * interval '1 day'",
                "resolved_at": f"CASE WHEN {status} IN ('resolved','closed') "
                "THEN now() - interval '3 days' END",
                "answer": f"CASE WHEN {status} IN ('resolved','closed') THEN '已办' ELSE '' END",
                "rating": f"CASE WHEN {status} = 'closed' THEN 1 + g % 5 END",
                "attributes": "'{}'",
                "created_at": "now() - interval '6 days'",
                "updated_at": "now()",
            },
            f"FROM generate_series(0, {households // 30 - 1}) g "
            f"JOIN {place} p ON p.id = {VILLAGE0} + (g * 30) % {villages}",
        )
        _setval(cur, rep)
        stages = "(ARRAY['proposed','planned','fundraising','building','accepted','upkeep'])"
        prj, roll = Project._meta.db_table, ProjectRollup._meta.db_table
        _insert(
            cur,
            prj,
            {
                "id": f"p.id - {VILLAGE0} + 1",
                "title": "'小微项目' || p.id",
                "place_id": "p.id",
                "place_path": "p.path",
                "stage": f"{stages}[1 + p.id % 6]",
                "created_at": "now()",
            },
            f"FROM {place} p WHERE p.id >= {VILLAGE0}",
        )
        _setval(cur, prj)
        _insert(
            cur,
            roll,
            {
                "project_id": "pr.id",
                "place_path": "pr.place_path",
                "stage": "pr.stage",
                "in_government_fen": "(pr.id % 7 + 1) * 1000000",
                "in_residents_fen": "(pr.id % 5 + 1) * 300000",
                "in_enterprise_fen": "(pr.id % 3) * 500000",
                "labour_days": "(pr.id % 40) + 0.5",
                "labour_times": "pr.id % 60",
                "material_fen": "(pr.id % 4) * 100000",
            },
            f"FROM {prj} pr",
        )
        timings["other_sources"] = time.perf_counter() - t
        cur.execute("SET session_replication_role = DEFAULT")
        cur.execute("CREATE TABLE IF NOT EXISTS bench_marker (v text)")
        cur.execute("INSERT INTO bench_marker VALUES (%s)", [f"{MARKER}:{households}:{entries}"])
        cur.execute("ANALYZE")
    conn.commit() if not conn.autocommit else None
    return timings


def marker_ok(conn, *, households: int, entries: int) -> bool:  # type: ignore[no-untyped-def]
    with conn.cursor() as cur:
        cur.execute("SELECT to_regclass('bench_marker')")
        if cur.fetchone()[0] is None:
            return False
        cur.execute("SELECT v FROM bench_marker")
        row = cur.fetchone()
        return bool(row) and row[0] == f"{MARKER}:{households}:{entries}"
