"""vbaProject.bin writer (MS-OVBA + MS-CFB), standard library only."""

from .ovba import compress, decompress
from .project import (
    BUTTON_MACROS,
    ProjectDifference,
    VbaModule,
    build_vba_project,
    dir_stream_modules,
    installed_xlwings_version,
    project_differences,
    project_modules,
    project_stream_modules,
    read_modules,
    vba_xlwings_version,
)

__all__ = [
    "BUTTON_MACROS",
    "ProjectDifference",
    "VbaModule",
    "build_vba_project",
    "dir_stream_modules",
    "compress",
    "decompress",
    "installed_xlwings_version",
    "project_differences",
    "project_modules",
    "project_stream_modules",
    "read_modules",
    "vba_xlwings_version",
]
