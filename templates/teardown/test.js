// pmforge teardown, after every response: check the status first, then move on, retry or stop.
const name = pm.info.requestName;
const status = pm.response.code;
const state = (key) => pm.variables.get(`pmforge.teardown.${key}`);
const setState = (key, value) => pm.variables.set(`pmforge.teardown.${key}`, value);
const at = (value, path) => path.replace(/\[(\d+)\]/g, ".$1").split(".")
    .reduce((found, part) => (found === undefined || found === null ? undefined : found[part]), value);
const wanted = Object.fromEntries(Object.entries(teardown.match).map(([path, value]) => [path, pm.variables.replaceIn(value)]));
const who = Object.values(wanted).join(" / ");

function said() {
    // The service's own words: IMS (error, error_description), the gateway (error_code, message), AEP (title, detail).
    let body;
    try { body = pm.response.json(); } catch (error) { return pm.response.text().slice(0, 200); }
    const parts = [body?.error, body?.error_description, body?.error_code, body?.message, body?.title, body?.detail]
        .filter((part) => typeof part === "string" && part);
    return parts.length ? parts.join(": ") : JSON.stringify(body).slice(0, 200);
}

function fail(message) {
    pm.test(message, function () { pm.expect.fail(`${name} did not succeed`); });
}

function stop(message) {
    fail(message);
    setState("stopped", message);
    pm.execution.setNextRequest(null);
}

function retried() {
    // 429 and 503 are sent again after Retry-After (seconds, at most 60) or a short backoff, a bounded number of times.
    if (status !== 429 && status !== 503) {
        setState("retries", 0);
        return false;
    }
    const tries = Number(state("retries") || 0);
    if (tries >= teardown.retries) {
        return false;
    }
    const header = Number(pm.response.headers.get("Retry-After"));
    const seconds = Number.isFinite(header) && header >= 0 ? Math.min(header, 60) : 2 ** tries;
    setState("retries", tries + 1);
    console.log(`${name}: ${status}, retry ${tries + 1} of ${teardown.retries} in ${seconds} s`);
    setTimeout(function () {}, seconds * 1000);
    pm.execution.setNextRequest(name);
    return true;
}

if (name === teardown.token) {
    if (status === 200) {
        pm.test("status 200, token received", function () { pm.response.to.have.status(200); });
        const resume = state("resume");
        setState("resume", "");
        pm.execution.setNextRequest(resume || teardown.find);
    } else if (!retried()) {
        stop(`status ${status}: ${said()}; check API_KEY, CLIENT_SECRET and SCOPES in the environment`);
    }
} else if (status === 401) {
    // The token expired (or was never valid): fetch a new one once, then send this request again.
    if (state("refreshed") === name) {
        stop(`status 401 with a new token: ${said()}; check IMS, API_KEY and IMS_ORG in the environment`);
    } else {
        teardown.tokenVariables.forEach((variable) => pm.environment.unset(variable));
        setState("refreshed", name);
        setState("resume", name);
        console.log(`${name}: 401, getting a new token`);
        pm.execution.setNextRequest(teardown.token);
    }
} else if (retried()) {
    // sent again after the wait
} else if (status < 200 || status > 299 || (name === teardown.delete && status !== teardown.deleteStatus && status !== 404)) {
    fail(`status ${status}: ${said()} (${who})`);
    pm.execution.setNextRequest(null);
} else if (name === teardown.find) {
    setState("refreshed", "");
    const body = pm.response.json();
    const items = at(body, teardown.items);
    const pages = Number(state("pages") || 0) + 1;
    setState("pages", pages);
    const ids = JSON.parse(state("ids") || "[]");
    (Array.isArray(items) ? items : []).forEach(function (item) {
        if (Object.entries(wanted).every(([path, value]) => at(item, path) === value)) {
            ids.push(at(item, teardown.id));
        }
    });
    setState("ids", JSON.stringify(ids));
    pm.test(`status ${status}, page ${pages} read`, function () {
        pm.expect(items, `${teardown.items} in the reply`).to.be.an("array");
    });
    const next = teardown.next ? at(body, teardown.next) : "";
    if (next && pages < teardown.maxPages) {
        // Joined as a course's exists: lookup joins it (scripts/reply.js), whose listing this may be.
        const base = pm.variables.replaceIn(teardown.nextBase).replace(/\/$/, "");
        setState("next", /^https?:\/\//.test(next) || !base ? next : base + (next.startsWith("/") ? "" : "/") + next);
        pm.execution.setNextRequest(name);
    } else {
        setState("next", "");
        if (next) {
            fail(`stopped after ${teardown.maxPages} pages (max_pages); the rest were not read (${who})`);
        }
        if (ids.length === 0) {
            pm.test(`nothing to delete for ${who}`, function () {});
            pm.execution.setNextRequest(null);
        } else {
            console.log(`${name}: ${ids.length} to delete for ${who}`);
            pm.execution.setNextRequest(teardown.delete);
        }
    }
} else if (name === teardown.delete) {
    setState("refreshed", "");
    const ids = JSON.parse(state("ids") || "[]");
    const gone = ids.shift();
    const deleted = Number(state("deleted") || 0) + (status === 404 ? 0 : 1);
    setState("ids", JSON.stringify(ids));
    setState("deleted", deleted);
    pm.test(`status ${status}, ${gone} ${status === 404 ? "was already gone" : "deleted"}`, function () {
        pm.expect(status).to.be.oneOf([teardown.deleteStatus, 404]);
    });
    if (ids.length > 0) {
        pm.execution.setNextRequest(name);
    } else {
        console.log(`deleted ${deleted} for ${who}`);
        pm.execution.setNextRequest(null);
    }
}
