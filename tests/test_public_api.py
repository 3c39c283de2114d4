"""The curated public API (httpx style): changes to it must be deliberate."""

import xl_kik

EXPECTED = {
    "__version__",
    "Band", "Catalogue", "Question", "Scale", "Theme",
    "KikError", "KikInputError", "KikFileError", "CatalogueError", "ParticipantsError", "SetupError",
    "RoundNotFoundError", "MasterLockedError", "MasterFormatError",
    "Problem", "ProblemType", "Report",
    "Participant", "RoundPaths", "RoundSetup",
}


def test_public_api_is_exactly_the_curated_list():
    assert set(xl_kik.__all__) == EXPECTED
    for name in xl_kik.__all__:
        assert hasattr(xl_kik, name), name


def test_error_tree():
    assert issubclass(xl_kik.CatalogueError, xl_kik.KikInputError)
    assert issubclass(xl_kik.MasterLockedError, xl_kik.KikFileError)
    assert not issubclass(xl_kik.KikFileError, xl_kik.KikInputError)
