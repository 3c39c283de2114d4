"""The hostile generator: returned files a hostile (or unlucky) sender could attach, each with
its expected outcome.

``build(folder, setup, participants)`` writes every case into ``folder`` (the round's
``retur/``) and returns the :class:`HCase` list. Every case of its own starts from the real
generator (``ScoringTemplate(setup).render(participant)``) for *its own* participant, filled
with :func:`bad_returns.standard_answers` (distinct points and texts per question, so an
answer on the wrong question is always visible), then damaged in one way. Expected outcome:

* ``accept``: the file is merged; ``codes`` are exactly its problem codes and ``answers``
  exactly its answers (``None`` = the whole standard answer set, else a dict of overrides);
* ``refuse``: not merged, ``codes`` are exactly its problem codes (one error at least);
* ``skip``: never a result (Excel's own lock files).

The reused corpus of ``tests/bad_returns.py`` (all for one participant) is written by the
suite into a folder of its own.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import os
import random
import re
import socket
import struct
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from bad_returns import (BILLION_LAUGHS, BIFF_BOF, PDF, PNG, _set_text, _zip, encrypted_with_msoffcrypto, filled,
                         minimal_encrypted_cfb, patch_declared_size, rezip, set_meta, standard_answers)
from xl_kik.core.cellref import column_letter
from xl_kik.core.round import Participant, RoundSetup
from xl_kik.excel import intake, scoring
from xl_kik.excel.vba.cfb import write_cfb

FORBIDDEN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


@dataclass
class HCase:
    name: str
    family: str
    path: Path
    expect: str                      # "accept" / "refuse" / "skip"
    codes: tuple[str, ...]           # exact, sorted
    pid: str = ""
    answers: dict[str, dict[str, Any]] | None = None   # overrides of the standard answers (accept)
    check: Callable[[Any], None] | None = None          # extra check on the ReturnResult

    @property
    def filename(self) -> str:
        return self.path.name


def std_answer(setup: RoundSetup) -> dict[str, dict[str, Any]]:
    return standard_answers(setup)


# ---------------------------------------------------------------- zip / XML helpers
def parts_of(blob: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(blob)) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def sheet_member(blob: bytes, sheet: str) -> str:
    return intake.sheet_parts(parts_of(blob))[sheet]


def patch_part(blob: bytes, member: str, fn: Callable[[bytes], bytes]) -> bytes:
    return rezip(blob, replace_parts={member: fn(parts_of(blob)[member])})


def patch_sheet(blob: bytes, sheet: str, fn: Callable[[bytes], bytes]) -> bytes:
    return patch_part(blob, sheet_member(blob, sheet), fn)


def add_rows(xml_rows: bytes) -> Callable[[bytes], bytes]:
    return lambda s: s.replace(b"</sheetData>", xml_rows + b"</sheetData>", 1)


def random_text(n: int, seed: int) -> bytes:
    rnd = random.Random(seed)
    return "".join(rnd.choice("abcdefghijklmnopqrstuvwxyzæøå0123456789 ") for _ in range(n)).encode()


def raw_zip(entries: Sequence[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a duplicate member name is the point of some cases
        with zipfile.ZipFile(out, "w", method) as zf:
            for name, data in entries:
                zf.writestr(name, data)
    return out.getvalue()


# ---------------------------------------------------------------- the generator
def build(folder: Path, setup: RoundSetup, participants: Sequence[Participant]) -> list[HCase]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    template = scoring.ScoringTemplate(setup)
    std = std_answer(setup)
    qids = list(setup.question_ids)
    q1, q2, q3 = qids[0], qids[1], qids[2]
    lay = scoring.make_layout(setup)
    row = lay.rows
    sheet = lay.sheet
    people = iter(participants)
    cases: list[HCase] = []

    def person() -> Participant:
        return next(people)

    def good_for(p: Participant, answers=None, edit=None) -> bytes:
        return filled(template.render(p), std if answers is None else answers, edit)

    def add(family: str, name: str, data: bytes | None, expect: str, codes: Sequence[str] = (), *,
            p: Participant | None = None, answers: dict | None = None, filename: str | None = None,
            check: Callable | None = None, suffix: str = ".xlsx") -> HCase:
        path = folder / (filename if filename is not None else f"{family}-{name}{suffix}")
        if data is not None:
            path.write_bytes(data)
        case = HCase(name, family, path, expect, tuple(sorted(codes)), p.pid if p else "", answers, check)
        cases.append(case)
        return case

    def accept(family, name, data, codes=(), p=None, answers=None, **kw):
        return add(family, name, data, "accept", codes, p=p, answers=answers, **kw)

    def refuse(family, name, data, codes, p=None, **kw):
        return add(family, name, data, "refuse", codes, p=p, **kw)

    # ------------------------------------------------ 1. grid and size limits (calamine safety)
    F = "grid"
    far_cell = add_rows(b'<row r="1048576"><c r="XFD1048576" t="n"><v>1</v></c></row>')
    for label, sheet_name in (("eval", sheet), ("meta", scoring.META_SHEET)):
        p = person()
        refuse(F, f"xfd1048576_{label}", patch_sheet(good_for(p), sheet_name, far_cell), ["F022"], p,
               check=lambda res, want=sheet_name: _assert_sheet(res, "F022", want))
    # a sheet the reader never reads is never parsed: what is in it cannot refuse the answers...
    p = person()
    accept(F, "xfd1048576_instructions", patch_sheet(good_for(p), "Vejledning", far_cell), [], p)

    # ...but once the metadata names it as the questions sheet it is read, and checked first
    def layout_on_instructions(wb, l):
        set_meta(wb, l, "sheet", "Vejledning")
    p = person()
    refuse(F, "xfd1048576_instructions_named_in_meta", patch_sheet(good_for(p, edit=layout_on_instructions),
                                                                 "Vejledning", far_cell), ["F022"], p,
           check=lambda res: _assert_sheet(res, "F022", "Vejledning"))
    p = person()
    refuse(F, "a50000000", patch_sheet(good_for(p), sheet, add_rows(
        b'<row r="9000"><c r="A50000000" t="n"><v>1</v></c></row>')), ["F022"], p)
    p = person()
    refuse(F, "row_50000000_cell_without_ref", patch_sheet(good_for(p), sheet, add_rows(
        b'<row r="50000000"><c t="n"><v>1</v></c></row>')), ["F022"], p)
    p = person()
    refuse(F, "implicit_columns_past_limit", patch_sheet(good_for(p), sheet, add_rows(
        b'<row r="60">' + b'<c t="n"><v>1</v></c>' * 200 + b"</row>")), ["F022"], p)
    p = person()
    refuse(F, "dimension_whole_grid", patch_sheet(good_for(p), sheet, lambda s: re.sub(
        rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', s)), ["F022"], p)
    p = person()
    refuse(F, "gt_inside_attribute", patch_sheet(good_for(p), sheet, add_rows(
        b'<row r="60"><c foo="&gt;>" r="XFD60" t="n"><v>1</v></c></row>')), ["F022"], p)
    p = person()
    refuse(F, "char_reference_in_ref", patch_sheet(good_for(p), sheet, add_rows(
        b'<row r="60"><c r="&#88;FD60" t="n"><v>1</v></c></row>')), ["F022"], p)
    p = person()
    refuse(F, "ref_beyond_excel_letters", patch_sheet(good_for(p), sheet, add_rows(
        b'<row r="60"><c r="AAAA60" t="n"><v>1</v></c></row>')), ["F022"], p)
    p = person()
    rnd = random.Random(5)
    many_cells = b"".join(
        b'<row r="%d">' % r + b"".join(b'<c r="%s%d"><v>%d</v></c>' % (column_letter(c).encode(), r, rnd.randrange(10 ** 9))
                                       for c in range(10, 111)) + b"</row>" for r in range(60, 1_060))
    refuse(F, "too_many_cells", patch_sheet(good_for(p), sheet, add_rows(many_cells)), ["F023"], p,
           check=lambda res: _assert_sheet(res, "F023", sheet))
    p = person()
    refuse(F, "shared_strings_declared_4e9", _with_sst(good_for(p), 4_000_000_000), ["F025"], p)
    p = person()
    big = b"<x>" + base64.b64encode(random.Random(9).randbytes(7 * 1024 * 1024)) + b"</x>"
    refuse(F, "one_part_9mb", rezip(good_for(p), add={"xl/media/big.xml": big}), ["F024"], p)
    p = person()
    accept(F, "edge_cell_dx10000", patch_sheet(good_for(p), sheet, add_rows(
        b'<row r="10000"><c r="DX10000" t="n"><v>1</v></c></row>')), [], p)
    p = person()
    far = b"".join(b'<row r="%d"><c r="Z%d"><v>%d</v></c></row>' % (r, r, r) for r in range(60, 9_001, 97))
    accept(F, "edge_rows_9000", patch_sheet(good_for(p), sheet, add_rows(far)), [], p)

    # ------------------------------------------------ 2. odd points values
    F = "points"
    pts = lay.col_points
    e2 = f"{pts}{row[q2]}"

    def pts_case(name, value, codes, points, expect="accept"):
        p = person()
        data = good_for(p, {**std, q2: {**std[q2], "points": value}})
        accept(F, name, data, codes, p, {q2: {"points": points}})

    for name, value, codes, points in (
            ("zero", 0, [], 0), ("max", setup.scale.max, [], setup.scale.max), ("float_whole", 50.0, [], 50),
            ("over_max", setup.scale.max + 1, ["R020"], None), ("minus_one", -1, ["R020"], None),
            ("huge", 1e308, ["R020"], None), ("tiny_decimal", 0.0001, ["R021"], None),
            ("text_spaces", " 60 ", ["R022"], 60), ("text_60_comma_0", "60,0", ["R022"], 60),
            ("text_nbsp", "\u00a060", ["R022"], 60), ("fullwidth_digits", "６０", ["R023"], None),
            ("arabic_digit", "٣", ["R023"], None), ("text_inf", "inf", ["R023"], None),
            ("text_nan", "NaN", ["R023"], None), ("text_exponent", "1e2", ["R023"], None),
            ("text_percent", "60%", ["R023"], None), ("bool_false", False, ["R024"], None),
            ("time", dt.time(12, 30), ["R025"], None), ("error_na_text", "#N/A", ["R026"], None),
            ("text_minus_zero", "-0", ["R022"], 0)):
        pts_case(name, value, codes, points)

    def points_xml(name, cell_xml: bytes, codes, points, styles: Callable[[bytes], bytes] | None = None):
        p = person()
        data = good_for(p, {**std, q2: {**std[q2], "points": 1}})
        data = patch_sheet(data, sheet, lambda s: re.sub(rb'<c r="%s"[^>]*?(?:/>|>.*?</c>)' % e2.encode(),
                                                          cell_xml.replace(b"REF", e2.encode()), s, count=1,
                                                          flags=re.S))
        if styles is not None:
            data = patch_part(data, "xl/styles.xml", styles)
        accept(F, name, data, codes, p, {q2: {"points": points}})

    points_xml("formula_cached_0", b'<c r="REF"><f>A1</f><v>0</v></c>', ["R034"], 0)
    points_xml("formula_cached_60", b'<c r="REF"><f>30*2</f><v>60</v></c>', ["R034"], 60)
    points_xml("formula_no_cache", b'<c r="REF"><f>30*2</f></c>', ["R035"], None)
    points_xml("formula_empty_cache", b'<c r="REF"><f>30*2</f><v></v></c>', ["R035"], None)
    points_xml("formula_cached_error", b'<c r="REF" t="e"><f>1/0</f><v>#DIV/0!</v></c>', ["R026"], None)
    points_xml("formula_cached_decimal", b'<c r="REF"><f>1/3</f><v>0.333</v></c>', ["R021"], None)
    points_xml("formula_after_text", b'<c r="REF">x<f>30*2</f><v>60</v></c>', ["R034"], 60)
    points_xml("formula_after_value", b'<c r="REF"><v>1</v><f>30*2</f><v>60</v></c>', ["R034"], 60)

    # a formula (or value) behind a comment, PI or CDATA section: calamine reads the cached value, a
    # scan taking the next tag would not see the formula; Excel never writes these, so refused
    for name, cell_xml in (("formula_behind_comment", b'<c r="REF"><!-- x --><f>HYPERLINK("http://x","y")</f><v>60</v></c>'),
                           ("formula_behind_pi", b'<c r="REF"><?pi x?><f>30*2</f><v>60</v></c>'),
                           ("formula_behind_cdata", b'<c r="REF"><![CDATA[ ]]><f>30*2</f><v>60</v></c>'),
                           ("value_behind_comment", b'<c r="REF"><v><!-- x -->60</v></c>')):
        p = person()
        data = good_for(p, {**std, q2: {**std[q2], "points": 1}})
        data = patch_sheet(data, sheet, lambda s, x=cell_xml: re.sub(rb'<c r="%s"[^>]*?(?:/>|>.*?</c>)' % e2.encode(),
                                                                     x.replace(b"REF", e2.encode()), s, count=1,
                                                                     flags=re.S))
        refuse(F, name, data, ["F029"], p, check=lambda res: (_assert_sheet(res, "F029", sheet),
                                                                _assert_message(res, "F029", f"celle {e2}")))

    def add_percent_style(code: bytes | None):
        def fn(styles: bytes) -> bytes:
            m = re.search(rb"<cellXfs[^>]*>(.*?)</cellXfs>", styles, re.S)
            count = len(re.findall(rb"<xf\b", m.group(1)))
            fid = b"9" if code is None else b"170"
            xf = b'<xf numFmtId="%s" fontId="0" fillId="0" borderId="0" applyNumberFormat="1"/>' % fid
            out = styles.replace(m.group(0), m.group(0).replace(b"</cellXfs>", xf + b"</cellXfs>"))
            out = re.sub(rb'(<cellXfs[^>]*count=")\d+', rb"\g<1>%d" % (count + 1), out)
            if code is not None:
                fmt = b'<numFmt numFmtId="170" formatCode="%s"/>' % code
                if b"<numFmts" in out:
                    out = re.sub(rb"(<numFmts[^>]*>)", rb"\1" + fmt, out, count=1)
                else:
                    out = re.sub(rb"(<styleSheet[^>]*>)", b"\\1" + b'<numFmts count="1">' + fmt + b"</numFmts>",
                                 out, count=1)
            return out, count
        return fn

    for name, value, code, shown_points in (("percent_60", b"0.6", None, None), ("percent_100", b"1", None, None),
                                            ("percent_custom_0_0", b"0.6", b"0.0%", None)):
        p = person()
        data = good_for(p, {**std, q2: {**std[q2], "points": 1}})
        parts = parts_of(data)
        new_styles, index = add_percent_style(code)(parts["xl/styles.xml"])
        data = rezip(data, replace_parts={"xl/styles.xml": new_styles})
        data = patch_sheet(data, sheet, lambda s, v=value, i=index: re.sub(
            rb'<c r="%s"[^>]*?(?:/>|>.*?</c>)' % e2.encode(), b'<c r="%s" s="%d"><v>%s</v></c>' % (e2.encode(), i, v),
            s, count=1, flags=re.S))
        shown = "60 %" if value == b"0.6" else "100 %"
        accept(F, name, data, ["R033"], p, {q2: {"points": None}},
               check=lambda res, shown=shown: _assert_message(res, "R033", shown))

    # ------------------------------------------------ 3. layout edits
    F = "layout"

    def question_rows(ws) -> list[int]:
        return [row[q] for q in qids]

    def reverse_rows(first_col: int):
        """An edit that reverses the question rows from column ``first_col`` to H."""
        def edit(wb, l):
            ws = l["ws"]
            rows = question_rows(ws)
            values = {r: [ws.cell(r, c).value for c in range(first_col, 9)] for r in rows}
            for src, dst in zip(rows, reversed(rows)):
                for c, v in enumerate(values[src], start=first_col):
                    cell = ws.cell(dst, c)
                    if isinstance(v, str):
                        _set_text(cell, v)
                    else:
                        cell.value = v
        return edit

    p = person()  # only B:H of the question rows (the hidden id column A stays)
    accept(F, "visible_columns_sorted", good_for(p, edit=reverse_rows(2)), ["R038"], p)
    p = person()
    accept(F, "whole_rows_sorted", good_for(p, edit=reverse_rows(1)), ["R018"], p)
    for name, fn, codes, expect in (
            ("column_inserted_before_E", lambda wb, l: l["ws"].insert_cols(5), ["R036"], "accept"),
            ("column_inserted_before_A", lambda wb, l: l["ws"].insert_cols(1), ["R036"], "accept"),
            ("column_D_deleted", lambda wb, l: l["ws"].delete_cols(4), ["R036"], "accept"),
            ("column_E_deleted", lambda wb, l: l["ws"].delete_cols(5), ["R037"], "refuse"),
            ("column_B_deleted", lambda wb, l: l["ws"].delete_cols(2), ["R037"], "refuse"),
            ("header_points_renamed", lambda wb, l: _set_text(l["ws"][f"{pts}{lay.header_row}"], "Score"),
             ["R037"], "refuse"),
            ("header_row_cleared", lambda wb, l: [setattr(c, "value", None) for c in l["ws"][lay.header_row]],
             ["R037"], "refuse")):
        p = person()
        if expect == "accept":
            accept(F, name, good_for(p, edit=fn), codes, p)
        else:
            refuse(F, name, good_for(p, edit=fn), codes, p)

    def swap_text_columns(wb, l):  # strengths <-> improvements, headers included
        ws = l["ws"]
        for r in range(lay.header_row, ws.max_row + 1):
            a, b = ws.cell(r, 6), ws.cell(r, 7)
            va, vb = a.value, b.value
            for cell, v in ((a, vb), (b, va)):
                if isinstance(v, str):
                    _set_text(cell, v)
                else:
                    cell.value = v
    p = person()
    accept(F, "text_columns_swapped_with_headers", good_for(p, edit=swap_text_columns), ["R036"], p)

    def rows_inserted(wb, l):
        l["ws"].insert_rows(row[q2])
        l["ws"].insert_rows(row[q1])
    p = person()
    accept(F, "rows_inserted", good_for(p, edit=rows_inserted), [], p)
    p = person()
    accept(F, "row_deleted", good_for(p, edit=lambda wb, l: l["ws"].delete_rows(row[q2])), ["R015"], p,
           {q2: None})

    def clear_all_hidden(wb, l):
        for q in qids:
            l["ws"][f"A{row[q]}"].value = None
    p = person()
    accept(F, "hidden_ids_cleared", good_for(p, edit=clear_all_hidden), ["R044"], p)

    def visible_number_unknown(wb, l):
        _set_text(l["ws"][f"B{row[q2]}"], "9.9")
    p = person()
    refuse(F, "visible_number_unknown", good_for(p, edit=visible_number_unknown), ["R039"], p)

    def visible_and_text_disagree(wb, l):  # number says q3, the question text is q2's
        _set_text(l["ws"][f"B{row[q2]}"], q3)
        _set_text(l["ws"][f"B{row[q3]}"], q2)
    p = person()
    refuse(F, "visible_number_swapped_text_not", good_for(p, edit=visible_and_text_disagree), ["R039"], p)

    def hidden_swapped(wb, l):
        _set_text(l["ws"][f"A{row[q1]}"], q2)
        _set_text(l["ws"][f"A{row[q2]}"], q1)
    p = person()
    accept(F, "hidden_ids_swapped", good_for(p, edit=hidden_swapped), ["R038"], p)

    def meta_col_points_changed(wb, l):
        set_meta(wb, l, "col_points", "F")
    p = person()
    refuse(F, "meta_column_letter_changed", good_for(p, edit=meta_col_points_changed), ["R014"], p)

    # ------------------------------------------------ 4. formula injection and forbidden characters
    F = "text"
    s2 = f"{lay.col_strengths}{row[q2]}"
    for name, text in (("hyperlink", '=HYPERLINK("http://evil.example","klik")'), ("dde_plus", "+cmd|' /C calc'!A0"),
                       ("at_sum", "@SUM(1+1)*cmd|' /C calc'!A0"), ("minus_formula", "-2+3+cmd|' /C calc'!A0"),
                       ("equals_only", "=1+1")):
        p = person()
        accept(F, f"formula_{name}", good_for(p, {**std, q2: {**std[q2], "strengths": text}}), ["R031"], p,
               {q2: {"strengths": text}})

    def strengths_xml(name, inner: bytes, check_text: Callable[[str], bool], codes=()):
        p = person()
        data = good_for(p, {**std, q2: {**std[q2], "strengths": "X"}})
        data = patch_sheet(data, sheet, lambda s: re.sub(rb'<c r="%s"[^>]*?(?:/>|>.*?</c>)' % s2.encode(),
                                                          b'<c r="%s" t="inlineStr"><is><t>%s</t></is></c>'
                                                          % (s2.encode(), inner), s, count=1, flags=re.S))
        accept(F, name, data, codes, p, {q2: {"strengths": _ANY}},
               check=lambda res: _assert_text(res, q2, check_text))

    clean = lambda t: not FORBIDDEN_XML.search(t)  # noqa: E731
    strengths_xml("escape_xFFFE", b"A_xFFFE_B_xFFFF_C", lambda t: clean(t) and t.replace("_xFFFE_", "").startswith("A"))
    strengths_xml("escape_x0001", b"A_x0001_B_x001F_C", lambda t: clean(t) and "A" in t and "C" in t)
    strengths_xml("escape_lone_surrogate", b"A_xD800_B", lambda t: clean(t) and "A" in t)
    strengths_xml("raw_noncharacter_bytes", "A\ufffeB".encode("utf-8"), lambda t: clean(t) and "A" in t)
    strengths_xml("rtl_override_kept", "abc\u202edef".encode(), lambda t: t == "abc\u202edef")
    strengths_xml("emoji_kept", "Godt 👍 arbejde".encode(), lambda t: t == "Godt 👍 arbejde")
    strengths_xml("tabs_newlines_kept", b"linje 1\nlinje\t2", lambda t: t == "linje 1\nlinje\t2")
    strengths_xml("cdata", b"<![CDATA[<b>fed</b> & mere]]>", lambda t: "fed" in t and clean(t))
    p = person()
    accept(F, "text_5001_chars", good_for(p, {**std, q2: {**std[q2], "strengths": "ø" * 5001}}), ["R030"], p,
           {q2: {"strengths": "ø" * 5001}})  # read whole (R030 says it is past the questionnaire's limit)

    # ------------------------------------------------ 5. identity tampering
    F = "identity"
    others = list(participants)
    p = person()
    refuse(F, "token_edited", good_for(p, edit=lambda wb, l: set_meta(wb, l, "participant_token", "0" * 12, True)),
           ["R007"], p)
    p = person()
    refuse(F, "pid_edited", good_for(p, edit=lambda wb, l: set_meta(wb, l, "participant_id", others[0].pid, True)),
           ["R007"], p)
    p = person()
    refuse(F, "round_edited", good_for(p, edit=lambda wb, l: set_meta(wb, l, "round_id", "KIK-20200101-x", True)),
           ["R005"], p)
    p = person()
    refuse(F, "format_garbage", good_for(p, edit=lambda wb, l: set_meta(wb, l, "format", "xl_kik.scoring/abc", True)),
           ["R012"], p)
    p = person()
    refuse(F, "scale_edited", good_for(p, edit=lambda wb, l: set_meta(wb, l, "scale_max", "1000")), ["R010"], p)

    p = person()
    accept(F, "meta_sheet_name_case", patch_part(good_for(p), "xl/workbook.xml", lambda s: s.replace(
        b'name="_kik"', b'name="_KIK"', 1)), [], p)

    def meta_deleted(wb, l):
        del wb[l["meta_ws"].title]
    p = person()
    accept(F, "meta_sheet_deleted", good_for(p, edit=meta_deleted), ["R011"], p)

    def meta_and_props_deleted(wb, l):
        del wb[l["meta_ws"].title]
        wb.custom_doc_props.props.clear()
    p = person()
    refuse(F, "meta_and_props_deleted", good_for(p, edit=meta_and_props_deleted), ["R001"], p)
    stranger = Participant("Z99", "Fremmed Person")
    refuse(F, "not_a_participant", filled(template.render(stranger), std), ["R006"])

    # ------------------------------------------------ 6. several files from one person
    F = "several"
    p = person()
    first = good_for(p, {**std, q1: {**std[q1], "points": 1}})
    second = good_for(p)
    older = accept(F, "older_version", _with_saved_at(first, "2026-03-01T10:00:00Z"), ["R041"], p, {q1: {"points": 1}})
    accept(F, "newer_version", _with_saved_at(second, "2026-03-05T10:00:00Z"), ["R042"], p)
    older.expect = "superseded"
    p = person()
    accept(F, "filled_copy", _with_saved_at(good_for(p), "2026-03-01T10:00:00Z"), ["R042"], p)
    empty = accept(F, "empty_copy_newer", _with_saved_at(template.render(p), "2026-03-09T10:00:00Z"),
                   ["R032", "R041"], p, {q: {"points": None, "strengths": "", "improvements": "", "ideas": ""}
                                         for q in qids})
    empty.expect = "superseded"
    p = person()
    same = good_for(p)
    accept(F, "identical_a", same, [], p)
    refuse(F, "identical_b", same, ["R040"], p)

    # ------------------------------------------------ 7. odd file names
    F = "names"
    p = person()
    accept(F, "real_workbook_named_tilde", good_for(p), [], p, filename="~$svar fra Ida.xlsx")
    add(F, "excel_owner_lock_file", b"\x06Ida   " + b"\x00" * 150, "skip", filename="~$KIK svar.xlsx")
    add(F, "libreoffice_lock", b"Ida,host,/tmp,02.12.2026 10:00,file:///x;", "skip", filename=".~lock.svar.xlsx#")
    p = person()
    accept(F, "real_workbook_dotfile", good_for(p), [], p, filename=".skjult svar.xlsx")
    p = person()
    accept(F, "long_name", good_for(p), [], p, filename="Svar " + "æ" * 110 + ".xlsx")
    p = person()
    accept(F, "emoji_name", good_for(p), [], p, filename="Svar 👍 endelig.xlsx")
    p = person()
    accept(F, "rtl_override_name", good_for(p), [], p, filename="svar\u202eslx.xlsx")
    p = person()
    accept(F, "newline_in_name", good_for(p), [], p, filename="svar\nlinje2.xlsx")
    p = person()
    accept(F, "no_extension", good_for(p), ["F020"], p, filename="svar uden endelse")
    p = person()
    bad_name = os.fsdecode(b"svar-\xff\xfe-latin1-\xe6.xlsx")
    accept(F, "invalid_utf8_name", good_for(p), [], p, filename=bad_name,
           check=lambda res: _assert_safe_name(res))

    # ------------------------------------------------ 8. file-system oddities
    F = "fs"
    fifo = folder / "fs-fifo.xlsx"
    if hasattr(os, "mkfifo"):
        os.mkfifo(fifo)
        add(F, "fifo", None, "refuse", ["F026"], filename=fifo.name)
    sock_path = folder / "fs-socket.xlsx"
    if hasattr(socket, "AF_UNIX"):
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        cwd = os.getcwd()
        try:
            os.chdir(folder)  # a relative address: AF_UNIX paths are limited to ~100 bytes
            srv.bind(sock_path.name)
        finally:
            os.chdir(cwd)
            srv.close()
        add(F, "socket", None, "refuse", ["F026"], filename=sock_path.name)
    if hasattr(os, "mknod") and hasattr(os, "geteuid") and os.geteuid() == 0:
        import stat

        os.mknod(folder / "fs-char-device.xlsx", stat.S_IFCHR | 0o600, os.makedev(1, 3))  # like /dev/null
        add(F, "char_device", None, "refuse", ["F026"], filename="fs-char-device.xlsx")
    os.symlink(folder / "does-not-exist.xlsx", folder / "fs-dangling.xlsx")
    add(F, "dangling_link", None, "refuse", ["F027"], filename="fs-dangling.xlsx")
    outside = folder.parent.parent / "outside-the-round.xlsx"
    p = person()
    outside.write_bytes(good_for(p))
    os.symlink(outside, folder / "fs-link-outside.xlsx")
    add(F, "link_outside_round", None, "refuse", ["F028"], filename="fs-link-outside.xlsx")
    os.symlink("/dev/zero", folder / "fs-dev-zero.xlsx")
    add(F, "link_to_device", None, "refuse", ["F028"], filename="fs-dev-zero.xlsx")
    p = person()
    inside = folder.parent / "udsendt-kopi.xlsx"
    inside.write_bytes(good_for(p))
    os.symlink(inside, folder / "fs-link-inside.xlsx")
    add(F, "link_inside_round", None, "accept", [], p=p, filename="fs-link-inside.xlsx")
    (folder / "fs-subfolder").mkdir()
    add(F, "subfolder", None, "refuse", ["R043"], filename="fs-subfolder")
    refuse(F, "zero_bytes", b"", ["F001"])
    sparse = folder / "fs-sparse-21mb.xlsx"
    with open(sparse, "wb") as fh:
        fh.truncate(21 * 1024 * 1024)
    add(F, "sparse_21mb", None, "refuse", ["F002"], filename=sparse.name)

    # ------------------------------------------------ 9. zip damage and bombs
    F = "zip"
    p = person()
    good = good_for(p)
    refuse(F, "truncated_end", good[:-30], ["F010"], p)
    refuse(F, "truncated_half", good[: len(good) // 2], ["F010"], p)
    flipped = bytearray(good)
    pos = good.find(b"PK\x03\x04", 100)
    flipped[pos + 14] ^= 0xFF  # the CRC of the second member's local header is not checked; the data is:
    member = zipfile.ZipFile(io.BytesIO(good)).infolist()[1]
    data_at = member.header_offset + 30 + len(member.filename.encode()) + len(member.extra)
    flipped[data_at + 5] ^= 0xFF
    refuse(F, "data_bit_flipped", bytes(flipped), ["F010"], p)
    refuse(F, "duplicate_member", raw_zip(list(parts_of(good).items()) + [("xl/workbook.xml", b"<x/>")]),
           ["F010"], p)
    refuse(F, "bzip2_member", _recompress(good, zipfile.ZIP_BZIP2), ["F010"], p)
    refuse(F, "lzma_member", _recompress(good, zipfile.ZIP_LZMA), ["F010"], p)
    enc = bytearray(good)
    struct.pack_into("<H", enc, 6, struct.unpack_from("<H", enc, 6)[0] | 1)  # local header
    first_cd = good.find(b"PK\x01\x02")
    struct.pack_into("<H", enc, first_cd + 8, struct.unpack_from("<H", enc, first_cd + 8)[0] | 1)
    refuse(F, "zip_encryption_flag", bytes(enc), ["F009"], p)
    refuse(F, "members_2000", rezip(good, add={f"xl/media/m{i}.bin": b"x" for i in range(2000)}), ["F013"], p)
    refuse(F, "declared_40mb", patch_declared_size(rezip(good, add={"xl/media/a.xml": b"<a/>"}), "xl/media/a.xml",
                                                   40 * 1024 * 1024), ["F011"], p)
    refuse(F, "ratio_bomb", rezip(good, add={"xl/media/z.xml": b"\0" * (5 * 1024 * 1024)}), ["F012"], p)
    refuse(F, "nested_zip", rezip(good, add={"xl/embeddings/x.bin": _zip({"a": b"b"})}), ["F014"], p)
    refuse(F, "size_lie_smaller", patch_declared_size(good, "xl/workbook.xml",
                                                      len(parts_of(good)["xl/workbook.xml"]) - 5), ["F010"], p)
    refuse(F, "no_workbook_part", rezip(good, drop=["xl/workbook.xml"]), ["F017"], p)
    refuse(F, "only_end_record", b"PK\x05\x06" + b"\0" * 18, ["F017"], p)

    # ------------------------------------------------ 10. XML entity and XInclude tricks
    F = "xml"
    p = person()
    good = good_for(p)
    refuse(F, "billion_laughs_in_sheet", patch_sheet(good, sheet, lambda s: BILLION_LAUGHS.split(b"<sst")[0] + s.split(
        b"?>", 1)[-1]), ["F015"], p)
    refuse(F, "xxe_in_workbook", patch_part(good, "xl/workbook.xml", lambda s: s.replace(
        b"<workbook", b'<!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]><workbook', 1)), ["F015"], p)
    refuse(F, "doctype_lowercase_spaced", patch_part(good, "xl/styles.xml", lambda s: s.replace(
        b"<styleSheet", b"<! doctype s><styleSheet", 1)), ["F015"], p)
    p = person()
    xinc = (b'<c r="%s" t="inlineStr"><is><t><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
            b'href="file:///etc/passwd" parse="text"/>tekst</t></is></c>' % s2.encode())
    data = patch_sheet(good_for(p, {**std, q2: {**std[q2], "strengths": "X"}}), sheet, lambda s: re.sub(
        rb'<c r="%s"[^>]*?(?:/>|>.*?</c>)' % s2.encode(), xinc, s, count=1, flags=re.S))
    accept(F, "xinclude_not_followed", data, [], p, {q2: {"strengths": _ANY}},
           check=lambda res: _assert_text(res, q2, lambda t: "root:" not in t))
    p = person()
    accept(F, "processing_instruction", patch_sheet(good_for(p), sheet, lambda s: s.replace(
        b"<sheetData>", b'<?xml-stylesheet href="http://evil.example/x.xsl"?><sheetData>', 1)), [], p)
    p = person()
    accept(F, "comment_with_fake_cell", patch_sheet(good_for(p), sheet, lambda s: s.replace(
        b"<sheetData>", b'<sheetData><!-- <c r="E8"><v>99</v></c> -->', 1)), [], p)

    # ------------------------------------------------ 11. not Excel, other and legacy formats
    F = "format"
    refuse(F, "xls_biff8", write_cfb({"Workbook": BIFF_BOF}), ["F003"], suffix=".xls")
    refuse(F, "xls_named_xlsx", write_cfb({"Workbook": BIFF_BOF + b"\0" * 16}), ["F003"])
    refuse(F, "encrypted_cfb", minimal_encrypted_cfb(), ["F009"])
    p = person()
    real = encrypted_with_msoffcrypto(good_for(p))
    if real is not None:
        refuse(F, "encrypted_real", real, ["F009"], p)
    refuse(F, "ods", _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"},
                          stored_first="mimetype"), ["F004"], suffix=".ods")
    refuse(F, "csv_utf8_bom", "\ufeffNr;Point\n1.1;60\n".encode("utf-8"), ["F005"], suffix=".csv")
    refuse(F, "html_as_xls", b"<html><body><table><tr><td>60</td></tr></table></body></html>", ["F005"],
           suffix=".xls")
    refuse(F, "spreadsheetml_2003", b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:'
                                    b'spreadsheet"></Workbook>', ["F005"], suffix=".xml")
    refuse(F, "pdf", PDF, ["F006"], suffix=".pdf")
    refuse(F, "rtf", b"{\\rtf1\\ansi Svar: 60}", ["F007"], suffix=".rtf")
    refuse(F, "docx", _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}), ["F007"],
           suffix=".docx")
    refuse(F, "pptx", _zip({"[Content_Types].xml": b"<Types/>", "ppt/presentation.xml": b"<p/>"}), ["F018"],
           suffix=".pptx")
    refuse(F, "png", PNG, ["F008"], suffix=".png")
    refuse(F, "jpeg", b"\xff\xd8\xff\xe0" + b"\0" * 100, ["F008"], suffix=".jpg")
    refuse(F, "gzip", b"\x1f\x8b\x08\x00" + b"\0" * 50, ["F018"], suffix=".gz")
    refuse(F, "seven_zip", b"7z\xbc\xaf\x27\x1c" + b"\0" * 50, ["F018"], suffix=".7z")
    refuse(F, "xlsb", _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.bin": b"\x83\x01"}), ["F021"],
           suffix=".xlsb")
    refuse(F, "random_binary", b"\x00\x01\x02" + random.Random(1).randbytes(3000), ["F018"], suffix=".dat")
    refuse(F, "utf16_text", "Point;60\r\n".encode("utf-16"), ["F005"], suffix=".txt")
    refuse(F, "eml_message", b"From: a@b.dk\r\nSubject: svar\r\n\r\nHer er mit svar: 60\r\n", ["F005"], suffix=".eml")
    return cases


_ANY = object()  # an expected text checked by HCase.check instead of equality


def _rows_of(cells: bytes) -> bytes:
    """Group ``<c r="X12">`` cells into ``<row r="12">`` elements (input in row order)."""
    out, current, buf = [], None, []
    for m in re.finditer(rb'<c r="[A-Z]+(\d+)">.*?</c>', cells):
        r = int(m.group(1))
        if r != current and buf:
            out.append(b'<row r="%d">' % current + b"".join(buf) + b"</row>")
            buf = []
        current = r
        buf.append(m.group(0))
    if buf:
        out.append(b'<row r="%d">' % current + b"".join(buf) + b"</row>")
    return b"".join(out)


def _with_sst(blob: bytes, unique: int) -> bytes:
    sst = (b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
           b'main" count="%d" uniqueCount="%d"><si><t>x</t></si></sst>' % (unique, unique))
    parts = parts_of(blob)
    if "xl/sharedStrings.xml" in parts:
        return rezip(blob, replace_parts={"xl/sharedStrings.xml": sst})
    return rezip(blob, add={"xl/sharedStrings.xml": sst})


def _with_saved_at(blob: bytes, stamp: str) -> bytes:
    return patch_part(blob, "docProps/core.xml", lambda s: re.sub(
        rb"(<dcterms:modified[^>]*>)[^<]*(<)", rb"\g<1>" + stamp.encode() + rb"\2", s))


def _recompress(blob: bytes, method: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(blob)) as src, zipfile.ZipFile(out, "w") as dst:
        for i, info in enumerate(src.infolist()):
            dst.writestr(info.filename, src.read(info), compress_type=method if i == 3 else zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _assert_message(res, code: str, shown: str) -> None:
    msgs = [p.message("da") for p in res.report.problems if p.code == code]
    assert msgs and all(shown in m for m in msgs), msgs


def _assert_sheet(res, code: str, sheet: str) -> None:
    found = [p for p in res.report.problems if p.code == code]
    assert found and all(p.sheet == sheet and sheet in p.message("da") and res.report.source in p.message("da")
                         for p in found), [(p.sheet, p.message("da")) for p in found]


def _assert_text(res, qid: str, ok: Callable[[str], bool]) -> None:
    text = res.response.answers[qid].strengths
    assert ok(text), repr(text)


def _assert_safe_name(res) -> None:
    for p in res.report.problems:
        p.message("da").encode("utf-8")
    res.report.source.encode("utf-8")
