// pmforge teardown, before every request. `teardown` (above) is the course's declaration.
// State lives in run-scoped variables named pmforge.teardown.*, reset for each participant (iteration).
const keys = ["next", "ids", "pages", "deleted", "retries", "refreshed", "resume"];
const iteration = String(pm.info.iteration);
if (pm.variables.get("pmforge.teardown.iteration") !== iteration) {
    keys.forEach((key) => pm.variables.set(`pmforge.teardown.${key}`, ""));
    pm.variables.set("pmforge.teardown.iteration", iteration);
}
const stopped = pm.variables.get("pmforge.teardown.stopped");
const name = pm.info.requestName;
if (stopped) {
    // Authentication failed earlier in this run: no request of this participant could succeed.
    console.log(`${name}: not sent: ${stopped}`);
    pm.execution.skipRequest();
    pm.execution.setNextRequest(null);
} else if (name === teardown.token) {
    // One token serves the whole run; it is fetched again only when the gateway refuses it.
    if (teardown.tokenVariables.every((variable) => pm.environment.get(variable))) {
        pm.execution.skipRequest();
    }
} else if (name === teardown.find) {
    const next = pm.variables.get("pmforge.teardown.next");
    if (next) {
        pm.request.url = next;
    }
} else if (name === teardown.delete) {
    const ids = JSON.parse(pm.variables.get("pmforge.teardown.ids") || "[]");
    if (ids.length === 0) {
        console.log(`${name}: nothing to delete`);
        pm.execution.skipRequest();
    } else {
        pm.variables.set("TEARDOWN_ID", ids[0]);
    }
}
