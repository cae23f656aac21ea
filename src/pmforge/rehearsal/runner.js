'use strict';
// Runs a whole class in one Node process: Newman's library (newman.run) once per participant,
// spread over a few worker threads, with a bounded number of runs in flight.
//
//   node runner.js JOB.json
//
// JOB.json: {"newman": "<newman package directory>", "workers": 2, "parallel": 8, "timeout_ms": 300000,
//            "pool": true, "participants": [{"id": 0, "collection": "...", "environment": "...",
//            "env_vars": {"NAME": "value"}, "secret_names": ["CLIENT_SECRET"]}]}
//
// Writes one JSON line per finished participant to stdout, in the order they finish:
//   {"type": "result", "id": 0, "time_s": 1.2, "report": {"run": {...}, "environment": {"values": [...]}}}
// where "report" has the shape of Newman's JSON report, trimmed to what pmforge reads; or
//   {"type": "result", "id": 0, "time_s": 0.1, "error": "message"} when Newman could not run it at all.
// Then {"type": "done"}; {"type": "fatal", "message": "..."} (exit 3) when Newman cannot be loaded;
// exit 4, with a line on stderr, when a worker thread dies.
// Ends when its standard input closes (its parent is gone), on SIGINT and on SIGTERM.

const { Worker, isMainThread, parentPort, workerData } = require('worker_threads');
const fs = require('fs');
const path = require('path');

function main() {
    const job = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
    const queue = job.participants.slice();
    const total = queue.length;
    const workerCount = Math.max(1, Math.min(job.workers || 1, job.parallel || 1, total || 1));
    // The runs in flight, shared out: with parallel 3 over 2 workers, 2 and 1.
    const parallel = Math.max(job.parallel || 1, workerCount);
    const slots = (index) => Math.floor(parallel / workerCount) + (index < parallel % workerCount ? 1 : 0);
    let finished = 0;

    const write = (message) => process.stdout.write(JSON.stringify(message) + '\n');
    const stop = (code) => process.exit(code);
    // The parent holds our stdin open: when it goes away, so do we.
    process.stdin.on('end', () => stop(130));
    process.stdin.on('error', () => stop(130));
    process.stdin.resume();
    process.stdout.on('error', () => stop(130));  // EPIPE: nobody reads the results any more
    process.on('SIGINT', () => stop(130));
    process.on('SIGTERM', () => stop(143));

    if (total === 0) {
        write({ type: 'done' });
        stop(0);
    }
    for (let index = 0; index < workerCount; index += 1) {
        const worker = new Worker(__filename, {
            workerData: { newman: job.newman, timeoutMs: job.timeout_ms || 0, pool: job.pool === true },
            stdout: true,  // Newman's own console output must never mix with our JSON lines
        });
        worker.stdout.resume();
        const feed = () => {
            if (queue.length) { worker.postMessage(queue.shift()); }
        };
        worker.on('message', (message) => {
            if (message.type === 'ready') {
                for (let slot = 0; slot < slots(index); slot += 1) { feed(); }
                return;
            }
            if (message.type === 'fatal') {
                write(message);
                stop(3);
                return;
            }
            write(message);
            finished += 1;
            if (finished === total) {
                write({ type: 'done' });
                stop(0);
            }
            feed();
        });
        // A worker that dies takes its runs with it: say so and stop; pmforge marks whoever did not finish.
        worker.on('error', (error) => {
            process.stderr.write(`pmforge runner: a worker failed: ${error && error.stack || error}\n`);
            stop(4);
        });
        worker.on('exit', (code) => {
            process.stderr.write(`pmforge runner: a worker exited with code ${code} before the class finished\n`);
            stop(4);
        });
    }
}

// -- in a worker thread ---------------------------------------------------------------------------

// Booting Postman's script sandbox (a fresh VM context holding its whole bundle) is about half of a
// run's CPU. With "pool", one run at a time may use a context, and a context goes back to the pool
// only when its run ended cleanly, with the listeners that run added removed again. pmforge asks for
// it only when every script is its own: an undeclared variable would survive into the next run.
const RUN_EVENTS = ['console', 'error', 'execution.error', 'execution.assertion'];

function sandboxPool(newmanDir) {
    const runtimeDir = path.dirname(require.resolve('postman-runtime/package.json', { paths: [newmanDir] }));
    const sandbox = require(require.resolve('postman-sandbox', { paths: [runtimeDir] }));
    const idle = [];
    const create = sandbox.createContext;
    sandbox.createContext = function (options, callback) {
        const context = idle.pop();
        if (!context) { return create.call(this, options, callback); }
        process.nextTick(callback, null, context);
    };
    return {
        release (context, reusable) {
            if (!context) { return; }
            const busy = context._executing && Object.keys(context._executing).length > 0;
            if (!reusable || busy || typeof context.removeAllListeners !== 'function') {
                if (typeof context.dispose === 'function') { context.dispose(); }
                return;
            }
            RUN_EVENTS.forEach((name) => context.removeAllListeners(name));
            idle.push(context);
        },
    };
}

function trimmedReport(summary, secretNames) {
    const run = summary.run || {};
    const stats = run.stats || {};
    const message = (error) => error && { name: error.name, message: error.message, test: error.test };
    const environment = summary.environment;
    return {
        run: {
            stats: { requests: stats.requests, assertions: stats.assertions },
            executions: (run.executions || []).map((execution) => ({
                item: { name: execution.item && execution.item.name },
                assertions: (execution.assertions || []).map((assertion) => ({
                    assertion: assertion.assertion, skipped: assertion.skipped, error: message(assertion.error),
                })),
                requestError: message(execution.requestError),
            })),
            failures: (run.failures || []).map((failure) => ({
                error: message(failure.error), at: failure.at, source: { name: failure.source && failure.source.name },
            })),
            error: message(run.error),
        },
        // Only the secrets' final values, so that pmforge can keep them out of everything it writes.
        environment: {
            values: secretNames.map((key) => ({ key, value: environment ? environment.get(key) : undefined }))
                .filter((variable) => typeof variable.value === 'string' && variable.value !== ''),
        },
    };
}

function work() {
    let newman;
    try {
        newman = require(workerData.newman);
    }
    catch (error) {
        parentPort.postMessage({ type: 'fatal', message: `cannot load Newman from ${workerData.newman}: ${error.message}` });
        return;
    }
    let pool = null;
    if (workerData.pool) {
        try { pool = sandboxPool(workerData.newman); }
        catch (error) { pool = null; }  // a Newman laid out differently: every run boots its own sandbox
    }
    parentPort.on('message', (participant) => {
        const started = process.hrtime.bigint();
        const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
        let run = null;
        let settled = false;
        let emitter;
        try {
            // Read here rather than by Newman, which runs an encoding detector over every file it loads;
            // pmforge writes UTF-8.
            const read = (file) => {
                try { return JSON.parse(fs.readFileSync(file, 'utf8')); }
                catch (error) { throw new Error(`cannot read ${file}: ${error.message}`); }
            };
            emitter = newman.run({
                collection: read(participant.collection),
                environment: read(participant.environment),
                envVar: Object.entries(participant.env_vars || {}).map(([key, value]) => ({ key, value })),
                reporters: [],
                timeout: workerData.timeoutMs,
            }, (error, summary) => {
                // After its timeout Newman calls back once for the timeout and again when the run ends.
                if (settled) { return; }
                settled = true;
                if (pool && run) { pool.release(run.host, !error); }
                const result = { type: 'result', id: participant.id, time_s: seconds() };
                if (error && error.message === 'callback timed out') {
                    error = new Error(`newman did not finish within ${workerData.timeoutMs / 1000} s`);
                }
                if (error && !(summary && summary.run)) {
                    result.error = error.message || String(error);
                }
                else {
                    result.report = trimmedReport(summary, participant.secret_names || []);
                    if (error) { result.report.run.error = { message: error.message || String(error) }; }
                }
                parentPort.postMessage(result);
            });
        }
        catch (error) {
            parentPort.postMessage({ type: 'result', id: participant.id, time_s: seconds(), error: error.message });
            return;
        }
        emitter.on('start', (error, state) => { run = state && state.run; });
    });
    parentPort.postMessage({ type: 'ready' });
}

if (isMainThread) { main(); } else { work(); }
