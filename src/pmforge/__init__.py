"""pmforge: course YAML in, checked Postman collections and environments out."""

from __future__ import annotations

__version__ = "0.1.0"
