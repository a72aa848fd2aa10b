"""Fill the English catalog (wugong/locale/en/LC_MESSAGES/django.po) from hand-written TSV files.

Chinese is the source language (docs/decisions/0001); a person writes the English. This script only
moves text between the catalog and TSV files and checks it:

    todo OUT.tsv       write every untranslated or fuzzy entry as a TSV line to fill in
    apply IN.tsv...    put the translations from the TSV files into the catalog (clears fuzzy)
    check              list entries that are empty, fuzzy, or whose placeholders differ

TSV lines: ``msgid<TAB>English`` or, for plural entries, ``msgid<TAB>singular<TAB>plural``.
Lines starting with ``#`` and blank lines are skipped. Needs polib (``pip install polib`` into a
throwaway virtualenv; it is not a dependency of the project).
"""

import argparse
import re
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "wugong" / "locale" / "en" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\([A-Za-z_]\w*\)[sdif]|%%|</?[a-z]+[^>]*>")


def placeholders(text: str) -> list[str]:
    """The format placeholders and HTML tags of a string, sorted, to compare source and English."""
    return sorted(PLACEHOLDER.findall(text))


def problems(entry: polib.POEntry) -> list[str]:
    """What is wrong with one entry's English, if anything."""
    found = []
    if entry.fuzzy:
        found.append("fuzzy")
    if entry.msgid_plural:
        forms = [entry.msgstr_plural.get(0, ""), entry.msgstr_plural.get(1, "")]
    else:
        forms = [entry.msgstr]
    if not all(forms):
        found.append("empty")
        return found
    if entry.msgid_plural:
        same = all(set(placeholders(f)) == set(placeholders(entry.msgid)) for f in forms)
    else:
        same = placeholders(entry.msgid) == placeholders(entry.msgstr)
    if not same:
        found.append("placeholders differ")
    return found


def read_tsv(paths: list[str]) -> dict[str, list[str]]:
    """msgid -> [English] or [singular, plural] from the TSV files, later files winning."""
    table: dict[str, list[str]] = {}
    for path in paths:
        for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            msgid, *english = line.split("\t")
            if not english or len(english) > 2 or not all(english):
                sys.exit(f"{path}:{number}: expected msgid<TAB>English[<TAB>plural]")
            table[msgid] = english
    return table


def cmd_todo(po: polib.POFile, out: str) -> None:
    lines = [
        f"{e.msgid}\t\t" if e.msgid_plural else f"{e.msgid}\t"
        for e in po
        if not e.obsolete and problems(e)
    ]
    Path(out).write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    print(f"{len(lines)} entries to translate written to {out}")


def cmd_apply(po: polib.POFile, paths: list[str]) -> None:
    table = read_tsv(paths)
    applied = 0
    for entry in po:
        english = table.get(entry.msgid)
        if entry.obsolete or english is None:
            continue
        if entry.msgid_plural:
            singular, plural = english if len(english) == 2 else (english[0], english[0])
            entry.msgstr_plural = {0: singular, 1: plural}
        else:
            entry.msgstr = english[0]
        if entry.fuzzy:
            entry.flags.remove("fuzzy")
            entry.previous_msgid = entry.previous_msgid_plural = None
        applied += 1
    po.save()
    print(f"applied {applied} translations; {len(table) - applied} TSV lines matched no entry")
    cmd_check(po)


def cmd_check(po: polib.POFile) -> int:
    live = [e for e in po if not e.obsolete]
    bad = [(e, problems(e)) for e in live]
    bad = [(e, p) for e, p in bad if p]
    for entry, found in bad:
        where = entry.occurrences[0][0] + ":" + entry.occurrences[0][1] if entry.occurrences else ""
        print(f"{', '.join(found)}: {where} {entry.msgid!r}")
    print(f"{len(live)} entries, {len(live) - len(bad)} translated, {len(bad)} to do")
    return 1 if bad else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--po", default=str(PO))
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("todo").add_argument("out")
    sub.add_parser("apply").add_argument("tsv", nargs="+")
    sub.add_parser("check")
    args = parser.parse_args()
    po = polib.pofile(args.po, wrapwidth=79)
    if args.command == "todo":
        cmd_todo(po, args.out)
    elif args.command == "apply":
        cmd_apply(po, args.tsv)
    else:
        sys.exit(cmd_check(po))


if __name__ == "__main__":
    main()
