// The blog's production telemetry: OpenTelemetry OTLP/HTTP JSON, written by hand (no SDK).
// - traces: one span blog.boot (navigation start -> app ready) with a child span per boot phase;
// - metrics: delta histograms blog.boot.duration and blog.call.duration (ms);
// - logs: VM crashes (FATAL), Elixir Logger records from the VM's stderr, page errors.
// Configured by telemetry.json beside index.html ({"endpoint": "/", "service": "wasm-blog"}): records
// go to <endpoint>v1/traces|metrics|logs. No file, a null endpoint or bad JSON: telemetry is off.
// It never delays boot and never throws into the app. Offline first: every batch is stored in
// IndexedDB before it is sent and deleted after a 2xx (a 4xx drops it: it will never be accepted);
// a network error, timeout or 5xx keeps it for the next try (load, `online`, the next batch).
// On pagehide (or when the page is hidden) the records not yet stored leave with fetch(keepalive) (sendBeacon when the body is
// too big for it) and are not stored, so they arrive at most once; stored batches wait for a
// confirmed send, so they arrive once unless a page dies between the server's answer and ours.

const MAX_BATCHES = 200;
const TIMEOUT_MS = 5000;
const KEEPALIVE_MAX = 60000; // keepalive requests share a 64 KiB budget
const LOG_BATCH_MS = 1000;
const METRIC_BATCH_MS = 30000;
const BOOT_TRACE_WAIT_MS = 10000; // after ready, for a first call
const MAX_LOGS = 500; // per page: an error loop must not flood the queue
const HOLD_MAX_MS = 5000; // the longest sends wait for the app's go-ahead (holdSendsUntil)
const PHASES = ["html_received", "runtime_js_fetched", "bundle_fetched", "wasm_fetched", "app_ready", "first_call"];
const ASSETS = { runtime_js_fetched: "AtomVM.mjs", bundle_fetched: "bundle.avm", wasm_fetched: "AtomVM.wasm" };
const FATAL = [/CRASH REPORT/, /Aborted\(/, /^RuntimeError/];
// Elixir's Logger in this VM: "HH:MM:SS.mmm key=value ... [level] message" (see vm/shims/logger.erl).
const LOGGER_LINE = /^(\d\d):(\d\d):(\d\d)\.(\d{3}) (.*?)\[(emergency|alert|critical|error|warning|notice|info|debug)\] ?(.*)$/;
const LEVELS = { debug: [5, "DEBUG"], info: [9, "INFO"], notice: [10, "INFO"], warning: [13, "WARN"], error: [17, "ERROR"],
  critical: [18, "ERROR"], alert: [19, "ERROR"], emergency: [21, "FATAL"] };
const SIGNALS = { traces: ["resourceSpans", "scopeSpans", "spans"], metrics: ["resourceMetrics", "scopeMetrics", "metrics"],
  logs: ["resourceLogs", "scopeLogs", "logRecords"] };
const BOUNDS = {
  "blog.boot.duration": [100, 250, 500, 750, 1000, 1500, 2000, 3000, 5000, 10000, 30000],
  "blog.call.duration": [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000],
};
const DESCRIPTIONS = { "blog.boot.duration": "navigation start to app ready", "blog.call.duration": "api() round trip" };
const SCOPE = { name: "wasm-blog-telemetry", version: "1" };
const UA = navigator.userAgent;
const ENGINE = /Firefox\//.test(UA) ? "firefox" : /Chrom(e|ium)\/|Edg\//.test(UA) ? "chromium"
  : /AppleWebKit\//.test(UA) ? "webkit" : "unknown";

// One id per tab (OpenTelemetry's session.id): it survives reloads, and tells this tab's records apart.
const SESSION_ID = (() => {
  try {
    const id = sessionStorage.getItem("wasm-blog.telemetry-session") || hex(16);
    sessionStorage.setItem("wasm-blog.telemetry-session", id);
    return id;
  } catch {
    return hex(16); // no storage: one id per page
  }
})();

let config = null; // {endpoint: URL, service}
let enabled = false;
let healthy = true; // the last send reached the endpoint
let sent = 0;
let droppedTotal = 0; // this page's batches dropped to stay within MAX_BATCHES
let pendingDropped = 0; // dropped batches not reported yet (kept in IndexedDB meta), sent with the next batch
const spans = [], logs = [], metrics = new Map(); // name -> {since, points: Map}
const timers = {};
let logCount = 0;

// --- helpers ---------------------------------------------------------------------------------

const safe = (fn) => (...args) => { try { return fn(...args); } catch (error) { debug(error); } };
function debug(...args) { try { console.debug("telemetry:", ...args); } catch { /* nothing */ } }
function hex(bytes) {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
}
// performance.now()-style ms -> unix nanoseconds as a decimal string (no precision lost to floats).
function nanos(t) {
  const ms = performance.timeOrigin + t, whole = Math.floor(ms);
  return whole + String(Math.min(999999, Math.round((ms - whole) * 1e6))).padStart(6, "0");
}
function value(v) {
  if (typeof v === "bigint") return { intValue: String(v) };
  if (typeof v === "number") return { doubleValue: v };
  if (typeof v === "boolean") return { boolValue: v };
  return { stringValue: String(v) };
}
function attributes(object) {
  return Object.entries(object).filter(([, v]) => v !== undefined && v !== null).map(([key, v]) => ({ key, value: value(v) }));
}
function schedule(name, ms, fn) {
  if (!timers[name]) timers[name] = setTimeout(safe(() => { timers[name] = 0; fn(); }), ms);
}
function url(signal) { return new URL(`v1/${signal}`, config.endpoint).href; }

function body(signal, items) {
  const [top, scoped, list] = SIGNALS[signal];
  const resource = attributes({
    "service.name": config.service,
    "service.version": (document.body && document.body.dataset.swVersion) || "unknown",
    "session.id": SESSION_ID,
    "browser.engine": ENGINE,
    "user_agent.original": UA,
    "telemetry.sdk.name": SCOPE.name,
    "telemetry.sdk.language": "webjs",
  });
  return JSON.stringify({ [top]: [{ resource: { attributes: resource }, [scoped]: [{ scope: SCOPE, [list]: items }] }] });
}

// --- storage: IndexedDB, or memory when it fails --------------------------------------------

let dbPromise = null;
const memory = []; // batches IndexedDB could not take, with ids "m1", "m2", ...
let memoryId = 0;
let chain = Promise.resolve(); // enqueues, one at a time
const inFlight = new Set();
const unsent = new Set(); // this page's batches no send has started for
const handedOff = new Set(); // ids of stored batches that pagehide sent

const request = (r) => new Promise((resolve, reject) => { r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error); });
const done = (tx) => new Promise((resolve) => { tx.oncomplete = () => resolve(true); tx.onerror = tx.onabort = () => resolve(false); });

function openDb() {
  return dbPromise || (dbPromise = new Promise((resolve) => {
    try {
      const open = indexedDB.open("wasm-blog-telemetry", 1);
      open.onupgradeneeded = () => {
        open.result.createObjectStore("batches", { keyPath: "id", autoIncrement: true });
        open.result.createObjectStore("meta");
      };
      open.onsuccess = () => resolve(open.result);
      open.onerror = open.onblocked = () => resolve(null);
    } catch {
      resolve(null);
    }
  }).then(async (db) => {
    try {
      if (db) pendingDropped += (await request(db.transaction("meta").objectStore("meta").get("dropped"))) || 0;
    } catch (error) { debug(error); }
    return db;
  }));
}

function saveDropped(db) {
  try {
    if (db) db.transaction("meta", "readwrite").objectStore("meta").put(pendingDropped, "dropped");
  } catch (error) { debug(error); }
}

// Stores one batch; beyond MAX_BATCHES the oldest ones (not being sent) are dropped and counted.
function enqueue(signal, items, send = true) {
  const batch = { signal, body: body(signal, items) };
  const mine = { ...batch, id: undefined, gone: false };
  unsent.add(mine);
  if (unsent.size > MAX_BATCHES) unsent.delete(unsent.values().next().value); // the queue keeps it
  chain = chain.then(async () => {
    if (mine.gone) return; // it left with the page (pagehide) before it was stored
    const db = await openDb();
    const inMemory = () => {
      memory.push({ ...batch, id: (mine.id = `m${++memoryId}`) });
      while (memory.length > MAX_BATCHES) {
        memory.shift();
        droppedTotal++;
        pendingDropped++;
      }
    };
    if (!db) return inMemory();
    const tx = db.transaction(["batches", "meta"], "readwrite");
    const batches = tx.objectStore("batches");
    const meta = () => { if (pendingDropped) tx.objectStore("meta").put(pendingDropped, "dropped"); };
    const added = batches.add(batch);
    added.onsuccess = () => { mine.id = added.result; };
    const count = batches.count();
    count.onsuccess = () => {
      let extra = count.result - MAX_BATCHES;
      if (extra <= 0) return meta();
      batches.openCursor().onsuccess = (event) => {
        const cursor = event.target.result;
        if (!cursor || extra <= 0) return meta();
        if (!inFlight.has(cursor.key)) {
          extra--;
          droppedTotal++;
          pendingDropped++;
          cursor.delete();
        }
        cursor.continue();
      };
    };
    if (!await done(tx)) inMemory(); // quota, a closed database, ...
    if (mine.gone) { // pagehide sent it meanwhile
      handedOff.add(mine.id);
      await remove(mine.id);
    }
  }).catch(debug);
  return send ? chain.then(() => { if (navigator.onLine !== false) pump(); }) : chain;
}

async function stored() {
  const db = await openDb();
  return [...(db ? await request(db.transaction("batches").objectStore("batches").getAll()) : []), ...memory];
}

async function remove(id) {
  const db = await openDb();
  if (typeof id === "string" || !db) {
    const at = memory.findIndex((batch) => batch.id === id);
    if (at >= 0) memory.splice(at, 1);
    return;
  }
  const tx = db.transaction("batches", "readwrite");
  tx.objectStore("batches").delete(id);
  await done(tx);
}

// --- sending -------------------------------------------------------------------------------

async function post(signal, json) {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
  try {
    const response = await fetch(url(signal), {
      method: "POST", headers: { "Content-Type": "application/json" }, body: json, signal: abort.signal,
    });
    if (response.ok) return "sent";
    // OTLP: 429, 502, 503, 504 are worth retrying; any other 4xx will never be accepted.
    return response.status >= 400 && response.status < 500 && response.status !== 429 && response.status !== 408
      ? "rejected" : "retry";
  } catch {
    return "retry"; // network error, refused connection, timeout
  } finally {
    clearTimeout(timer);
  }
}

// Sends wait until the app says its service worker's update check is done (see holdSendsUntil), or
// HOLD_MAX_MS: POSTs during that check make Chromium never finish it. The pagehide path does not wait.
let openSends;
const sendsOpen = new Promise((resolve) => {
  openSends = resolve;
  setTimeout(resolve, HOLD_MAX_MS);
});

let pumping = sendsOpen;
// One pass over the queue, oldest first, after any pass already running; stops at the first batch
// the endpoint did not take (it is down: the rest would fail too).
function pump() {
  pumping = pumping.then(async () => {
    if (!enabled) return;
    for (const batch of await stored()) {
      if (inFlight.has(batch.id) || handedOff.has(batch.id)) continue;
      for (const mine of unsent) if (mine.id === batch.id) unsent.delete(mine);
      inFlight.add(batch.id);
      let verdict, json = batch.body;
      const reported = pendingDropped;
      try {
        if (reported) { // the count of batches dropped so far goes on this one's resource
          const data = JSON.parse(json);
          data[SIGNALS[batch.signal][0]][0].resource.attributes.push(
            { key: "telemetry.dropped_batches", value: value(BigInt(reported)) });
          json = JSON.stringify(data);
        }
        verdict = await post(batch.signal, json);
        healthy = verdict !== "retry";
        if (verdict === "retry") break;
        await remove(batch.id);
      } finally {
        inFlight.delete(batch.id);
      }
      if (verdict === "sent") {
        sent++;
        if (reported) {
          pendingDropped -= reported;
          saveDropped(await openDb());
        }
      } else debug(`the endpoint rejected a ${batch.signal} batch`);
    }
  }).catch(debug);
  return pumping;
}

// The page is going away: what it collected and no send has started for leaves now, unconfirmed,
// and is not kept (its stored copy is deleted: it would be sent again on the next visit). When the
// endpoint failed last time, or the browser is offline, or neither way can take it, it stays
// stored for the next visit instead. A batch being sent stays stored: it may come twice.
let unloadBytes = 0;
function sendOnUnload(signal, json) {
  const target = url(signal);
  if (!(healthy && navigator.onLine !== false)) return false;
  unloadBytes += json.length;
  if (unloadBytes <= KEEPALIVE_MAX && "keepalive" in Request.prototype) {
    fetch(target, { method: "POST", keepalive: true, headers: { "Content-Type": "application/json" }, body: json })
      .catch(() => {});
    return true;
  }
  return navigator.sendBeacon(target, new Blob([json], { type: "application/json" }));
}

// --- collecting records into batches -------------------------------------------------------

function collect() {
  finishLogger();
  finishCrash();
  if (boot.ready !== null && !boot.sent) bootTrace();
  const batches = [];
  if (spans.length) batches.push(["traces", spans.splice(0)]);
  const now = performance.now(), items = [];
  for (const [name, metric] of metrics) {
    if (!metric.points.size) continue;
    const dataPoints = [...metric.points.values()].map((p) => ({
      attributes: attributes(p.attributes), startTimeUnixNano: nanos(metric.since), timeUnixNano: nanos(now),
      count: String(p.count), sum: p.sum, min: p.min, max: p.max,
      bucketCounts: p.buckets.map(String), explicitBounds: BOUNDS[name],
    }));
    metric.points.clear();
    metric.since = now;
    items.push({ name, description: DESCRIPTIONS[name], unit: "ms", histogram: { aggregationTemporality: 1, dataPoints } });
  }
  if (items.length) batches.push(["metrics", items]);
  if (logs.length) batches.push(["logs", logs.splice(0)]);
  return batches;
}

function collectAndSend() {
  if (enabled) for (const [signal, items] of collect()) enqueue(signal, items);
}

function histogram(name, ms, attrs = {}) {
  if (config === false) return;
  const metric = metrics.get(name) || { since: 0, points: new Map() };
  metrics.set(name, metric);
  const key = JSON.stringify(attrs);
  let point = metric.points.get(key);
  if (!point) {
    point = { attributes: attrs, count: 0, sum: 0, min: ms, max: ms, buckets: new Array(BOUNDS[name].length + 1).fill(0) };
    metric.points.set(key, point);
  }
  point.count++;
  point.sum += ms;
  point.min = Math.min(point.min, ms);
  point.max = Math.max(point.max, ms);
  const at = BOUNDS[name].findIndex((bound) => ms <= bound);
  point.buckets[at < 0 ? BOUNDS[name].length : at]++;
  schedule("metrics", METRIC_BATCH_MS, collectAndSend);
}

function log(severity, text, body, attrs, time = performance.now()) {
  if (config === false || logCount >= MAX_LOGS) return;
  logCount++;
  logs.push({
    timeUnixNano: nanos(time), observedTimeUnixNano: nanos(performance.now()), severityNumber: severity,
    severityText: text, body: { stringValue: String(body) }, attributes: attributes({ ...attrs, "log.record.uid": hex(16) }),
  });
  if (enabled) schedule("logs", LOG_BATCH_MS, collectAndSend);
}

// --- boot trace ----------------------------------------------------------------------------

const boot = { ready: null, firstCall: undefined, phases: {}, sent: false };

// Phase times in this page's clock; a phase the engine does not show is left out.
function bootPhases(popcorn) {
  const phases = {};
  const navigation = performance.getEntriesByType("navigation")[0];
  if (navigation && navigation.responseEnd > 0) phases.html_received = navigation.responseEnd;
  let frameEntries = [], offset = 0;
  try {
    const iframe = (popcorn && popcorn.bridge && popcorn.bridge.iframe) || document.querySelector("iframe[srcdoc]");
    const frame = iframe.contentWindow.performance;
    frameEntries = frame.getEntriesByType("resource");
    offset = frame.timeOrigin - performance.timeOrigin;
  } catch { /* no VM iframe to look into: the page's own entries only */ }
  const pageEntries = performance.getEntriesByType("resource");
  const first = (entries, file) => entries.find((entry) => new URL(entry.name).pathname.split("/").pop() === file);
  for (const [phase, file] of Object.entries(ASSETS)) {
    const inFrame = first(frameEntries, file);
    const entry = inFrame || first(pageEntries, file);
    if (entry && entry.responseEnd > 0) phases[phase] = entry.responseEnd + (inFrame ? offset : 0);
  }
  return phases;
}

function bootTrace() {
  boot.sent = true;
  const phases = { ...boot.phases, app_ready: boot.ready };
  if (boot.firstCall !== undefined) phases.first_call = boot.firstCall;
  const traceId = hex(16), rootId = hex(8), children = [];
  const parentAttributes = {};
  let previous = 0;
  for (const phase of PHASES) {
    if (phases[phase] === undefined) continue;
    const end = phases[phase];
    parentAttributes[`boot.${phase}_ms`] = end;
    children.push({ traceId, spanId: hex(8), parentSpanId: rootId, name: `boot.${phase}`, kind: 1,
      startTimeUnixNano: nanos(Math.min(previous, end)), endTimeUnixNano: nanos(end), attributes: [] });
    previous = end;
  }
  spans.push({ traceId, spanId: rootId, name: "blog.boot", kind: 1, startTimeUnixNano: nanos(0),
    endTimeUnixNano: nanos(boot.ready), attributes: attributes(parentAttributes) }, ...children);
}

// --- VM output: crashes and Elixir Logger records ------------------------------------------

const stderrTail = [];
let record = null; // the Logger record whose continuation lines may still come
let crash = null;

function finishLogger() {
  if (!record) return;
  const { level, metadata, lines, time } = record;
  record = null;
  clearTimeout(timers.logger);
  timers.logger = 0;
  const attrs = { "elixir.logger.level": level };
  for (const [key, v] of metadata) attrs[`elixir.logger.metadata.${key}`] = v;
  log(LEVELS[level][0], LEVELS[level][1], lines.join("\n"), attrs, time);
}

// "key=value key2=value two " -> [[key, value], ...]; values are as Logger printed them and may hold
// spaces, so a new pair starts only where "name=" follows a space.
function metadataPairs(text) {
  return text.trim() ? text.trim().split(/ (?=[A-Za-z_][\w@]*=)/).map((pair) => {
    const at = pair.indexOf("=");
    return [pair.slice(0, at), pair.slice(at + 1)];
  }) : [];
}

// The Logger line's clock is UTC time of day: today's (or yesterday's, just after midnight) date.
function loggerTime(h, m, s, ms) {
  const now = new Date();
  let at = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), h, m, s, ms);
  if (at > now.getTime() + 60000) at -= 86400000;
  return at - performance.timeOrigin;
}

function onCrash(line, reloaded) {
  if (!crash) {
    crash = { line: null, reloaded: false };
    schedule("crash", 300, finishCrash); // the crash's other lines (and the reload) come with it
  }
  if (line && !crash.line) crash.line = line;
  if (reloaded) crash.reloaded = true;
}

function finishCrash() {
  if (!crash) return;
  const { line, reloaded } = crash;
  crash = null;
  log(21, "FATAL", line || "the Popcorn VM iframe was reloaded (the VM crashed)",
    { "vm.stderr.tail": stderrTail.splice(0).join("\n"), "vm.reloaded": reloaded }); // the next VM starts afresh
}

function onVmLine(stream, text) {
  for (const line of String(text).split("\n")) {
    if (stream === "stderr") {
      stderrTail.push(line);
      if (stderrTail.length > 20) stderrTail.shift();
    }
    if (FATAL.some((pattern) => pattern.test(line))) {
      finishLogger();
      onCrash(line, false);
      continue;
    }
    if (stream !== "stderr") continue;
    const m = LOGGER_LINE.exec(line);
    if (m) {
      finishLogger();
      record = { level: m[6], metadata: metadataPairs(m[5]), lines: [m[7]], time: loggerTime(+m[1], +m[2], +m[3], +m[4]) };
    } else if (record) {
      record.lines.push(line); // a multi-line message goes on
    } else {
      continue;
    }
    clearTimeout(timers.logger);
    timers.logger = setTimeout(safe(finishLogger), 100);
  }
}

// --- page events ---------------------------------------------------------------------------

function exception(error, fallback) {
  const isError = error instanceof Error || (error && typeof error.message === "string");
  return {
    "exception.type": isError ? error.name : undefined,
    "exception.message": isError ? error.message : fallback,
    "exception.stacktrace": isError && error.stack ? String(error.stack) : undefined,
  };
}

function listen() {
  addEventListener("error", safe((event) => {
    if (!(event instanceof ErrorEvent)) return;
    log(17, "ERROR", event.message, exception(event.error, event.message));
  }));
  addEventListener("unhandledrejection", safe((event) => {
    const attrs = exception(event.reason, String(event.reason));
    log(17, "ERROR", attrs["exception.message"], attrs);
  }));
  addEventListener("message", safe((event) => {
    if (event.data && event.data.type === "popcorn-reload") onCrash(null, true);
  }));
  addEventListener("online", safe(() => pump()));
  addEventListener("pageshow", safe((event) => { if (event.persisted) pump(); }));
  // The page may be going away: pagehide on a navigation or close, and "hidden", which is the last
  // event a mobile browser is sure to deliver before it discards a backgrounded tab.
  const leaving = safe(() => {
    if (!enabled) return;
    unloadBytes = 0;
    for (const mine of unsent) {
      if (!sendOnUnload(mine.signal, mine.body)) continue;
      mine.gone = true;
      unsent.delete(mine);
      if (mine.id !== undefined) {
        handedOff.add(mine.id);
        remove(mine.id);
      }
    }
    for (const [signal, items] of collect()) {
      if (!sendOnUnload(signal, body(signal, items))) enqueue(signal, items);
    }
  });
  addEventListener("pagehide", leaving);
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden") leaving(); });
}

// --- configuration -------------------------------------------------------------------------

const configured = (async () => {
  try {
    const response = await fetch(new URL("telemetry.json", location.href));
    const json = response.ok ? await response.json() : null;
    if (json && typeof json.endpoint === "string") {
      const endpoint = new URL(json.endpoint, location.href);
      if (!endpoint.pathname.endsWith("/")) endpoint.pathname += "/";
      config = { endpoint, service: typeof json.service === "string" ? json.service : "wasm-blog" };
    }
  } catch (error) {
    debug("off:", error);
  }
  enabled = config !== null;
  if (!enabled) {
    config = false;
    logs.length = spans.length = 0;
    metrics.clear();
    return;
  }
  if (logs.length) schedule("logs", LOG_BATCH_MS, collectAndSend);
  schedule("start", BOOT_TRACE_WAIT_MS, pump); // queued by earlier visits, if the app never gets ready
})().catch(debug);

safe(listen)();

// --- what app.js calls ---------------------------------------------------------------------

export const telemetry = {
  // Wraps Popcorn's onStdout/onStderr callback: `next` gets the line first.
  tap(stream, next) {
    return (line) => {
      try {
        next(line);
      } finally {
        try { onVmLine(stream, line); } catch (error) { debug(error); }
      }
    };
  },
  // Sends start once `promise` settles (at most HOLD_MAX_MS after the page started).
  holdSendsUntil(promise) {
    Promise.resolve(promise).then(openSends, openSends);
  },
  // Popcorn.init resolved.
  ready: safe((popcorn) => {
    if (boot.ready !== null) return;
    boot.ready = performance.now();
    boot.phases = bootPhases(popcorn);
    configured.then(() => { if (enabled) openDb(); }); // ready for the first batch
    histogram("blog.boot.duration", boot.ready);
    schedule("boot", BOOT_TRACE_WAIT_MS, () => { if (!boot.sent) { bootTrace(); collectAndSend(); } });
    configured.then(() => setTimeout(pump, 0)); // what earlier visits left queued
  }),
  // An api() round trip, started at performance.now() `started`, ended now with Popcorn's `result`.
  call: safe((request, started, result) => {
    const now = performance.now();
    const ok = Boolean(result && result.ok);
    histogram("blog.call.duration", now - started, {
      "blog.request": (request && typeof request.page === "string" && request.page) || "other", "blog.call.ok": ok,
    });
    if (boot.ready !== null && !boot.sent) {
      if (ok) boot.firstCall = now; // a failed first call leaves the phase out
      bootTrace();
      configured.then(() => { if (enabled) collectAndSend(); });
    }
  }),
};

try {
  window.blogTelemetry = {
    // Sends what is collected and queued; resolves with the number of batches the endpoint took.
    async flush() {
      try {
        await configured;
        if (!enabled) return 0;
        const before = sent;
        for (const [signal, items] of collect()) enqueue(signal, items, false);
        await chain;
        await pump();
        return sent - before;
      } catch (error) {
        debug(error);
        return 0;
      }
    },
    async queued() {
      try {
        await configured;
        await chain;
        return enabled ? (await stored()).length : 0;
      } catch {
        return 0;
      }
    },
    get droppedBatches() { return droppedTotal; },
    get sessionId() { return SESSION_ID; },
    get enabled() { return enabled; },
  };
} catch { /* nothing */ }
