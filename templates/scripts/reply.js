// The reply's status comes first. A reply that is not the expected one is one failing test that names
// the status and the service's own message; nothing after it pretends to pass. Busy replies (REPLY.retry.on)
// are sent again after Retry-After, and an expired token is renewed, each a bounded number of times.
function dig(value, keys) {
    return keys.reduce((inner, key) => (inner === undefined || inner === null ? undefined : inner[key]), value);
}

function jsonOf(res) {
    try {
        return res.json();
    } catch (error) {
        return undefined;
    }
}

function said(res) {
    const body = jsonOf(res);
    for (const [code, message] of REPLY.errors) {
        const parts = [dig(body, code), dig(body, message)].filter((part) => part !== undefined && part !== null && part !== "");
        if (parts.length) {
            return ": " + parts.join(" ");
        }
    }
    return "";
}

function headers() {
    // The course's headers, resolved now: a renewed token goes into Authorization.
    return REPLY.headers.map((header) => ({ key: header.key, value: pm.variables.replaceIn(header.value) }));
}

function stopRun(message, short) {
    pm.test(message, function () {
        pm.expect.fail(short || "the run cannot go on");
    });
    pm.execution.setNextRequest(null);
}

function settle(res, attempt, history) {
    if (REPLY.retry.on.includes(res.code) && attempt < REPLY.retry.times) {
        history.push(`${res.code} ${res.status}`);
        const after = Number(res.headers.get("Retry-After"));
        const wait = Math.min(after >= 0 ? after * 1000 : REPLY.retry.backoff_ms * 2 ** attempt, REPLY.retry.max_wait_ms);
        console.log(`${pm.info.requestName}: ${res.code} ${res.status}, sending again in ${wait} ms (${attempt + 1} of ${REPLY.retry.times})`);
        setTimeout(() => resend(attempt + 1, history), wait);
        return;
    }
    const expired = REPLY.expired;
    if (expired && res.code === expired.status && (!expired.field || String(dig(jsonOf(res), expired.field)) === expired.equals)) {
        if (attempt < REPLY.retry.times) {
            console.log(`${pm.info.requestName}: the token expired; getting a new one`);
            history.push(`${res.code} ${res.status}${said(res)} (with a new token)`);
            fetchToken((problem) => (problem ? stopRun(`the token expired and a new one could not be had: ${problem}`) : resend(attempt + 1, history)));
            return;
        }
    }
    if (history.length) {
        pm.test(`sent again after ${history.join(", then after ")}`, function () {
            pm.expect(history.length).to.be.at.most(REPLY.retry.times);
        });
    }
    finish(res);
}

function resend(attempt, history) {
    // The request as sent; resolved again in case a runtime hands scripts the {{VARIABLES}} unresolved.
    const again = pm.request.clone();
    again.url.update(pm.variables.replaceIn(again.url.toString()));
    if (again.body && again.body.mode === "raw") {
        again.body.update({ mode: "raw", raw: pm.variables.replaceIn(again.body.raw), options: again.body.options });
    } else if (again.body && again.body.mode === "urlencoded") {
        again.body.urlencoded.each((pair) => pair.update({ key: pair.key, value: pm.variables.replaceIn(pair.value) }));
    }
    again.headers.clear();
    headers().forEach((header) => again.headers.add(header));
    pm.sendRequest(again, function (error, res) {
        if (error) {
            stopRun(`${pm.info.requestName} could not be sent again: ${error.message || error}`);
        } else {
            settle(res, attempt, history);
        }
    });
}

function finish(res) {
    const expected = REPLY.status;
    const ok = expected ? res.code === expected : res.code >= 200 && res.code < 300;
    if (!ok && REPLY.exists && res.code === REPLY.exists.status) {
        findExisting(res);
        return;
    }
    const wanted = expected ? `status code is ${expected}` : "status code is 2xx";
    if (!ok) {
        refused(`${wanted}, got ${res.code} ${res.status}${said(res)}`, res.code, `expected ${expected || "2xx"}, got ${res.code}`);
        return;
    }
    pm.test(wanted, function () {
        pm.expect(res.code).to.be.within(expected || 200, expected || 299);
    });
    const body = jsonOf(res);
    if (REPLY.json && body === undefined) {
        forget();
        pm.test("response is JSON", function () {
            pm.expect.fail(`the reply is not JSON: ${res.text().slice(0, 200)}`);
        });
        return;
    }
    judge(body);
}

function refused(message, code, short) {
    // The variables this request keeps no longer hold anything true: later steps say what to run first.
    forget();
    if (REPLY.stops || code === 401 || code === 403) {
        stopRun(`${message}. ${REPLY.fix}The run stops here.`, short);
        return;
    }
    pm.test(message, function () {
        pm.expect.fail(short || message);
    });
}

function findExisting(res) {
    const exists = REPLY.exists;
    let sent;
    try {
        sent = JSON.parse(pm.variables.replaceIn(pm.request.body.raw));
    } catch (error) {
        sent = undefined;
    }
    const wanted = dig(sent, exists.match);
    const refusal = `status code is ${REPLY.status}, got ${res.code} ${res.status}${said(res)}`;
    const short = `expected ${REPLY.status}, got ${res.code}`;
    let pages = 0;
    function absolute(base, next) {
        if (/^https?:\/\//.test(next)) {
            return next;
        }
        if (exists.next_base) {
            return pm.variables.replaceIn(exists.next_base).replace(/\/$/, "") + (next.startsWith("/") ? "" : "/") + next;
        }
        if (next.startsWith("/")) {
            return base.match(/^[a-z]+:\/\/[^/]+/i)[0] + next;
        }
        return next.startsWith("?") ? base.split("?")[0] + next : base.split("?")[0].replace(/[^/]*$/, "") + next;
    }
    function page(url) {
        pages += 1;
        pm.sendRequest({ url: url, method: "GET", header: headers().filter((h) => h.key.toLowerCase() !== "content-type") }, function (error, reply) {
            if (error || reply.code !== 200) {
                refused(`${refusal}; listing what exists failed: ${error ? error.message || error : reply.code + " " + reply.status + said(reply)}`, error ? 0 : reply.code, short);
                return;
            }
            const body = jsonOf(reply);
            const where = Object.entries(exists.where || {}).map(([path, value]) => [path.split("."), pm.variables.replaceIn(value)]);
            const found = (dig(body, exists.items) || []).find(
                (item) => dig(item, exists.match) === wanted && where.every(([keys, value]) => dig(item, keys) === value)
            );
            if (found) {
                pm.test(`${exists.what} ${JSON.stringify(wanted)} already exists: using it`, function () {
                    pm.expect(found).to.be.an("object");
                });
                judge(found);
                return;
            }
            const next = exists.next && dig(body, exists.next);
            if (next && pages < 1000) {
                page(absolute(url, next));
            } else {
                refused(`${refusal}; and no ${exists.what} named ${JSON.stringify(wanted)} is listed in this sandbox`, res.code, short);
            }
        });
    }
    page(pm.variables.replaceIn(exists.list));
}
