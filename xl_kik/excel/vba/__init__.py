"""vbaProject.bin writer (MS-OVBA + MS-CFB), standard library only."""

import importlib
from typing import Any

#: the names, loaded from their module on first use: a command that reads a master and writes
#: no VBA (generate) does not load the project writer (issue 14)
_FROM = {"compress": "ovba", "decompress": "ovba",
         **{name: "project" for name in ("BUTTON_MACROS", "ProjectDifference", "VbaModule", "build_vba_project",
                                         "dir_stream_modules", "installed_xlwings_version", "project_differences",
                                         "project_modules", "project_stream_modules", "read_modules",
                                         "vba_xlwings_version")}}


def __getattr__(name: str) -> Any:
    if name in _FROM:
        value = getattr(importlib.import_module(f"{__name__}.{_FROM[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_FROM))


__all__ = sorted(_FROM)  # the names above, one list
