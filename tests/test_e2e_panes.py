"""The question stays in view while a participant types (issue 13, requirement 2), measured on a
real screen: LibreOffice in a real X11 window on our own virtual screen (Debian's ``xvfb``) of
1366×768 and 1920×1080 pixels.

For every answer column (Point, Styrker, Forbedringsområder, Forbedringsidéer) the cursor is
put on the last question of the sheet through the grid, as arrow keys or a click do; then

* the panes are frozen after Eksempler and below the header row, and the frozen left pane shows
  Nr. and Spørgsmål on the cursor's row;
* the cursor cell is shown whole: the part LibreOffice draws (the accessible cell's bounds, cut
  to its pane) is as wide and as high as the cell (its size at the view's own scale).

A screenshot of each view is saved next to the test's files (``XL_KIK_SCREENSHOTS=DIR`` keeps
them); they were looked at when the column widths were chosen (docs/DESIGN.md).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from needs import require

from scoring_fixtures import kik_setup, make_scoring_workbook
from xl_kik.core.contract import SCORING_COLUMNS
from xl_kik.core.round import Participant
from xl_kik.excel.scoring import make_layout

pytestmark = pytest.mark.libreoffice

SCREENS = [(1366, 768), (1920, 1080)]
ANSWER_COLUMNS = ("points", "strengths", "improvements", "ideas")


def _index(letter: str) -> int:
    return ord(letter) - ord("A")


@pytest.mark.parametrize("lang", ["da", "en"])
@pytest.mark.parametrize("size", SCREENS, ids=[f"{w}x{h}" for w, h in SCREENS])
def test_question_stays_in_view_while_typing(tmp_path, size, lang):
    import lo_harness

    reason = lo_harness.unavailable_reason() or lo_harness.VirtualScreen.available()
    if reason:
        require("LibreOffice on a virtual screen", reason)
    width, height = size
    setup = kik_setup(lang=lang)
    layout = make_layout(setup)
    sheet = layout.sheet
    path = make_scoring_workbook(tmp_path, setup, Participant("D03", "Åse Ærø-Ørnbøl", "aase@example.dk"))
    shots = Path(os.environ.get("XL_KIK_SCREENSHOTS") or tmp_path)
    row = layout.last_row  # a question far down: the sheet has to scroll to reach it
    nr, question = _index(SCORING_COLUMNS["nr"]), _index(SCORING_COLUMNS["question"])
    seen = {}
    with lo_harness.VirtualScreen(width, height) as screen:
        with lo_harness.LibreOfficeSession(display=screen.display) as office:
            with office.open(path) as doc:
                assert doc.set_window(0, 0, width, height) == [0, 0, width, height]
                for key in ANSWER_COLUMNS:
                    col = SCORING_COLUMNS[key]
                    doc.select_cell(sheet, f"{col}{row}")
                    view = doc.view()
                    screen.screenshot(shots / f"panes_{lang}_{width}x{height}_{key}.png")
                    seen[key] = view
                    assert view["frozen"] and view["zoom"] == 100, view
                    # frozen after Eksempler (the answer columns scroll) and below the header row
                    assert view["split_column"] == _index(SCORING_COLUMNS["points"]), view
                    assert view["split_row"] == layout.header_row, view
                    panes = view["panes"]
                    left = [p for p in panes if p["first_col"] == 0 and p["first_row"] >= layout.header_row]
                    right = [p for p in panes if p["first_col"] >= view["split_column"]
                             and p["first_row"] >= layout.header_row]
                    assert len(left) == 1 and len(right) == 1, panes
                    # Nr. and Spørgsmål of the cursor's row are in view ...
                    assert left[0]["first_col"] <= nr and left[0]["last_col"] >= question, (key, left)
                    assert left[0]["first_row"] <= row - 1 <= left[0]["last_row"], (key, left)
                    # ... and so is the cell being typed in
                    c = _index(col)
                    assert right[0]["first_col"] <= c <= right[0]["last_col"], (key, right)
                    assert right[0]["first_row"] <= row - 1 <= right[0]["last_row"], (key, right)
                    # whole, not cut at the window's edge
                    cursor = view["cursor"]
                    shown, full = cursor["shown_px"], cursor["full_px"]
                    assert shown[0] >= full[0] - 3 and shown[1] >= full[1] - 3, (key, size, cursor)
    # the same frozen columns in every view: the question did not scroll away
    assert len({v["cursor"]["frozen_px"][0] for v in seen.values()}) == 1, seen
