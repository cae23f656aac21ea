"""The rules lint runs on a Postman document, one module each (a family sharing one pass is one module).

Each module has ``check(context: pmforge.lint.context.Context) -> list[Problem]``; the entries of its rules in the
registry (``pmforge.rules``) name it, and the linter runs the checks in registry order. Adding a rule is one module
here and one registry entry.
"""
