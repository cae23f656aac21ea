"""How a run flows: request names, setNextRequest targets, variables set and used, tests.

Newman runs requests depth first and looks setNextRequest targets up by name
across the whole collection; an unknown target ends the run with exit 0 and no
word, so these rules guard what a passing CI run silently skips.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any, Iterator

from pmforge.checks import POSTMAN_VARIABLE, strings
from pmforge.lint.collection import RequestItem, Script, node_at, scripts
from pmforge.lint.positions import Document, PathKey
from pmforge.lint.rules import RULES
from pmforge.problems import Problem

_SETTER = re.compile(
    r"""\b(?:pm\.(?:environment|collectionVariables|globals|variables)\.set|postman\.set(?:Environment|Global)Variable)"""
    r"""\s*\(\s*(["'`])([^"'`$]+)\1"""
)
_NEXT = re.compile(r"""\bsetNextRequest\s*\(\s*(["'`])((?:(?!\1).)*)\1""")
_TEST = re.compile(r"\bpm\.test\s*\(|\btests\s*\[")
_LEGACY = re.compile(r"\bpostman\.(?:set|get|clear)\w*\s*\(|\bresponse(?:Body|Code|Headers|Time)\b|\btests\s*\[")


def _problem(document: Document, path: PathKey, message: str, rule: str, *, index: int | None = None) -> Problem:
    return document.problem(path, message, rule, severity=RULES[rule].severity, index=index)


def _code_lines(script: Script) -> Iterator[tuple[PathKey, str]]:
    for line in script.lines:
        if not line.text.lstrip().startswith("//"):
            yield line.path, line.text


def variables_set(found: Iterable[Script]) -> set[str]:
    return {match.group(2) for script in found for _, text in _code_lines(script) for match in _SETTER.finditer(text)}


def _name_path(item: RequestItem) -> PathKey:
    return item.path + ("name",) if "name" in item.data else item.path


def duplicate_names(document: Document, items: list[RequestItem]) -> list[Problem]:
    first: dict[str, RequestItem] = {}
    problems = []
    for item in items:
        earlier = first.setdefault(item.name, item)
        if earlier is item:
            continue
        where = "in this folder" if earlier.ancestors[-1] == item.ancestors[-1] else "elsewhere in the collection, where setNextRequest looks names up"
        problems.append(_problem(document, _name_path(item), f"request name {item.name!r} is used {where} too ({document.where(_name_path(earlier))})", "duplicate-name"))
    return problems


def missing_tests(document: Document, items: list[RequestItem]) -> list[Problem]:
    problems = []
    for item in items:
        chain = [s for path in item.ancestors for s in scripts(node_at(document, path), path)] + list(scripts(item.data, item.path))
        if not any(_TEST.search(text) for s in chain if s.listen == "test" for _, text in _code_lines(s)):
            problems.append(_problem(document, _name_path(item), f"request {item.name!r} has no test: without pm.test an error reply still passes", "no-test"))
    return problems


def next_request_targets(document: Document, items: list[RequestItem]) -> list[Problem]:
    names = {item.name for item in items}
    names |= {str(item.data[key]) for item in items for key in ("id", "_postman_id") if key in item.data}
    found = [s for path in _containers(document, items) for s in scripts(node_at(document, path), path)]
    problems = []
    for script in found:
        for path, text in _code_lines(script):
            for match in _NEXT.finditer(text):
                target = match.group(2)
                if target in names or "${" in target:
                    continue
                guess = difflib.get_close_matches(target, sorted(names), n=1, cutoff=0.6)
                hint = f"; did you mean {guess[0]!r}?" if guess else ""
                problems.append(_problem(document, path, f"setNextRequest({target!r}) names no request: Newman would stop here, exit 0{hint}",
                                         "next-request", index=match.start(2)))
    return problems


def legacy_scripts(document: Document, items: list[RequestItem]) -> list[Problem]:
    """The pre-2017 script API (postman.*, responseBody, tests[...]): still run by Newman 6, no longer documented."""
    found = [s for path in _containers(document, items) for s in scripts(node_at(document, path), path)]
    problems = []
    for script in found:
        for path, text in _code_lines(script):
            match = _LEGACY.search(text)
            if match:
                problems.append(_problem(document, path, f"legacy script API {match.group().rstrip('( ')!r}; write pm.* instead "
                                         "(e.g. pm.environment.set, pm.response.json(), pm.test)", "legacy-script", index=match.start()))
                break  # one per script is enough to say it needs rewriting
    return problems


def variable_case(document: Document, items: list[RequestItem]) -> list[Problem]:
    """{{access_token}} next to {{ACCESS_TOKEN}}: Postman variables are case-sensitive, so these are two variables."""
    uses = [(path, match) for item in items for path, text in _sent_strings(item) for match in POSTMAN_VARIABLE.finditer(text)]
    # Names that are set or declared come first, so that on a tie the defined spelling counts as the usual one.
    names = sorted(variables_set(s for path in _containers(document, items) for s in scripts(node_at(document, path), path)))
    names += [name for path in _containers(document, items) for name in sorted(_declared(node_at(document, path)))]
    names += [match.group(1).strip() for _, match in uses]
    spellings: dict[str, Counter[str]] = {}
    for name in names:
        spellings.setdefault(name.lower(), Counter())[name] += 1
    problems = []
    for path, match in uses:
        name = match.group(1).strip()
        counts = spellings[name.lower()]
        usual = counts.most_common(1)[0][0]
        if len(counts) > 1 and name != usual:
            problems.append(_problem(document, path, f"{{{{{name}}}}} differs only in case from {{{{{usual}}}}}, used elsewhere in this collection; "
                                     "Postman variables are case-sensitive", "variable-case", index=match.start()))
    return problems


def _containers(document: Document, items: list[RequestItem]) -> list[PathKey]:
    """The root, every folder, and every request item: all that can carry scripts, in file order."""
    seen: dict[PathKey, None] = {}
    for item in items:
        for path in item.ancestors + (item.path,):
            seen.setdefault(path, None)
    return list(seen) if seen else [()]


def undefined_variables(document: Document, items: list[RequestItem], environment: set[str]) -> list[Problem]:
    """Every {{VAR}} a request sends must come from an environment, the collection, or a script that ran before."""
    base = set(environment) | _declared(document.data)
    earlier: set[str] = set()
    problems = []
    for item in items:
        own = list(scripts(item.data, item.path))
        outer = [s for path in item.ancestors for s in scripts(node_at(document, path), path)]
        declared = {name for path in item.ancestors for name in _declared(node_at(document, path))} | _declared(item.data)
        defined = base | earlier | declared | variables_set(s for s in outer + own if s.listen == "prerequest")
        for path, text in _sent_strings(item):
            for match in POSTMAN_VARIABLE.finditer(text):
                name = match.group(1).strip()
                if name not in defined and not name.startswith("$"):
                    problems.append(_problem(document, path, _undefined_message(name, defined), "undefined-variable", index=match.start()))
        earlier |= variables_set(outer + own)
    return problems


def _declared(node: Any) -> set[str]:
    variables = node.get("variable") if isinstance(node, dict) else None
    if not isinstance(variables, list):
        return set()
    return {v["key"] for v in variables if isinstance(v, dict) and isinstance(v.get("key"), str) and not v.get("disabled")}


def _sent_strings(item: RequestItem) -> Iterator[tuple[PathKey, str]]:
    request, base = item.request, item.request_path
    url = request.get("url")
    if isinstance(url, dict) and (url.get("host") or url.get("path")):
        # Newman builds the URL from its parts and ignores raw, so the parts are what is sent.
        for key in ("protocol", "host", "port", "path", "query", "hash", "variable"):
            yield from _enabled_strings(url.get(key), base + ("url", key))
    else:
        yield from strings(url, base + ("url",))
    for header in item.headers():
        yield header.path + ("key",), header.key
        yield header.path + ("value",), header.value
    body = request.get("body")
    if isinstance(body, dict) and isinstance(body.get("mode"), str) and item.has_body:
        yield from _enabled_strings(body.get(body["mode"]), base + ("body", body["mode"]))
    yield from strings(request.get("auth"), base + ("auth",))


def _enabled_strings(value: Any, path: PathKey) -> Iterator[tuple[PathKey, str]]:
    """Strings of a list of parameters, leaving out those marked ``disabled`` (Newman does not send them)."""
    if not isinstance(value, list):
        yield from strings(value, path)
        return
    for index, entry in enumerate(value):
        if not (isinstance(entry, dict) and entry.get("disabled") is True):
            yield from strings(entry, path + (index,))


def _undefined_message(name: str, defined: set[str]) -> str:
    message = f"{{{{{name}}}}} is in no given environment or collection variable, and no earlier script sets it"
    same = [known for known in defined if known.lower() == name.lower()]
    guess = same or difflib.get_close_matches(name, sorted(defined), n=1, cutoff=0.7)
    return message + (f"; did you mean {{{{{guess[0]}}}}}?" if guess else "")
