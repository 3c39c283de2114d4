"""The curated public API (httpx style): changes to it must be deliberate.

The expected list is written out here, independently of ``xl_kik.__all__``: adding, removing
or renaming a public name means changing this test too.
"""

import inspect
import subprocess
import sys

import xl_kik

EXPECTED = {
    "__version__",
    # types
    "Band", "Catalogue", "Question", "Scale", "Theme",
    "Problem", "ProblemType", "Report",
    "Participant", "RoundPaths", "RoundSetup",
    # errors
    "KikError", "KikInputError", "KikFileError", "CatalogueError", "ParticipantsError", "SetupError",
    "RoundNotFoundError", "MasterLockedError", "MasterFormatError", "ReportError", "RollupError",
    # the steps of a round
    "load_catalogue", "scale", "init_round", "generate_round", "merge_round", "build_plan", "export_reports",
    "build_rollup",
}
STEPS = {"load_catalogue", "scale", "init_round", "generate_round", "merge_round", "build_plan", "export_reports",
         "build_rollup"}


def test_public_api_is_exactly_the_curated_list():
    assert set(xl_kik.__all__) == EXPECTED
    assert len(xl_kik.__all__) == len(EXPECTED)  # no name listed twice
    for name in xl_kik.__all__:
        assert hasattr(xl_kik, name), name


def test_star_import_gives_exactly_the_list():
    namespace: dict = {}
    exec("from xl_kik import *", namespace)
    assert set(namespace) - {"__builtins__"} == EXPECTED


def test_steps_are_the_step_functions():
    from xl_kik.steps import generate, init, merge, plan, report, rollup

    assert xl_kik.init_round is init.init_round
    assert xl_kik.generate_round is generate.generate_round
    assert xl_kik.merge_round is merge.merge_round
    assert xl_kik.build_plan is plan.build_plan
    assert xl_kik.export_reports is report.export_reports
    assert xl_kik.build_rollup is rollup.build_rollup
    for name in STEPS:
        assert inspect.isfunction(getattr(xl_kik, name)), name


def test_types_and_errors_are_classes():
    for name in EXPECTED - STEPS - {"__version__"}:
        assert inspect.isclass(getattr(xl_kik, name)), name


def test_error_tree():
    assert issubclass(xl_kik.CatalogueError, xl_kik.KikInputError)
    assert issubclass(xl_kik.MasterLockedError, xl_kik.KikFileError)
    assert issubclass(xl_kik.ReportError, xl_kik.KikFileError)
    assert issubclass(xl_kik.RollupError, xl_kik.KikError)
    assert not issubclass(xl_kik.KikFileError, xl_kik.KikInputError)


def test_python_dash_m_is_the_command_line():
    help_text = subprocess.run([sys.executable, "-m", "xl_kik", "--help"], capture_output=True, text=True,
                               timeout=120, env={"LANG": "da_DK.UTF-8", "PATH": ""}, check=True).stdout
    for command in ("init", "generate", "merge", "plan", "report", "rollup", "doctor", "refresh-vba"):
        assert command in help_text, command
    version = subprocess.run([sys.executable, "-m", "xl_kik", "--version"], capture_output=True, text=True,
                             timeout=120, check=True).stdout
    assert version.strip() == f"xl_kik {xl_kik.__version__}"


def test_python_dash_m_exit_code_of_a_user_error(tmp_path):
    """Not a round folder: the CLI's own exit code (3, a file error) comes through ``python -m``."""
    done = subprocess.run([sys.executable, "-m", "xl_kik", "status", str(tmp_path / "findes-ikke")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 3, done.stdout + done.stderr


def test_import_stays_light():
    """``import xl_kik.<anything>`` runs the package's __init__: it must not load the file
    libraries (a button's interpreter check and every reader process pay for it)."""
    code = ("import sys, xl_kik; heavy = ('openpyxl', 'xlsxwriter', 'python_calamine', 'pandas', 'xlwings'); "
            "print(','.join(m for m in heavy if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            check=True).stdout.strip()
    assert loaded == ""


def test_unknown_name_is_an_attribute_error():
    import pytest

    with pytest.raises(AttributeError):
        xl_kik.no_such_step  # noqa: B018
