"""vbaProject.bin writer (MS-OVBA + MS-CFB), standard library only."""

from .ovba import compress, decompress
from .project import (
    BUTTON_MACROS,
    VbaModule,
    build_vba_project,
    installed_xlwings_version,
    project_modules,
    read_modules,
    vba_xlwings_version,
)

__all__ = [
    "BUTTON_MACROS",
    "VbaModule",
    "build_vba_project",
    "compress",
    "decompress",
    "installed_xlwings_version",
    "project_modules",
    "read_modules",
    "vba_xlwings_version",
]
