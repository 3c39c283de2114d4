"""Build the committed example masters in ``workbook_templates/``.

    python scripts/build_templates.py            # write the templates
    python scripts/build_templates.py --check    # exit 1 if they are out of date

``kik_master_template_da.xlsm`` and ``kik_master_template_en.xlsm`` are masters for the
default KIK catalogue with an example participant list. They are for looking at (docs,
screenshots, trying the buttons' layout) — a real round is made with ``xl-kik init``,
which gives it its own round id and secret and the path of the local Python.

The output is reproducible: fixed round id, secret and dates, no interpreter path (the
``xlwings.conf`` sheet only turns off ADD_WORKBOOK_TO_PYTHONPATH), and XlsxWriter's fixed
zip timestamps (1980-01-01); the document's creation time is set explicitly.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from xl_kik.core import catalogue
from xl_kik.excel import master
from xl_kik.core.round import Participant, RoundSetup  # noqa: E402

OUT_DIR = ROOT / "workbook_templates"
FIXED_DAY = dt.date(2026, 1, 5)
FIXED_TIME = dt.datetime(2026, 1, 5, 9, 0, 0)

EXAMPLE_PARTICIPANTS = {
    "da": [
        Participant("D01", "Anne Leder", "anne.leder@kommune.example", "leder", "Ledelse"),
        Participant("D02", "Bo Jensen", "bo.jensen@kommune.example", "medarbejder", "Team Nord"),
        Participant("D03", "Camilla Sørensen", "camilla.sorensen@kommune.example", "medarbejder", "Team Nord"),
        Participant("D04", "Dennis Ærø", "dennis.aero@kommune.example", "medarbejder", "Team Syd"),
        Participant("D05", "Eva Østergaard", "eva.ostergaard@kommune.example", "medarbejder", "Team Syd"),
    ],
}
EXAMPLE_PARTICIPANTS["en"] = EXAMPLE_PARTICIPANTS["da"]
UNIT = {"da": "Børnehuset Eksempel", "en": "Example Kindergarten"}


def template_name(lang: str) -> str:
    return f"kik_master_template_{lang}.xlsm"


def build(lang: str, path: Path) -> Path:
    cat = catalogue.builtin("kik")
    setup = RoundSetup(
        round_id=f"KIK-EKSEMPEL-{lang.upper()}", unit=UNIT[lang], catalogue=cat, scale=catalogue.scale("0-100"),
        lang=lang, deadline=dt.date(2026, 2, 1), created=FIXED_DAY, threshold=0.35, anonymise=True,
        secret="0" * 32, previous_round="")
    opts = master.BuildOptions(conf_rows=[("ADD_WORKBOOK_TO_PYTHONPATH", "false")], timestamp=FIXED_TIME)
    return master.write_master(path, setup, EXAMPLE_PARTICIPANTS[lang], cat, opts)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only check that the committed templates are up to date")
    args = ap.parse_args(argv)
    stale = []
    for lang in ("da", "en"):
        target = OUT_DIR / template_name(lang)
        with tempfile.TemporaryDirectory() as tmp:
            fresh = build(lang, Path(tmp) / target.name).read_bytes()
        if args.check:
            if not target.exists() or target.read_bytes() != fresh:
                stale.append(target.name)
        else:
            target.write_bytes(fresh)
            print(f"wrote {target.relative_to(ROOT)} ({len(fresh)} bytes)")
    if stale:
        print("out of date: " + ", ".join(stale) + " (run python scripts/build_templates.py)")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
