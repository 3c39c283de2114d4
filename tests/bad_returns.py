"""A corpus of returned files, good and bad, built from real generated scoring workbooks.

Importable by any test::

    from bad_returns import make_corpus, standard_answers
    cases = make_corpus(tmp_path, setup, participants)   # list[Case]
    for case in cases:
        result = read_return(case.path, setup, participants)
        assert sorted(result.report.codes()) == sorted(case.expected_codes)

Every case starts from ``xl_kik.excel.scoring.ScoringTemplate(setup).render(participant)`` (the
real generator), filled with :func:`standard_answers` the way a person would (openpyxl
load + save, like a spreadsheet program rewriting the file), then damaged in one way.
``Case.bad_qids`` lists the questions whose answer is expected to differ from the
standard answers (everything else must survive); ``Case.accepted`` says whether the file
is merged at all; ``Case.cells`` names the expected cell per problem code where useful.

Needs ``setup`` on a 0-100 scale with at least 4 questions and ``participants`` with at
least 2 people. Uses ``msoffcrypto-tool`` for a real password-encrypted file when it is
installed (a hand-built compound file with an ``EncryptionInfo`` stream is always made).
"""

from __future__ import annotations

import datetime as dt
import io
import random
import struct
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Sequence

from xl_kik.core import catalogue
from xl_kik.excel import scoring
from xl_kik.excel.vba.cfb import write_cfb
from xl_kik.core.round import Participant, RoundSetup

DDE = "=cmd|' /C calc'!A0"


@dataclass
class Case:
    name: str
    path: Path
    expected_codes: tuple[str, ...]
    accepted: bool = True
    bad_qids: frozenset[str] = frozenset()
    cells: dict[str, str] = field(default_factory=dict)  # code -> expected cell (e.g. "E8")
    pid: str = ""


def standard_answers(setup: RoundSetup) -> dict[str, dict[str, Any]]:
    """Deterministic, valid answers for every question of ``setup``."""
    lo, hi = setup.scale.min, setup.scale.max
    out = {}
    for i, qid in enumerate(setup.question_ids):
        out[qid] = {
            "points": lo + (i * 7 + 3) % (hi - lo + 1),
            "strengths": f"Styrke ved {qid}: vi gør det godt.",
            "improvements": f"Forbedring {qid}: følg op hver måned.",
            "ideas": f"Idé {qid}" if i % 2 == 0 else "",
        }
    return out


# ---------------------------------------------------------------- workbook helpers
def _layout(wb) -> dict[str, Any]:
    meta_ws = next(ws for ws in wb.worksheets if ws.title.lower() == "_kik")
    meta = {str(r[0]): "" if r[1] is None else str(r[1])
            for r in meta_ws.iter_rows(min_col=1, max_col=2, values_only=True) if r[0]}
    ws = wb[meta["sheet"]]
    rows = {}
    for cell in ws[meta["col_qid"]]:
        if isinstance(cell.value, str) and cell.value in meta["questions"].split(","):
            rows[cell.value] = cell.row
    meta_rows = {str(r[0].value): r[0].row for r in meta_ws.iter_rows(min_col=1, max_col=1) if r[0].value}
    return {"meta": meta, "rows": rows, "meta_ws": meta_ws, "ws": ws, "meta_rows": meta_rows}


def _set_text(cell, value: str) -> None:
    cell.value = value
    cell.data_type = "s"  # typed text stays text, even "=..."


def filled(blob: bytes, answers: dict[str, dict[str, Any]],
           edit: Callable[[Any, dict[str, Any]], None] | None = None) -> bytes:
    """``blob`` with ``answers`` typed in (openpyxl load + save), then ``edit(wb, layout)``."""
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(blob))
    lay = _layout(wb)
    meta, ws = lay["meta"], lay["ws"]
    cols = {"points": meta["col_points"], "strengths": meta["col_strengths"],
            "improvements": meta["col_improvements"], "ideas": meta["col_ideas"]}
    for qid, values in answers.items():
        row = lay["rows"][qid]
        for key, value in values.items():
            cell = ws[f"{cols[key]}{row}"]
            if isinstance(value, str):
                _set_text(cell, value)
            else:
                cell.value = value
    if edit is not None:
        edit(wb, lay)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def set_meta(wb, lay, key: str, value: str, props: bool = False) -> None:
    """Change a ``_kik`` value (and the custom property ``xl_kik_<key>`` if ``props``)."""
    _set_text(lay["meta_ws"][f"B{lay['meta_rows'][key]}"], value)
    if props:
        for prop in wb.custom_doc_props.props:
            if prop.name == scoring.CUSTOM_PROPERTY_PREFIX + key:
                prop.value = value


def rezip(blob: bytes, replace_parts: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None,
          drop: Sequence[str] = ()) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(blob)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename in drop:
                continue
            data = (replace_parts or {}).get(info.filename, src.read(info))
            dst.writestr(info.filename, data)
        for name, data in (add or {}).items():
            dst.writestr(name, data)
    return out.getvalue()


def patch_declared_size(blob: bytes, member: str, size: int) -> bytes:
    """Make the local and central headers of ``member`` declare ``size`` uncompressed bytes."""
    data = bytearray(blob)
    raw_name = member.encode()
    pos = 0
    while True:
        pos = data.find(b"PK\x01\x02", pos)
        if pos < 0:
            raise ValueError(member)
        name_len = struct.unpack_from("<H", data, pos + 28)[0]
        if bytes(data[pos + 46:pos + 46 + name_len]) == raw_name:
            struct.pack_into("<L", data, pos + 24, size)
            local = struct.unpack_from("<L", data, pos + 42)[0]
            struct.pack_into("<L", data, local + 22, size)
            return bytes(data)
        pos += 4


def _zip(parts: dict[str, bytes], stored_first: str | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data, compress_type=zipfile.ZIP_STORED if name == stored_first else None)
    return out.getvalue()


def zip_with_raw_names(members: dict[bytes, bytes]) -> bytes:
    """A zip with members named by raw bytes and no UTF-8 flag (as Info-ZIP and Windows' zip
    folders write them); ``zipfile`` flags every name that is not ASCII, so ASCII stand-ins of
    the same length are replaced in the finished bytes."""
    out = io.BytesIO()
    stand_ins = {}
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for i, (raw, data) in enumerate(members.items()):
            stand_in = (b"%03d" % i + b"n" * len(raw))[:len(raw)]
            stand_ins[stand_in] = raw
            zf.writestr(stand_in.decode(), data)
    packed = out.getvalue()
    for stand_in, raw in stand_ins.items():
        assert packed.count(stand_in) == 2
        packed = packed.replace(stand_in, raw)
    return packed


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>"""

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >>"
       b" endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
# A BIFF8 BOF record (workbook globals) followed by EOF: the start of every .xls Workbook stream.
BIFF_BOF = struct.pack("<HHHHHHLL", 0x0809, 16, 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0x0006) + b"\x0a\x00\x00\x00"


def encrypted_with_msoffcrypto(blob: bytes, password: str = "hemmelig") -> bytes | None:
    """A real password-encrypted OOXML file, or None when msoffcrypto-tool is not installed."""
    try:
        from msoffcrypto.format.ooxml import OOXMLFile
    except ImportError:
        return None
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(blob)).encrypt(password, out)
    return out.getvalue()


def minimal_encrypted_cfb() -> bytes:
    """A compound file with the two streams Office writes for an encrypted OOXML package."""
    info = struct.pack("<HHL", 4, 4, 0x40) + b"<?xml version=\"1.0\"?><encryption/>"
    package = struct.pack("<Q", 1234) + bytes(range(256)) * 8
    return write_cfb({"EncryptionInfo": info, "EncryptedPackage": package})


# ---------------------------------------------------------------- the corpus
def make_corpus(directory: Path, setup: RoundSetup, participants: Sequence[Participant]) -> list[Case]:
    """Write the corpus into ``directory`` (one file per case) and describe every case."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    me, other = participants[0], participants[1]
    template = scoring.ScoringTemplate(setup)
    fresh = template.render(me)
    answers = standard_answers(setup)
    qids = list(setup.question_ids)
    q2, q3, q4 = qids[1], qids[2], qids[3]
    lay = scoring.make_layout(setup)
    row = lay.rows  # qid -> 1-based row
    pts, strg = lay.col_points, lay.col_strengths
    good = filled(fresh, answers)
    meta_rows = {k: i + 1 for i, k in enumerate(scoring.META_KEYS)}
    cases: list[Case] = []

    def add(name: str, data: bytes, codes: Sequence[str], suffix: str = ".xlsx", *, accepted: bool = True,
            bad: Sequence[str] = (), cells: dict[str, str] | None = None, filename: str | None = None,
            pid: str | None = None) -> Case:
        path = directory / (filename or f"{name}{suffix}")
        path.write_bytes(data)
        case = Case(name, path, tuple(sorted(codes)), accepted, frozenset(bad), dict(cells or {}),
                    pid if pid is not None else (me.pid if accepted else ""))
        cases.append(case)
        return case

    def points(value: Any) -> bytes:
        return filled(fresh, {**answers, q2: {**answers[q2], "points": value}})

    def edited(edit: Callable[[Any, dict[str, Any]], None], base: dict | None = None) -> bytes:
        return filled(fresh, answers if base is None else base, edit)

    # -- good files
    add("good", good, [])
    add("renamed", good, [], filename="Mit svar - endelig version (2).xlsx")
    add("wrong_extension", good, ["F020"], suffix=".xls")
    add("fresh_from_generator", fresh, ["R032"], cells={})  # never filled in / not saved
    add("meta_hidden_not_very", edited(lambda wb, l: setattr(l["meta_ws"], "sheet_state", "hidden")), [])
    add("meta_visible", edited(lambda wb, l: setattr(l["meta_ws"], "sheet_state", "visible")), [])

    def delete_meta(wb, l):
        del wb[l["meta_ws"].title]
    add("meta_sheet_deleted", edited(delete_meta), ["R011"])

    def sort_rows(wb, l):  # a person sorts the question rows (whole rows move)
        ws, rows = l["ws"], l["rows"]
        ordered = [rows[q] for q in qids]
        values = {r: [c.value for c in ws[r]] for r in ordered}
        for src, dst in zip(ordered, list(reversed(ordered))):
            for c, v in enumerate(values[src], start=1):
                cell = ws.cell(dst, c)
                if isinstance(v, str):
                    _set_text(cell, v)
                else:
                    cell.value = v
    # Reversing rows across theme header rows keeps theme rows in place: only question rows move.
    add("rows_sorted", edited(sort_rows), ["R018"])

    def shuffle_qids(wb, l):  # only the hidden id column is scrambled: the visible numbers win
        ws, col = l["ws"], l["meta"]["col_qid"]
        a, b = l["rows"][qids[0]], l["rows"][qids[1]]
        _set_text(ws[f"{col}{a}"], qids[1])
        _set_text(ws[f"{col}{b}"], qids[0])
    add("qid_values_shuffled", edited(shuffle_qids), ["R038"])

    # -- points cells (one bad cell; every other answer survives)
    e2 = f"{pts}{row[q2]}"
    add("points_text_60", points("60"), ["R022"], cells={"R022": e2})
    add("points_ca_60", points("ca. 60"), ["R023"], bad=[q2], cells={"R023": e2})
    add("points_60_point", points("60 point"), ["R023"], bad=[q2], cells={"R023": e2})
    add("points_x", points("x"), ["R023"], bad=[q2], cells={"R023": e2})
    add("points_decimal", points(55.5), ["R021"], bad=[q2], cells={"R021": e2})
    add("points_decimal_text", points("55,5"), ["R021"], bad=[q2], cells={"R021": e2})
    add("points_too_high", points(setup.scale.max + 50), ["R020"], bad=[q2], cells={"R020": e2})
    add("points_negative", points(-5), ["R020"], bad=[q2], cells={"R020": e2})
    add("points_bool", points(True), ["R024"], bad=[q2], cells={"R024": e2})
    add("points_date", points(dt.datetime(2026, 3, 5)), ["R025"], bad=[q2], cells={"R025": e2})
    add("points_error_value", points("#DIV/0!"), ["R026"], bad=[q2], cells={"R026": e2})
    add("points_blank", points(None), [], bad=[q2])  # blank = "ved ikke", no problem

    def error_cell(wb, l):  # a real error cell (t="e"), as Excel stores =1/0
        cell = l["ws"][f"{pts}{l['rows'][q3]}"]
        cell.value = "#DIV/0!"
        cell.data_type = "e"
    several = {**answers, q2: {**answers[q2], "points": "ca. 60"}, q4: {**answers[q4], "points": 55.5}}
    add("partly_bad", filled(fresh, several, error_cell), ["R023", "R021", "R026"], bad=[q2, q3, q4],
        cells={"R023": e2, "R021": f"{pts}{row[q4]}", "R026": f"{pts}{row[q3]}"})

    # -- text cells
    s2 = f"{strg}{row[q2]}"
    add("dde_formula_text", filled(fresh, {**answers, q2: {**answers[q2], "strengths": DDE}}), ["R031"],
        bad=[q2], cells={"R031": s2})
    add("long_text", filled(fresh, {**answers, q2: {**answers[q2], "strengths": "æ" * 6000}}), ["R030"],
        bad=[q2], cells={"R030": s2})

    # -- identity
    def swap_pid(wb, l):
        set_meta(wb, l, "participant_id", other.pid, props=True)
        set_meta(wb, l, "participant_name", other.name)
    add("participant_swapped", edited(swap_pid), ["R007"], accepted=False)
    def props_differ(wb, l):  # only the document property says another participant
        for prop in wb.custom_doc_props.props:
            if prop.name == scoring.CUSTOM_PROPERTY_PREFIX + "participant_id":
                prop.value = other.pid
    add("identity_conflict", edited(props_differ), ["R019"],
        cells={"R019": f"B{scoring.META_KEYS.index('participant_id') + 1}"})
    add("other_round", filled(scoring.ScoringTemplate(replace(setup, round_id="KIK-20250101-000000"))
                              .render(me), answers), ["R005"], accepted=False)
    stranger = Participant("X99", "Ukendt Person")
    add("unknown_participant", filled(template.render(stranger), answers), ["R006"], accepted=False)
    add("other_catalogue", edited(lambda wb, l: set_meta(wb, l, "catalogue_id", "caf2020", props=True)),
        ["R008"], accepted=False)
    add("catalogue_changed", edited(lambda wb, l: set_meta(wb, l, "catalogue_fingerprint", "0" * 16, props=True)),
        ["R009"], accepted=False)
    other_scale = catalogue.scale("0-5" if setup.scale.id != "0-5" else "0-100")
    add("other_scale", filled(scoring.ScoringTemplate(replace(setup, scale=other_scale)).render(me),
                              {q: {**a, "points": other_scale.min} for q, a in answers.items()}),
        ["R010"], accepted=False)
    add("format_newer", edited(lambda wb, l: set_meta(wb, l, "format", "xl_kik.scoring/2", props=True)),
        ["R003"], accepted=False)
    add("format_older", edited(lambda wb, l: set_meta(wb, l, "format", "xl_kik.scoring/0", props=True)),
        ["R004"], accepted=False)
    add("master_file", edited(lambda wb, l: set_meta(wb, l, "format", "xl_kik.master/1", props=True)),
        ["R002"], accepted=False)

    # -- structure
    add("meta_header_row_broken", edited(lambda wb, l: set_meta(wb, l, "header_row", "abc")), ["R012"],
        accepted=False, cells={"R012": f"B{meta_rows['header_row']}"})
    add("layout_tampered", edited(lambda wb, l: set_meta(wb, l, "col_points", "D")), ["R014"], accepted=False,
        cells={"R014": f"B{meta_rows['layout_fingerprint']}"})

    def questions_edited(wb, l):
        meta = dict(l["meta"])
        meta["questions"] = ",".join(qids[:-1])
        set_meta(wb, l, "questions", meta["questions"])
        set_meta(wb, l, "layout_fingerprint", scoring.layout_fingerprint(
            qids[:-1], meta["col_qid"], meta["col_points"], meta["col_strengths"], meta["col_improvements"],
            meta["col_ideas"]))
    add("question_list_edited", edited(questions_edited), ["R027"], accepted=False,
        cells={"R027": f"B{meta_rows['questions']}"})
    add("evaluation_sheet_renamed", edited(lambda wb, l: setattr(l["ws"], "title", "Ark1")), ["R013"],
        accepted=False)

    def clear_qid(wb, l):  # the hidden id only: the visible number still says which question
        l["ws"][f"{l['meta']['col_qid']}{l['rows'][q2]}"].value = None
    add("qid_missing", edited(clear_qid), ["R044"])

    def clear_qid_and_number(wb, l):
        l["ws"][f"{l['meta']['col_qid']}{l['rows'][q2]}"].value = None
        l["ws"][f"B{l['rows'][q2]}"].value = None
    add("qid_and_number_missing", edited(clear_qid_and_number), ["R015"], bad=[q2])

    def copy_row_below(wb, l):
        ws = l["ws"]
        last = ws.max_row + 2
        _set_text(ws[f"{l['meta']['col_qid']}{last}"], q2)
        ws[f"{l['meta']['col_points']}{last}"].value = 99
    add("qid_duplicated", edited(copy_row_below), ["R017"])

    def unknown_qid(wb, l):
        ws = l["ws"]
        _set_text(ws[f"{l['meta']['col_qid']}{ws.max_row + 2}"], "9.9")
    add("qid_unknown", edited(unknown_qid), ["R016"])

    # -- macros: values read, nothing run
    add("macros_xlsm", rezip(good, add={"xl/vbaProject.bin": write_cfb({"VBA/dir": b"\x01\x02"})}), ["F016"],
        suffix=".xlsm")

    # -- not an xl_kik file at all
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    wb.add_worksheet("Ark1").write(0, 0, "Mine svar: 60")
    wb.close()
    add("not_xlkik", buf.getvalue(), ["R001"], accepted=False)

    # -- files that are not workbooks (type sniffed from the bytes, not the name)
    no = dict(accepted=False)
    add("empty", b"", ["F001"], **no)
    big = directory / "too_large.xlsx"
    with open(big, "wb") as fh:  # sparse: cheap on disk
        fh.truncate(21 * 1024 * 1024)
    cases.append(Case("too_large", big, ("F002",), False))
    add("old_xls", write_cfb({"Workbook": BIFF_BOF}), ["F003"], suffix=".xls", **no)
    real = encrypted_with_msoffcrypto(good)
    if real is not None:
        add("encrypted_real", real, ["F009"], **no)
    add("encrypted_minimal", minimal_encrypted_cfb(), ["F009"], **no)
    ods = _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
                "content.xml": b"<?xml version='1.0'?><office:document-content/>",
                "META-INF/manifest.xml": b"<?xml version='1.0'?><manifest/>"}, stored_first="mimetype")
    add("ods", ods, ["F004"], suffix=".ods", **no)
    add("ods_named_xlsx", ods, ["F004"], **no)
    add("csv", "Spørgsmål;Point;Styrker\n1.1;60;Godt\n".encode("cp1252"), ["F005"], suffix=".csv", **no)
    add("pdf", PDF, ["F006"], suffix=".pdf", **no)
    add("pdf_named_xlsx", PDF, ["F006"], **no)
    docx = _zip({"[Content_Types].xml": b"<?xml version='1.0'?><Types/>",
                 "word/document.xml": b"<?xml version='1.0'?><w:document/>"})
    add("docx", docx, ["F007"], suffix=".docx", **no)
    add("png", PNG, ["F008"], suffix=".png", **no)
    add("truncated_zip", good[: len(good) // 2], ["F010"], **no)
    add("random_bytes", b"\x00\x01\x02\x03" + random.Random(7).randbytes(4096), ["F018"], suffix=".bin", **no)
    add("xlsb", _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.bin": b"\x83\x01\x00"}), ["F021"],
        suffix=".xlsb", **no)
    add("zip_without_workbook", _zip({"svar.txt": b"60"}), ["F017"], suffix=".zip", **no)
    add("zipped_answers", _zip({"KIK Enhed - Deltager.xlsx": good}), ["F030"], suffix=".zip", **no)

    # -- zip bombs and XML bombs
    many = {f"xl/media/f{i}.txt": b"x" for i in range(2000)}
    add("zip_2000_members", rezip(good, add=many), ["F013"], **no)
    add("zip_declared_1gb", patch_declared_size(rezip(good, add={"xl/media/big.xml": b"<a/>" * 100}),
                                                "xl/media/big.xml", 1024 ** 3), ["F011"], **no)
    add("zip_ratio_bomb", rezip(good, add={"xl/media/zeros.xml": b"\0" * (30 * 1024 * 1024)}), ["F012"], **no)
    # (openpyxl writes inline strings; the generator's own file has xl/sharedStrings.xml)
    sst = zipfile.ZipFile(io.BytesIO(fresh)).read("xl/sharedStrings.xml")
    add("zip_size_lie", patch_declared_size(fresh, "xl/sharedStrings.xml", len(sst) // 2), ["F010"], **no)
    add("nested_archive", rezip(good, add={"xl/embeddings/inner.zip": _zip({"a.txt": b"a"})}), ["F014"], **no)
    add("billion_laughs", rezip(fresh, replace_parts={"xl/sharedStrings.xml": BILLION_LAUGHS}), ["F015"], **no)
    utf16 = BILLION_LAUGHS.replace(b'<?xml version="1.0"?>', b'<?xml version="1.0" encoding="UTF-16"?>')
    add("dtd_utf16", rezip(good, replace_parts={"xl/styles.xml": b"\xff\xfe" + utf16.decode().encode("utf-16-le")}),
        ["F015"], **no)
    external = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties">'
                b'<property name="xl_kik_format"><vt:lpwstr>&x;</vt:lpwstr></property></Properties>')
    add("xxe_custom_props", rezip(good, replace_parts={"docProps/custom.xml": external}), ["F015"], **no)
    return cases


__all__ = ["Case", "make_corpus", "standard_answers", "filled", "set_meta", "rezip", "patch_declared_size",
           "DDE", "encrypted_with_msoffcrypto", "minimal_encrypted_cfb"]
