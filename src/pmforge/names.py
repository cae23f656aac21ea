"""File names made of names a course author chose: one spelling for every file pmforge writes.

The spelling is Postman's own, as ``postman collection migrate`` (postman-cli 1.34.0) writes a v3
tree: white space around goes, then the characters Windows refuses in a file name and the C0
control characters become "-". Everything else stays, DEL and the C1 control characters included:
every common file system holds them, and migrate keeps them.
"""

from __future__ import annotations

import re

MAX_NAME_BYTES = 255  # one name in a path, on every common file system
# The longest ending pmforge puts after a collection's stem.
LONGEST_SUFFIX = ".postman_environment.json"

# Names Windows keeps for devices, with or without an extension (NUL.txt is the device too).
WINDOWS_RESERVED = re.compile(r"(?:CON|PRN|AUX|NUL|COM[0-9¹²³]|LPT[0-9¹²³])(?:\..*)?", re.IGNORECASE | re.DOTALL)

_UNSAFE = re.compile(r'[/\\:*?"<>|\x00-\x1f]')
# JavaScript's String.prototype.trim(), which Postman runs before replacing: not Python's str.strip(),
# which also takes \x1c-\x1f and \x85 and leaves the byte-order mark.
_JS_SPACE = "\t\n\v\f\r \xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000\ufeff"


def file_name(name: str) -> str:
    """A collection's, folder's or request's name as Postman's git workspaces spell it on disk."""
    stem = _UNSAFE.sub("-", name.strip(_JS_SPACE))
    # Never ".", ".." or a second ".resources": those mean something else in the tree.
    return "-" * max(len(stem), 1) if stem in ("", ".", "..") or stem.lower() == ".resources" else stem


def file_stem(name: str) -> str:
    """The stem of a file named after a collection (``<stem>.postman_collection.json``): Postman's
    spelling, made safe on Windows, where v3 trees are refused rather than renamed (their names must
    stay migrate's)."""
    # Dots and spaces go at both ends: Windows drops them at the end, and a leading dot hides the file.
    stem = file_name(name).strip(" .") or "collection"
    # CON.postman_collection.json, and CON.txt.postman_collection.json, are the console on Windows, whatever follows
    # the first dot: the device word itself is changed.
    head, dot, rest = stem.partition(".")
    return head + "_" + dot + rest if WINDOWS_RESERVED.fullmatch(head) else stem


def name_bytes(part: str) -> int:
    """The bytes one name of a path takes on disk."""
    return len(part.encode("utf-8", "surrogatepass"))


def stem_too_long(name: str, *, files: str = "file names") -> str | None:
    """Why no file system can hold the files named after collection ``name`` (its stem and pmforge's longest
    ending), or None when they fit."""
    size = name_bytes(file_stem(name) + LONGEST_SUFFIX)
    if size <= MAX_NAME_BYTES:
        return None
    return f"the collection name makes {files} of {size} bytes; file systems allow {MAX_NAME_BYTES} (shorten it by {size - MAX_NAME_BYTES})"
