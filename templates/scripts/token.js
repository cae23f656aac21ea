// Gets a token from the course's token request, with the learner's own credentials.
function fetchToken(done, attempt) {
    attempt = attempt || 0;
    const missing = TOKEN.needs.filter((name) => !pm.variables.get(name));
    if (missing.length) {
        done(`${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} empty. ${TOKEN.fix}`);
        return;
    }
    const resolve = (pairs) => pairs.map((pair) => ({ key: pair.key, value: pm.variables.replaceIn(pair.value) }));
    const request = { url: pm.variables.replaceIn(TOKEN.url), method: TOKEN.method, header: resolve(TOKEN.header) };
    if (TOKEN.form) {
        request.body = { mode: "urlencoded", urlencoded: resolve(TOKEN.form) };
    }
    pm.sendRequest(request, function (error, res) {
        if (error) {
            done(`"${TOKEN.request}" could not be sent: ${error.message || error}`);
            return;
        }
        if (TOKEN.retry.on.includes(res.code) && attempt < TOKEN.retry.times) {
            const after = Number(res.headers.get("Retry-After"));
            const wait = Math.min(after >= 0 ? after * 1000 : TOKEN.retry.backoff_ms * 2 ** attempt, TOKEN.retry.max_wait_ms);
            setTimeout(() => fetchToken(done, attempt + 1), wait);
            return;
        }
        let body;
        try {
            body = res.json();
        } catch (problem) {
            body = undefined;
        }
        const token = TOKEN.from.map((keys) => keys.reduce((inner, key) => (inner == null ? undefined : inner[key]), body)).find((value) => value !== undefined && value !== null);
        if (res.code !== 200 || !token) {
            const dig = (keys) => keys.reduce((inner, key) => (inner == null ? undefined : inner[key]), body);
            const said = TOKEN.errors.map((pair) => pair.map(dig).filter((part) => part !== undefined && part !== null && part !== "")).find((parts) => parts.length);
            done(`"${TOKEN.request}" got ${res.code} ${res.status}${said ? ": " + said.join(" ") : ""}. ${TOKEN.fix}`);
            return;
        }
        keepToken(token);
        done(null);
    });
}
