"""Repair a master that another program (LibreOffice) saved, at our next write.

:class:`xl_kik.excel.masterfile.MasterFile` calls :func:`repair_file` on every master it
saves (after openpyxl wrote it, before it is moved into place). It changes only the package
structure, never a cell:

* **VBA project**: rebuilt from macros/ and the installed xlwings (:func:`master.rebuilt_vba`,
  document-module code and the coordinator's own modules kept) when its modules or module
  kinds differ from ours. LibreOffice's first save leaves a ``PROJECT`` stream without the
  class module ``Dictionary`` that its ``dir`` stream still has, and strips Dictionary's
  class attributes; its second save turns Dictionary into a document module.
* **Start sheet buttons**: re-created (:func:`master.start_buttons_vml`) when one of our
  macros has no button, a button is bound another way than ``[0]!Macro`` or two shapes share
  an id. LibreOffice's first save rebinds them as ``KikButtons.KikMerge`` with duplicate
  shape ids; its second save drops the VML part.
* **Defined names**: one ``_xlnm.*`` name per sheet and built-in (LibreOffice adds its own
  print titles next to ours, and after a second save renames the extra one
  ``_xlnm.Print_Titles_0``), print titles columns first as Excel writes them, no
  ``_xlnm.`` name Excel does not know.

:func:`button_problems` and :func:`vba_problems` are the checks; ``xl-kik doctor`` reports
them in Danish and ``xl-kik doctor --fix`` repairs through the same path.
"""

from __future__ import annotations

import hashlib
import io
import logging
import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from xl_kik.excel import master
from xl_kik.excel.vba import ProjectDifference, project_differences, project_modules

log = logging.getLogger(__name__)

REL_VML = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/vmlDrawing"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
# Excel's built-in names (MS-OI29500 / ECMA-376 18.2.5); anything else after "_xlnm." is junk
BUILTIN_NAMES = {"_xlnm.Print_Area", "_xlnm.Print_Titles", "_xlnm._FilterDatabase", "_xlnm.Criteria",
                 "_xlnm.Extract", "_xlnm.Consolidate_Area", "_xlnm.Database", "_xlnm.Sheet_Title",
                 "_xlnm.Auto_Open", "_xlnm.Auto_Close", "_xlnm.Recorder", "_xlnm.Data_Form"}
_SHAPE_RE = re.compile(r"<v:shape\b[^>]*>.*?</v:shape>", re.S | re.I)
_SHAPE_ID_RE = re.compile(r'<v:shape\b[^>]*?\sid="([^"]*)"', re.I)
_DEFINED_NAME_RE = re.compile(rb"<definedName\b((?:[^>/]|/(?!>))*)>(.*?)</definedName>|<definedName\b([^>]*)/>", re.S)
_ATTR_RE = re.compile(rb'(\w+)="([^"]*)"')
# Children of <worksheet> that must come after <legacyDrawing> (ECMA-376 CT_Worksheet order)
_AFTER_LEGACY = (b"legacyDrawingHF", b"drawingHF", b"picture", b"oleObjects", b"controls",
                 b"webPublishItems", b"tableParts", b"extLst")


# ----------------------------------------------------------------------------- reading
def _vba_part(zf: zipfile.ZipFile) -> str | None:
    rels = master._rels(zf, "xl/workbook.xml")
    part = next((t for typ, t, _m in rels.values() if typ == master.REL_VBA), None)
    return part if part and part in zf.namelist() else None


def _start_sheet(zf: zipfile.ZipFile) -> master.SheetInfo | None:
    infos, _ = master.workbook_sheets(zf)
    return master.find_sheet_info(infos, "start")


def _vml_parts(zf: zipfile.ZipFile, sheet_part: str) -> list[tuple[str, str]]:
    """(rId, part) of the sheet's VML drawings."""
    return [(rid, target) for rid, (typ, target, _m) in master._rels(zf, sheet_part).items()
            if typ == REL_VML]


@dataclass(frozen=True)
class ButtonProblem:
    """``code``: ``missing`` (no button for ``macro``), ``rebound`` (bound as ``detail``),
    ``duplicate_ids`` (``detail`` lists the shape ids used twice)."""

    code: str
    macro: str = ""
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.code} {self.macro}{': ' + self.detail if self.detail else ''}".replace("  ", " ")


def button_problems(zf: zipfile.ZipFile) -> list[ButtonProblem]:
    """Why the Start sheet's buttons are not ours: a macro without a button, a button bound
    another way than ``[0]!Macro``, shapes sharing an id. [] when they are fine."""
    start = _start_sheet(zf)
    if start is None:
        return []  # not a master with a Start sheet: nothing to say here
    shapes: list[str] = []
    for _rid, part in _vml_parts(zf, start.part):
        if part in zf.namelist():
            shapes += _SHAPE_RE.findall(zf.read(part).decode("utf-8", "replace"))
    bound: dict[str, list[str]] = {}
    for shape in shapes:
        m = master._MACRO_RE.search(shape)
        if m:
            _module, sub = master._macro_name(m.group(1))
            bound.setdefault(sub, []).append(m.group(1))
    problems = []
    for macro, _caption, _description in master.BUTTONS:
        got = bound.get(macro, [])
        if not got:
            problems.append(ButtonProblem("missing", macro))
        elif got != [f"[0]!{macro}"]:
            problems.append(ButtonProblem("rebound", macro, ", ".join(got)))
    ids = [m.group(1) for s in shapes for m in [_SHAPE_ID_RE.search(s)] if m]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        problems.append(ButtonProblem("duplicate_ids", "", ", ".join(dup)))
    return problems


def _expected_modules(zf: zipfile.ZipFile) -> list:
    """Our modules for this workbook: a document module per codeName, macros/, xlwings'."""
    infos, wb_code = master.workbook_sheets(zf)
    docs = [wb_code or master.WORKBOOK_CODE_NAME] + [i.codename for i in infos if i.codename]
    return project_modules(document_modules=tuple(docs))


def vba_problems(zf: zipfile.ZipFile) -> list[ProjectDifference]:
    """Why the VBA project is not ours (see :func:`project_differences`); [] when it is."""
    part = _vba_part(zf)
    if part is None:
        return []  # no project at all: verify_master reports S126
    return project_differences(zf.read(part), _expected_modules(zf))


# ---------------------------------------------------------------- the VBA check, once per project
#: Custom document property: the :func:`vba_key` of the project the last save checked (or
#: rebuilt). Decompressing the project to check it is most of the repair step's time; while
#: the project's bytes, the workbook's codeNames and our modules are unchanged the answer is too.
VBA_CHECKED = "xl_kik_vba_checked"
_CHECKED_RE = re.compile(rb'<property\b[^>]*\bname="' + VBA_CHECKED.encode() +
                         rb'"[^>]*>\s*<vt:lpwstr>([0-9a-f]{64})</vt:lpwstr>\s*</property>')
_PID_RE = re.compile(rb'\bpid="(\d+)"')
_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"


def vba_key(zf: zipfile.ZipFile) -> str | None:
    """SHA-256 of everything :func:`vba_problems` looks at: the project's bytes, the document
    modules the workbook's codeNames need, our modules (macros/, the installed xlwings);
    None without a project."""
    part = _vba_part(zf)
    if part is None:
        return None
    h = hashlib.sha256(zf.read(part))
    for m in _expected_modules(zf):
        h.update(b"\0" + "\x1f".join((m.name, m.kind, m.source)).encode("utf-8"))
    return h.hexdigest()


def checked_vba_key(zf: zipfile.ZipFile) -> str | None:
    """The key the master's ``xl_kik_vba_checked`` property holds (None when it has none)."""
    try:
        xml = zf.read("docProps/custom.xml")
    except KeyError:
        return None
    m = _CHECKED_RE.search(xml)
    return m.group(1).decode() if m else None


def _checked_properties(zf: zipfile.ZipFile, key: str) -> bytes | None:
    """The package's ``docProps/custom.xml`` with ``xl_kik_vba_checked`` set to ``key``; None when
    it holds that already or has no custom properties to add it to."""
    if checked_vba_key(zf) == key or "docProps/custom.xml" not in zf.namelist():
        return None
    xml = zf.read("docProps/custom.xml")
    if b"xmlns:vt=" not in xml or b"</Properties>" not in xml:
        return None
    xml = _CHECKED_RE.sub(b"", xml)
    pid = max([int(p) for p in _PID_RE.findall(xml)] + [1]) + 1
    # as openpyxl writes a property (the next save writes the same bytes)
    prop = (f'<property name="{VBA_CHECKED}" fmtid="{_FMTID}" pid="{pid}"><vt:lpwstr>{key}</vt:lpwstr>'
            f'</property></Properties>').encode()
    return xml.replace(b"</Properties>", prop)


def _round_lang(zf: zipfile.ZipFile) -> str:
    """The round's language from the ``_kik`` sheet's ``lang`` row, else from the setup sheet's name
    (the Start sheet is called ``Start`` in both languages)."""
    infos, _ = master.workbook_sheets(zf)
    meta = master.find_sheet_info(infos, "meta")
    if meta is not None and meta.part in zf.namelist():
        xml = zf.read(meta.part).decode("utf-8", "replace")
        strings = _shared_strings(zf)
        cells = re.findall(r'<c\b[^>]*\br="([AB])(\d+)"([^>]*)>(.*?)</c>', xml, re.S)
        values: dict[tuple[str, str], str] = {}
        for col, row, attrs, body in cells:
            v = re.search(r"<v>(.*?)</v>", body, re.S)
            t = re.search(r"<t[^>]*>(.*?)</t>", body, re.S)
            if 't="s"' in attrs and v:
                values[(col, row)] = strings[int(v.group(1))] if int(v.group(1)) < len(strings) else ""
            elif t:
                values[(col, row)] = t.group(1)
            elif v:
                values[(col, row)] = v.group(1)
        for (col, row), value in values.items():
            if col == "A" and value == "lang" and values.get(("B", row)) in master.SHEET_NAMES:
                return values[("B", row)]
    setup = master.find_sheet_info(infos, "setup")
    return "en" if setup is not None and setup.name == master.SHEET_NAMES["en"]["setup"] else "da"


def _shared_strings(zf: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in zf.namelist():
        return []
    xml = zf.read("xl/sharedStrings.xml").decode("utf-8", "replace")
    return ["".join(re.findall(r"<t[^>]*>(.*?)</t>", si, re.S)) for si in re.findall(r"<si>(.*?)</si>", xml, re.S)]


# ----------------------------------------------------------------------------- writing
def _rewrite(data: bytes, replace: dict[str, bytes], drop: set[str] = frozenset()) -> bytes:
    """The zip with some parts replaced or added and some dropped; everything else copied."""
    out = io.BytesIO()
    seen = set()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename in drop:
                continue
            seen.add(info.filename)
            content = replace.get(info.filename)
            dst.writestr(info, src.read(info.filename) if content is None else content)
        for name, content in replace.items():
            if name not in seen:
                dst.writestr(name, content)
    return out.getvalue()


def _repair_vba(data: bytes) -> tuple[bytes, list[str]]:
    data, changes, _key = _repair_vba_keyed(data)
    return data, changes


def _repair_vba_keyed(data: bytes) -> tuple[bytes, list[str], str | None]:
    """:func:`_repair_vba`, plus the :func:`vba_key` of the project when it is known to be
    ours (checked now or at an earlier save); None when it was rebuilt or there is none."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        key = vba_key(zf)
        if key is not None and checked_vba_key(zf) == key:
            return data, [], key  # this very project was checked at an earlier save
        reasons = vba_problems(zf)
        part = _vba_part(zf) if reasons else None
    if not reasons or part is None:
        return data, [], key
    return _rewrite(data, {part: master.rebuilt_vba(data)}), ["vba: " + "; ".join(map(str, reasons))], None


def _repair_buttons(data: bytes) -> tuple[bytes, list[str]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        reasons = button_problems(zf)
        if not reasons:
            return data, []
        start = _start_sheet(zf)
        assert start is not None
        vml = master.start_buttons_vml(_round_lang(zf))
        names = set(zf.namelist())
        existing = [(rid, part) for rid, part in _vml_parts(zf, start.part) if part in names]
        replace: dict[str, bytes] = {}
        if existing:
            replace[existing[0][1]] = vml
        else:
            n = 1
            while f"xl/drawings/vmlDrawing{n}.vml" in names:
                n += 1
            part = f"xl/drawings/vmlDrawing{n}.vml"
            replace[part] = vml
            rels_name = master._rels_name(start.part)
            rels = zf.read(rels_name) if rels_name in names else (
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>')
            used = set(re.findall(rb'Id="([^"]*)"', rels))
            k = 1
            while f"rId{k}".encode() in used:
                k += 1
            rid = f"rId{k}"
            target = posixpath.relpath(part, posixpath.dirname(start.part))
            rel = f'<Relationship Id="{rid}" Type="{REL_VML}" Target="{target}"/>'.encode()
            replace[rels_name] = rels.replace(b"</Relationships>", rel + b"</Relationships>")
            sheet = zf.read(start.part)
            sheet = re.sub(rb"<legacyDrawing\b[^>]*/>", b"", sheet)
            if b'xmlns:r="' not in sheet[:2000]:
                sheet = re.sub(rb"<worksheet\b", b'<worksheet xmlns:r="http://schemas.openxmlformats.org/'
                               b'officeDocument/2006/relationships"', sheet, count=1)
            tag = f'<legacyDrawing r:id="{rid}"/>'.encode()
            pos = None
            for name in _AFTER_LEGACY:
                m = re.search(rb"<(?:\w+:)?" + name + rb"\b", sheet)
                if m:
                    pos = m.start()
                    break
            if pos is None:
                pos = sheet.rindex(b"</")
            replace[start.part] = sheet[:pos] + tag + sheet[pos:]
            ct = zf.read("[Content_Types].xml")
            if not re.search(rb'<Default\b[^>]*Extension="vml"', ct, re.I):
                ct = ct.replace(b"</Types>", f'<Default Extension="vml" ContentType="{CT_VML}"/></Types>'.encode())
                replace["[Content_Types].xml"] = ct
    return _rewrite(data, replace), ["buttons: " + "; ".join(map(str, reasons))]


def _attrs(raw: bytes) -> dict[bytes, bytes]:
    return dict(_ATTR_RE.findall(raw))


def _titles_columns_first(value: bytes) -> bytes:
    """``'S'!$5:$5,'S'!$B:$D`` -> ``'S'!$B:$D,'S'!$5:$5`` (Excel: columns, then rows)."""
    parts = value.split(b",")
    if len(parts) != 2:
        return value
    def is_rows(p: bytes) -> bool:
        return re.search(rb"!\$\d+:\$\d+$", p) is not None
    return parts[1] + b"," + parts[0] if is_rows(parts[0]) and not is_rows(parts[1]) else value


def _repair_defined_names(data: bytes) -> tuple[bytes, list[str]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        xml = zf.read("xl/workbook.xml")
    changes: list[str] = []
    seen: set[tuple[bytes, bytes]] = set()

    def fix(m: re.Match) -> bytes:
        attrs = _attrs(m.group(1) if m.group(1) is not None else m.group(3) or b"")
        name = attrs.get(b"name", b"")
        key = (name.lower(), attrs.get(b"localSheetId", b""))
        if name.startswith(b"_xlnm.") and name.decode() not in BUILTIN_NAMES:
            changes.append(f"removed defined name {name.decode()}")
            return b""
        if key in seen:
            changes.append(f"removed duplicate defined name {name.decode()} (sheet {key[1].decode() or '-'})")
            return b""
        seen.add(key)
        if name == b"_xlnm.Print_Titles" and m.group(2) is not None:
            value = _titles_columns_first(m.group(2))
            if value != m.group(2):
                changes.append("print titles written columns first")
                return b"<definedName" + m.group(1) + b">" + value + b"</definedName>"
        return m.group(0)

    new = _DEFINED_NAME_RE.sub(fix, xml)
    if not changes:
        return data, []
    new = re.sub(rb"<definedNames>\s*</definedNames>|<definedNames/>", b"", new)
    return _rewrite(data, {"xl/workbook.xml": new}), ["names: " + "; ".join(changes)]


_SHEET_VIEW_RE = re.compile(rb"(<sheetView\b[^>]*>)(.*?)(</sheetView>)", re.S)
_SELECTION_RE = re.compile(rb"<selection\b[^>]*?/>|<selection\b[^>]*>.*?</selection>", re.S)
_PANE_RE = re.compile(rb'\bpane="([^"]*)"')


def _one_selection_per_pane(view: bytes) -> bytes:
    selections = _SELECTION_RE.findall(view)
    last: dict[bytes, bytes] = {}
    for sel in selections:
        m = _PANE_RE.search(sel)
        last[m.group(1) if m else b"topLeft"] = sel
    if len(last) == len(selections):
        return view
    kept = iter(last.values())
    first = True

    def keep(_m: re.Match) -> bytes:
        nonlocal first
        if first:
            first = False
            return b"".join(kept)
        return b""

    return _SELECTION_RE.sub(keep, view)


def _repair_sheet_views(data: bytes) -> tuple[bytes, list[str]]:
    """At most one ``<selection>`` per pane (CT_SheetView allows four): openpyxl's
    freeze_panes adds three pane selections to the four LibreOffice saved."""
    replace: dict[str, bytes] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        infos, _ = master.workbook_sheets(zf)
        for info in infos:
            if info.part not in zf.namelist():
                continue
            xml = zf.read(info.part)
            head = xml[: xml.find(b"<sheetData")] if b"<sheetData" in xml else xml
            new_head = _SHEET_VIEW_RE.sub(lambda m: m.group(1) + _one_selection_per_pane(m.group(2)) + m.group(3),
                                          head)
            if new_head != head:
                replace[info.part] = new_head + xml[len(head):]
    if not replace:
        return data, []
    return _rewrite(data, replace), [f"views: one selection per pane on {len(replace)} sheet(s)"]


_DEFAULT_RE = re.compile(rb"<Default\b[^>]*/>")
_EXTENSION_RE = re.compile(rb'Extension="([^"]*)"')


def canonical_content_types(data: bytes) -> bytes:
    """``data`` with the ``<Default>`` entries of ``[Content_Types].xml`` in one order (by
    extension). openpyxl registers them in the order it happens to write the kept VBA parts,
    which follows Python's string hashing, so two saves of the same master could differ."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        ordered = _canonical_content_types(zf)
    return data if ordered is None else _rewrite(data, {"[Content_Types].xml": ordered})


def _canonical_content_types(zf: zipfile.ZipFile) -> bytes | None:
    """The package's ``[Content_Types].xml`` with its ``<Default>`` entries in their one order;
    None when they are in it already (or there is none)."""
    try:
        ct = zf.read("[Content_Types].xml")
    except KeyError:
        return None
    defaults = _DEFAULT_RE.findall(ct)
    ordered = sorted(defaults, key=lambda d: (m.group(1).lower() if (m := _EXTENSION_RE.search(d)) else b""))
    if ordered == defaults:
        return None
    first = ct.index(defaults[0])
    body = _DEFAULT_RE.sub(b"", ct)
    return body[:first] + b"".join(ordered) + body[first:]


def repair_bytes(data: bytes) -> tuple[bytes, list[str]]:
    """``data`` with the VBA project, the Start buttons and the defined names repaired;
    the list says what changed (empty: nothing was repaired; the content types may still have
    been put in their one order, :func:`canonical_content_types`)."""
    data, changes, _key = _repair_all(data)
    return data, changes


def _repair_all(data: bytes) -> tuple[bytes, list[str], str | None]:
    """:func:`repair_bytes` plus the key of a project known to be ours (see _repair_vba_keyed;
    the later steps change neither the project nor a codeName)."""
    data, changes, key = _repaired(data)
    return canonical_content_types(data), changes, key


def _repaired(data: bytes) -> tuple[bytes, list[str], str | None]:
    """:func:`_repair_all` but for the order of the content types."""
    data, changes, key = _repair_vba_keyed(data)
    for step in (_repair_buttons, _repair_defined_names, _repair_sheet_views):
        data, done = step(data)
        changes += done
    return data, changes, key


#: zlib's level for the saved master: a merged master of 1,000 returns (1.8 MB of XML) deflates
#: in 7 ms to 242 KB at level 1, in 26 ms to 207 KB at zlib's default 6 (3 December 2026)
MASTER_ZIP_LEVEL = 1


def deflated(data: bytes, replace: dict[str, bytes] | None = None) -> bytes:
    """The package ``data`` with every part deflated (:data:`MASTER_ZIP_LEVEL`), in the same order
    with the same names and dates (``MasterFile`` saves and repairs uncompressed, then
    compresses once); the parts in ``replace`` (all of them in ``data``) with their new bytes."""
    out = io.BytesIO()
    replace = replace or {}
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = replace.get(info.filename)
            dst.writestr(info, src.read(info.filename) if content is None else content,
                         compress_type=zipfile.ZIP_DEFLATED, compresslevel=MASTER_ZIP_LEVEL)
    return out.getvalue()


def finish_master(data: bytes, name: str = master.MASTER_NAME) -> bytes:
    """What :class:`~xl_kik.excel.masterfile.MasterFile` writes: the package openpyxl just
    wrote (uncompressed), repaired (:func:`repair_bytes`) and deflated once. Repairing the
    uncompressed package costs no compression per repair step. The project it checked (or
    rebuilt) is marked (:data:`VBA_CHECKED`): the next save checks it only if it changed."""
    data, changes, key = _repaired(data)
    if changes:
        log.info("repaired %s after another program saved it: %s", name, " | ".join(changes))
    # the content types in their order and the project marked when the package is deflated,
    # not each in a copy of the whole package
    replace: dict[str, bytes] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        ordered = _canonical_content_types(zf)
        if ordered is not None:
            replace["[Content_Types].xml"] = ordered
        if key is not None:  # None: rebuilt (checked at the next save) or no project
            marked = _checked_properties(zf, key)
            if marked is not None:
                replace["docProps/custom.xml"] = marked
    return deflated(data, replace)


def repair_file(path: str | Path) -> list[str]:
    """Repair the master at ``path`` in place (a file on disk; MasterFile uses :func:`finish_master`)."""
    path = Path(path)
    original = path.read_bytes()
    data, changes = repair_bytes(original)
    if data != original:
        path.write_bytes(data)
    if changes:
        log.info("repaired %s after another program saved it: %s", path.name, " | ".join(changes))
    return changes
