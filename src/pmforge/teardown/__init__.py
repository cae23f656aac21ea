"""The trainer's teardown: a collection, an environment and iteration data that delete what a
class created, as the course's ``teardown:`` section declares, and nothing else."""

from __future__ import annotations

from pmforge.teardown.declaration import Teardown, read_teardown
from pmforge.teardown.making import teardown, teardown_files

__all__ = ["Teardown", "read_teardown", "teardown", "teardown_files"]
