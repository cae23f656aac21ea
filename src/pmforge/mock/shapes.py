"""The response bodies of segment definitions and jobs (REFERENCE.md §2.5, Adobe's spec), and
how a job moves through its statuses.
"""

from __future__ import annotations

import time
import uuid
import zlib
from typing import Any

# Name-derived ids keep sandbox and merge-policy ids stable across runs of the mock.
_NAMESPACE = uuid.UUID("0b5c3f52-8a4e-4f0e-9c83-7a1e6d2b9f10")
DEFAULT_EVALUATION = {"batch": {"enabled": True}, "continuous": {"enabled": False}, "synchronous": {"enabled": False}}
TOTAL_PROFILES = 10_000
TERMINAL = frozenset({"SUCCEEDED", "FAILED", "CANCELLED"})
PROFILE_SCHEMA = {"name": "_xdm.context.profile"}
# What a definition that was "already there" (MockOptions.existing_definitions) holds.
EXISTING_EXPRESSION = {"type": "PQL", "format": "pql/text", "value": 'person.gender in ["female"]'}
EXISTING_DESCRIPTION = "Already in the sandbox when the pmforge mock started (existing_definitions)."
FAILURE = {
    "code": "0100000003",
    "msg": "Segment job failed on purpose: the pmforge mock was told to fail jobs.",
    "callStack": "pmforge.mock: no call stack, this failure is simulated",
}


def now_ms() -> int:
    return int(time.time() * 1000)


def sandbox_info(org: str, sandbox: str) -> dict[str, Any]:
    """AEP's sandbox object; ``prod`` is the default production sandbox, as in every real org."""
    production = sandbox == "prod"
    return {
        "sandboxId": str(uuid.uuid5(_NAMESPACE, f"sandbox/{org}/{sandbox}")),
        "sandboxName": sandbox,
        "type": "production" if production else "development",
        "default": production,
    }


def default_merge_policy(org: str, sandbox: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"merge-policy/{org}/{sandbox}"))


def build_definition(body: dict[str, Any], *, org: str, sandbox: str) -> dict[str, Any]:
    """A stored definition from a create body that already passed the schema."""
    created = now_ms()
    evaluation = {**DEFAULT_EVALUATION, **body.get("evaluationInfo", {})}
    definition: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "imsOrgId": org,
        "sandbox": sandbox_info(org, sandbox),
        "name": body["name"],
        "description": body.get("description", ""),
        "expression": dict(body["expression"]),
        "mergePolicyId": body.get("mergePolicyId") or default_merge_policy(org, sandbox),
        "profileInstanceId": body.get("profileInstanceId", "ups"),
        # Created with {id} or {name}, a definition reads back with the class's name (SchemaClass).
        "schema": {**body["schema"], **PROFILE_SCHEMA},
        "evaluationInfo": evaluation,
        "dataGovernancePolicy": {"excludeOptOut": True},
        "creationTime": created,
        "updateTime": created,
        "updateEpoch": created // 1000,
    }
    # Fields the course sends beyond Adobe's create schema are echoed, as the real API keeps them.
    for extra in ("createdBy", "ttlInDays", "payloadSchema"):
        if extra in body:
            definition[extra] = body[extra]
    return definition


def existing_definition(org: str, sandbox: str, name: str) -> dict[str, Any]:
    """A definition that was in the sandbox before anyone called the mock."""
    body = {"name": name, "description": EXISTING_DESCRIPTION, "expression": EXISTING_EXPRESSION,
            "schema": PROFILE_SCHEMA}
    return build_definition(body, org=org, sandbox=sandbox)


def build_job(definitions: list[dict[str, Any]], *, org: str, sandbox: str, job_number: int,
              request_id: str, profile_instance: str) -> dict[str, Any]:
    """A new job over existing definitions, in status NEW (what the docs say a new job is)."""
    created = now_ms()
    job_id = str(uuid.uuid4())
    link = f"/segment/jobs/{job_id}"
    return {
        "id": job_id,
        "imsOrgId": org,
        "sandbox": sandbox_info(org, sandbox),
        "profileInstanceId": profile_instance,
        "source": "api",
        "status": "NEW",
        "batchId": str(uuid.uuid4()),
        "computeJobId": job_number,
        "computeGatewayJobId": str(uuid.uuid4()),
        "segments": [_segment_info(definition) for definition in definitions],
        "metrics": {"totalTime": {"startTimeInMs": created}, "profileSegmentationTime": {}},
        "requestId": request_id,
        "schema": {"name": "_xdm.context.profile"},
        "properties": {},
        "errors": [],
        "_links": {"cancel": {"href": link, "method": "DELETE"}, "checkStatus": {"href": link, "method": "GET"}},
        "creationTime": created,
        "updateTime": created,
        "updateEpoch": created // 1000,
    }


def _segment_info(definition: dict[str, Any]) -> dict[str, Any]:
    policy = definition["mergePolicyId"]
    return {
        "segmentId": definition["id"],
        "segment": {
            "id": definition["id"],
            "expression": dict(definition["expression"]),
            "mergePolicyId": policy,
            "mergePolicy": {"id": policy, "version": 1},
        },
    }


def status_after(polls: int, *, polls_to_finish: int, fails: bool) -> str:
    """The status a job shows on its ``polls``-th GET.

    The ``polls_to_finish``-th GET shows the end state; before that the first GET shows QUEUED
    (the course's screenshot) when there is room for it, and the rest PROCESSING.
    """
    if polls >= polls_to_finish:
        return "FAILED" if fails else "SUCCEEDED"
    if polls == 1 and polls_to_finish >= 3:
        return "QUEUED"
    return "PROCESSING"


def move_job(job: dict[str, Any], status: str) -> None:
    """Set a job's status and the fields that go with it (times, metrics, errors)."""
    if job["status"] == status:
        return
    stamp = now_ms()
    job.update(status=status, updateTime=stamp, updateEpoch=stamp // 1000)
    metrics = job["metrics"]
    if status == "PROCESSING":
        metrics["profileSegmentationTime"] = {"startTimeInMs": stamp}
    if status not in TERMINAL:
        return
    start = metrics["totalTime"]["startTimeInMs"]
    metrics["totalTime"] = {"startTimeInMs": start, "endTimeInMs": stamp, "totalTimeInMs": stamp - start}
    seg_start = metrics["profileSegmentationTime"].get("startTimeInMs", stamp)
    metrics["profileSegmentationTime"] = {"startTimeInMs": seg_start, "endTimeInMs": stamp,
                                          "totalTimeInMs": stamp - seg_start}
    if status == "FAILED":
        job["errors"] = [dict(FAILURE)]
        return
    if status == "CANCELLED":
        return
    metrics["totalProfiles"] = TOTAL_PROFILES
    counts = {info["segmentId"]: _profile_count(info["segmentId"]) for info in job["segments"]}
    metrics["segmentedProfileCounter"] = counts
    metrics["segmentedProfileByStatusCounter"] = {
        segment_id: {"realized": count, "existing": 0, "exited": 0} for segment_id, count in counts.items()
    }
    policies = {info["segment"]["mergePolicy"]["id"] for info in job["segments"]}
    metrics["totalProfilesByMergePolicy"] = {policy: TOTAL_PROFILES for policy in sorted(policies)}


def _profile_count(segment_id: str) -> int:
    # Derived from the id, so a re-run of the same job reports the same count.
    return zlib.crc32(segment_id.encode()) % (TOTAL_PROFILES // 2) + 1
