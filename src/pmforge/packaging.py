"""Zip archives that are the same bytes whenever their content is the same.

Entries are sorted, carry one fixed timestamp and fixed Unix permissions, and
are compressed at one fixed level, so a rebuild of the same class gives the
same archive and a trainer can compare or re-send it without doubt.
"""

from __future__ import annotations

import io
import zipfile
from typing import Mapping

# ZIP cannot store dates before 1980; any fixed moment would do.
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_FILE_MODE = 0o100644  # regular file, rw-r--r--
_DIRECTORY_MODE = 0o040755  # directory, rwxr-xr-x
_UNIX = 3


def _info(name: str, mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    info.create_system = _UNIX
    info.external_attr = mode << 16
    if name.endswith("/"):
        info.external_attr |= 0x10  # MS-DOS directory flag, for unzip tools that read only that
    return info


def zip_bytes(entries: Mapping[str, bytes | str]) -> bytes:
    """A zip of ``entries`` (path inside the archive → content), with a directory entry for every folder."""
    folders = {"/".join(name.split("/")[:depth]) + "/" for name in entries for depth in range(1, name.count("/") + 1)}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(folders | set(entries)):
            if name in folders:
                archive.writestr(_info(name, _DIRECTORY_MODE), b"")
                continue
            content = entries[name]
            data = content.encode("utf-8") if isinstance(content, str) else content
            info = _info(name, _FILE_MODE)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return buffer.getvalue()
