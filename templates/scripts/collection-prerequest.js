// A wait asked for by the previous request of this run (a poll, say). Local variables live for one
// collection run only, so a request sent by hand never waits here.
const pmforgeWait = Number(pm.variables.get("pmforge.wait") || 0);
if (pmforgeWait > 0) {
    pm.variables.set("pmforge.wait", 0);
    setTimeout(function () {}, pmforgeWait);
}
