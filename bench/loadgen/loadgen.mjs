// Load generator for bench/api.py: one phase of open-loop (fixed arrival rate) or closed-loop
// (N clients, each sending when its last answer came) load, against the GraphQL API over HTTP
// keep-alive or against Neo4j through its JavaScript driver (the anchor: the same Cypher).
//
// Why Node and not Python: on two cores shared with the server and Neo4j, a Python asyncio
// client cannot offer 200 requests/s open loop; an event loop written in C can.
//
// Reads one JSON job on stdin, writes one JSON result on stdout:
//   job: {mode: "open"|"closed", rate, seconds, connections, timeoutMs, warmup,
//         http?: {url, bodies: [string]},             // request i posts bodies[i % n]
//         bolt?: {uri, database, user, password,
//                 requests: [[{text, params}]]}}      // request i runs requests[i % n] at once
//   params: JSON, integers written as {"$int": n} (JavaScript numbers go to Cypher as floats)
//   result: {startedAt, seconds, served: [s], shed: [s], errors: {kind: n}, failed: [s],
//            timeline: [[ok, shed, err]]}
// Latency counts from the scheduled send time (open loop) or the send (closed loop); the
// timeline has one row per second of scheduled time. An answer is "shed" when it is a 429 or
// 503 with Retry-After turning the request away (capacity, rate limit), an error when it is
// anything but a 200 without GraphQL errors (counted by GraphQL error code, e.g.
// SERVICE_UNAVAILABLE, HTTP status, "timeout" or "transport").

import http from "node:http";
import neo4j from "neo4j-driver";

const job = JSON.parse(await new Promise((resolve) => {
  let text = "";
  process.stdin.on("data", (chunk) => { text += chunk; });
  process.stdin.on("end", () => resolve(text));
}));

function cypherValue(v) {
  if (Array.isArray(v)) return v.map(cypherValue);
  if (v !== null && typeof v === "object") {
    if ("$int" in v) return neo4j.int(v.$int);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, cypherValue(x)]));
  }
  return v;
}

function httpCaller(spec) {
  const url = new URL(spec.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.connections });
  return (i) => new Promise((resolve) => {
    const body = spec.bodies[i % spec.bodies.length];
    const req = http.request({
      host: url.hostname, port: url.port, path: url.pathname, method: "POST", agent,
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      timeout: job.timeoutMs,
    }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        let code;
        try {
          const answer = JSON.parse(Buffer.concat(chunks).toString("utf8"));
          code = answer.errors ? (answer.errors[0]?.extensions?.code ?? "graphql error") : null;
        } catch {
          code = "unreadable answer";
        }
        const retry = res.headers["retry-after"];
        if (res.statusCode === 200 && code === null) resolve("ok");
        else if (code === "SERVICE_UNAVAILABLE") resolve(retry ? code : `${code} without Retry-After`);
        else if ((res.statusCode === 429 || res.statusCode === 503) && retry) resolve("shed");
        else resolve(code && res.statusCode === 200 ? code : `http ${res.statusCode} ${code ?? ""}`.trim());
      });
    });
    req.on("timeout", () => { req.destroy(new Error("timeout")); });
    req.on("error", (e) => resolve(e.message === "timeout" ? "timeout" : "transport"));
    req.end(body);
  });
}

function boltCaller(spec) {
  const auth = spec.password ? neo4j.auth.basic(spec.user, spec.password) : undefined;
  const driver = neo4j.driver(spec.uri, auth, { maxConnectionPoolSize: job.connections,
    connectionAcquisitionTimeout: job.timeoutMs });
  const requests = spec.requests.map((steps) => steps.map(
    (s) => ({ text: s.text, params: cypherValue(s.params) })));
  const call = async (i) => {
    try {
      await Promise.all(requests[i % requests.length].map((s) => driver.executeQuery(
        s.text, s.params, { database: spec.database, routing: neo4j.routing.READ })));
      return "ok";
    } catch (e) {
      return e.code ?? "driver error";
    }
  };
  call.close = () => driver.close();
  return call;
}

const call = job.http ? httpCaller(job.http) : boltCaller(job.bolt);
// Warm-up (plans cached, pools filled, every worker process's cache too): `warmup` requests
// spread over all the connections, each of which a server process of its own may hold.
let warm = 0;
await Promise.all(Array.from({ length: job.connections }, async () => {
  while (warm < (job.warmup ?? 0)) await call(warm++);
}));

const served = [];
const shed = [];
const errors = {};
const failed = [];  // latencies of the errors
const timeline = [];
function record(second, outcome, latency) {
  while (timeline.length <= second) timeline.push([0, 0, 0]);
  if (outcome === "ok") { served.push(latency); timeline[second][0]++; }
  else if (outcome === "shed") { shed.push(latency); timeline[second][1]++; }
  else {
    errors[outcome] = (errors[outcome] ?? 0) + 1;
    failed.push(latency);
    timeline[second][2]++;
  }
}

const startedAt = Date.now();  // epoch ms, to line the timeline up with outside events
const start = performance.now();
if (job.mode === "open") {
  const total = Math.round(job.rate * job.seconds);
  await new Promise((resolve) => {
    let sent = 0;
    let done = 0;
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + (sent * 1000) / job.rate <= now) {
        const scheduled = start + (sent * 1000) / job.rate;
        call(sent).then((outcome) => {
          record(Math.floor((scheduled - start) / 1000), outcome,
                 (performance.now() - scheduled) / 1000);
          if (++done === total) resolve();
        });
        sent++;
      }
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
  });
} else {
  let next = 0;
  await Promise.all(Array.from({ length: job.connections }, async () => {
    while (performance.now() - start < job.seconds * 1000) {
      const t0 = performance.now();
      const outcome = await call(next++);
      record(Math.floor((t0 - start) / 1000), outcome, (performance.now() - t0) / 1000);
    }
  }));
}
const seconds = (performance.now() - start) / 1000;
if (call.close) await call.close();
process.stdout.write(JSON.stringify({ startedAt, seconds, served, shed, errors, failed, timeline }));
