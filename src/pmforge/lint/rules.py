"""Every rule ``pmforge lint`` knows: its id, default severity and a one-line explanation."""

from __future__ import annotations

from dataclasses import dataclass

from pmforge.problems import ERROR, WARNING


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    summary: str


_ALL = (
    Rule("json-syntax", ERROR, "the file is not valid JSON"),
    Rule("duplicate-key", ERROR, "a key appears twice in one object; JSON readers silently keep the last"),
    Rule("file-kind", ERROR, "the file is neither a Postman collection (v2.0/v2.1) nor an environment"),
    Rule("collection-version", WARNING, "info.schema is not the v2.0.0 or v2.1.0 URL the Postman app writes and recognises"),
    Rule("structure", ERROR, "a value has the wrong JSON type, or an item has neither request nor item: Postman drops or mangles it"),
    Rule("unknown-key", WARNING, "a key Postman does not know (often a misspelling); Postman drops it without a word"),
    Rule("event-listen", ERROR, "event.listen is neither prerequest nor test, so the script never runs"),
    Rule("next-request", ERROR, "setNextRequest names a request that does not exist: Newman then stops silently with exit 0"),
    Rule("undefined-variable", ERROR, "a {{VAR}} is neither in the given environments or collection variables nor set by an earlier script"),
    Rule("variable-case", WARNING, "two {{VAR}}s differ only in case ({{access_token}}, {{ACCESS_TOKEN}}); Postman treats them as two variables"),
    Rule("legacy-script", WARNING, "a script uses the legacy API (postman.setEnvironmentVariable, responseBody, tests[...]) instead of pm.*"),
    Rule("secret", ERROR, "a token, client secret or private key is written into the collection; keep it in an environment"),
    Rule("hard-coded-value", ERROR, "x-sandbox-name, x-api-key or x-gw-ims-org-id is a literal where a {{VARIABLE}} belongs"),
    Rule("course-placeholder", ERROR, "a course placeholder is left in (a literal ldap in a body's name, createdBy or description; --aepSandboxId-- and the like)"),
    Rule("auth-scheme", WARNING, "the Authorization scheme is spelled two ways in one collection (bearer and Bearer)"),
    Rule("content-type-without-body", WARNING, "a request without a body sends a Content-Type header"),
    Rule("duplicate-name", WARNING, "two requests share a name in a folder or across the collection, where setNextRequest looks names up"),
    Rule("no-test", WARNING, "a request asserts nothing (no pm.test or tests[...]), so an error reply still passes"),
    Rule("body-json", ERROR, "a JSON request body (language json, or a JSON Content-Type) does not parse"),
    Rule("segment-definition", ERROR, "a POST .../segment/definitions body breaks segment-definition.schema.json"),
    Rule("segment-job", ERROR, "a POST .../segment/jobs body breaks segment-job.schema.json"),
    Rule("pql-json", ERROR, "a pql/json expression value is not a JSON-encoded string"),
    Rule("pql-tree", ERROR, "a pql/json expression is not a valid PQL tree (pql-tree.schema.json)"),
    Rule("pql-field", ERROR, "a PQL expression names a profile field the catalog does not know, or uses it wrongly"),
    Rule("pql-value", ERROR, "a PQL expression compares a field with a value it cannot hold"),
    Rule("pql-syntax", ERROR, "pql/text no PQL reader takes: blank, an open string, unpaired brackets, unfinished (text merely outside pmforge's subset is fine)"),
    Rule("pql-unconfirmed", WARNING, "PQL compiled to pql/json uses an operator (!=, <, notIn, startsWith …) whose tree no public AEP sample confirms; pql/text is the safe choice"),
    Rule("headers", ERROR, "an AEP Platform API request lacks a required header or sends one in the wrong form (headers.schema.json)"),
)

RULES: dict[str, Rule] = {rule.id: rule for rule in _ALL}
