// No token yet: get one before this request, so any request can be sent first.
if (pm.info.requestName !== TOKEN.request && !pm.variables.get(TOKEN.variable)) {
    fetchToken(function (problem) {
        if (problem) {
            const message = `no token: ${problem} The run stops here.`;
            pm.test(message, function () {
                pm.expect.fail("no token");
            });
            pm.execution.setNextRequest(null);
            if (typeof pm.execution.skipRequest === "function") {
                pm.execution.skipRequest();
            }
        }
    });
}
