// pytest-wasmblog page probe: injected into served HTML by the test server, before the page's
// own scripts. It listens to the messages Popcorn's VM iframe posts to the page (stdout,
// stderr, events, reloads) so the harness sees VM output and crashes on every engine without
// any help from the page, and it runs bridge calls that give up as soon as the VM dies.
(() => {
  if (window.__wasmblog) return;
  const FATAL_LINES = [/CRASH REPORT/, /Aborted\(/, /cannot be resolved/, /^RuntimeError/, /^Return value:/];
  const state = {
    stdout: [], stderr: [], events: [], reloads: 0, readyAt: null, fatal: null,
    pageErrors: [], navigationStart: 0,
    // When Popcorn created its VM iframe (the element too) and that iframe's last heartbeat
    // (posted every 500 ms once the runtime has started): what a boot timeout reports.
    frameAt: null, heartbeatAt: null, frame: null,
    // fetch() calls of the page that failed (HTTP error or network error): Popcorn looks for its
    // bundle with HEAD requests, and WebKit reports no error when the init() that made them rejects.
    failedFetches: [],
  };
  const BOOT_START_KEY = "__wasmblog_boot_start";
  // The probe's own <script> is not the page's code; page scripts that failed to load never ran.
  const probeScript = document.currentScript;
  const failedScripts = new Set();
  const fatalWaiters = [];
  const setFatal = (fatal) => {
    if (state.fatal) return;
    state.fatal = fatal;
    fatalWaiters.splice(0).forEach((resolve) => resolve(fatal));
  };
  const vmLine = (stream, value) => {
    const line = String(value);
    state[stream].push(line);
    // stdoutAt: how much stdout came before the fatal line, so a harness can tell which of its
    // markers preceded it.
    if (FATAL_LINES.some((pattern) => pattern.test(line))) setFatal({ kind: "vm-output", line, stdoutAt: state.stdout.length });
  };
  window.addEventListener("message", (event) => {
    const data = event.data;
    if (!data || typeof data.type !== "string" || !data.type.startsWith("popcorn-")) return;
    const now = performance.now();
    if (data.type === "popcorn-heartbeat") state.heartbeatAt = now;
    else if (data.type === "popcorn-stdout") vmLine("stdout", data.value);
    else if (data.type === "popcorn-stderr") vmLine("stderr", data.value);
    else if (data.type === "popcorn-event") {
      const name = data.value && data.value.eventName;
      state.events.push({ name, t: now });
      if (name === "popcorn_app_ready" && state.readyAt === null) {
        state.readyAt = now;
        try { sessionStorage.removeItem(BOOT_START_KEY); } catch { /* no storage: nothing was kept */ }
      }
    } else if (data.type === "popcorn-reload") {
      state.reloads += 1;
      // A call's promise that is dropped unanswered (its receiver is gone, crashed, returned or
      // ignored it) is rejected with noproc, and Popcorn's iframe then asks for this reload too.
      setFatal({ kind: "reload", line: "Popcorn reloaded the VM iframe: the VM aborted, or a call's receiver does not exist or ended without answering" });
    }
  });
  // A page that registers a service worker to become isolated (one that adds COOP/COEP) is not
  // isolated until the worker is installed and the page reloads through it; until register() settles
  // there is no registration to see, so the harness asks how many are in flight.
  let registering = 0;
  const container = navigator.serviceWorker;
  if (container && typeof container.register === "function") {
    const nativeRegister = container.register;
    container.register = function register(...args) {
      registering += 1;
      const pending = nativeRegister.apply(this, args);
      const settled = () => { registering -= 1; };
      pending.then(settled, settled);
      return pending;
    };
  }
  const nativeFetch = window.fetch;
  if (typeof nativeFetch === "function") {
    window.fetch = function fetch(input, init) {
      const pending = nativeFetch(input, init);
      try {
        const request = input instanceof Request ? input : null;
        const url = request ? request.url : new URL(String(input), location.href).href;
        const method = String((init && init.method) || (request ? request.method : "GET")).toUpperCase();
        // The first failures are the boot's; a page that keeps failing later must not grow every snapshot.
        const failed = (status) => { if (state.failedFetches.length < 100) state.failedFetches.push({ url, method, status }); };
        pending.then((response) => { if (!response.ok) failed(response.status); }, () => failed(0));
      } catch {
        // Bookkeeping only: whatever the page passed, its fetch goes on untouched.
      }
      return pending;
    };
  }
  // WebDriver has no console API: record the page's console calls here.
  state.console = [];
  for (const type of ["log", "info", "warn", "error", "debug"]) {
    const original = console[type].bind(console);
    console[type] = (...args) => {
      state.console.push({ type: type === "warn" ? "warning" : type, text: args.map(String).join(" ") });
      original(...args);
    };
  }
  window.addEventListener("error", (event) => {
    state.pageErrors.push(String(event.message || event.error));
  });
  // A script element that fails to load (404, blocked, wrong type) fires a non-bubbling error
  // event at the element: only a capturing listener on window sees it.
  window.addEventListener("error", (event) => {
    if (event.target instanceof HTMLScriptElement && event.target !== probeScript) failedScripts.add(event.target);
  }, true);
  window.addEventListener("unhandledrejection", (event) => {
    const reason = event.reason;
    state.pageErrors.push("unhandled rejection: " + String((reason && (reason.stack || reason.message)) || reason));
  });
  // Popcorn's VM runs in a srcdoc iframe: a small script put at the top of that document marks when
  // the runtime instantiates its wasm and starts its first thread, and echoes bare postMessages
  // (the floor a bridge call is compared with). Its clock is converted to the page's below.
  const FRAME_SCRIPT = `(() => {
    const marks = {};
    const mark = (name) => { if (!(name in marks)) marks[name] = performance.now(); };
    // When each popcorn.call reached this frame, by Popcorn's requestId (the first leg of a call).
    const callsIn = new Map();
    window.__wasmblogFrame = { marks, timeOrigin: performance.timeOrigin, callsIn };
    for (const name of ["instantiateStreaming", "instantiate"]) {
      const original = WebAssembly[name];
      if (typeof original !== "function") continue;
      WebAssembly[name] = function (...args) {
        mark("wasmInstantiateStarted");
        return original.apply(this, args).then((result) => { mark("wasmInstantiated"); return result; });
      };
    }
    const NativeWorker = window.Worker;
    window.Worker = function (...args) { mark("firstWorker"); return new NativeWorker(...args); };
    window.Worker.prototype = NativeWorker.prototype;
    // Added before Popcorn's iframe.mjs adds its own, so it sees a call first.
    window.addEventListener("message", (event) => {
      const data = event.data;
      if (!data) return;
      if (data.type === "wasmblog-echo") window.parent.postMessage({ type: "wasmblog-echo-reply", id: data.id }, "*");
      if (data.type === "popcorn-call" && data.value && typeof data.value.requestId === "number") {
        if (callsIn.size >= 1000) callsIn.delete(callsIn.keys().next().value); // calls the page made itself
        callsIn.set(data.value.requestId, performance.now());
      }
    });
  })();`;
  const srcdoc = Object.getOwnPropertyDescriptor(HTMLIFrameElement.prototype, "srcdoc");
  if (srcdoc && srcdoc.set) {
    Object.defineProperty(HTMLIFrameElement.prototype, "srcdoc", {
      ...srcdoc,
      set(html) {
        const text = String(html);
        // Popcorn's VM iframe names the bundles in meta tags (bundle-path-0, ...).
        if (/name="bundle-path-/.test(text)) {
          state.frame = this;
          if (state.frameAt === null) state.frameAt = performance.now();
        }
        const tag = "<script>" + FRAME_SCRIPT + "<\/script>";
        const head = text.search(/<head[^>]*>/i);
        const at = head < 0 ? 0 : head + text.slice(head).indexOf(">") + 1;
        srcdoc.set.call(this, text.slice(0, at) + tag + text.slice(at));
      },
    });
  }
  // The VM's frame: marked by the script above, or (a probe that came after the frame was made, on a
  // browser with no init scripts) the frame whose document names the bundles.
  const frames = () => [...document.querySelectorAll("iframe")].reverse();
  const markedFrame = () => frames().find((frame) => {
    try { return Boolean(frame.contentWindow && frame.contentWindow.__wasmblogFrame); } catch { return false; }
  });
  const vmFrame = () => markedFrame() || frames().find((frame) => {
    try { return Boolean(frame.contentDocument && frame.contentDocument.querySelector('meta[name^="bundle-path-"]')); } catch { return false; }
  });
  // A call's legs in ms, its moments brought to the page's clock: sent by the page, received by the VM's
  // frame (its frame script), received and answered by Elixir (PytestWasmblog.Bridge's "vm_us", on the
  // VM's clock: the shared performance.timeOrigin + now, in µs), answered to the page. A leg whose
  // ends were not both seen is left out; a receiver other than the bridge gives "vm_and_reply".
  const callLegs = (requestId, started, ended, data) => {
    const frame = markedFrame();
    let arrived = null;
    if (frame && requestId !== null) {
      const callsIn = frame.contentWindow.__wasmblogFrame.callsIn;
      const at = callsIn.get(requestId);
      callsIn.delete(requestId);
      if (at !== undefined) arrived = at + frame.contentWindow.performance.timeOrigin - performance.timeOrigin;
    }
    const vm = data && typeof data === "object" && Array.isArray(data.vm_us) && data.vm_us.length === 2 ? data.vm_us : null;
    if (vm) delete data.vm_us;
    const legs = {};
    if (arrived !== null) legs.page_to_iframe = arrived - started;
    if (vm) {
      const [received, replied] = vm.map((us) => us / 1000 - performance.timeOrigin);
      if (arrived !== null) legs.iframe_to_vm = received - arrived;
      legs.in_elixir = replied - received;
      legs.vm_to_page = ended - replied;
    } else if (arrived !== null) {
      legs.vm_and_reply = ended - arrived;
    }
    return legs;
  };
  const entry = (offset) => (r) => ({
    name: r.name, start: r.startTime + offset, end: r.responseEnd + offset,
    transferSize: typeof r.transferSize === "number" ? r.transferSize : null,
    encodedBodySize: typeof r.encodedBodySize === "number" ? r.encodedBodySize : null,
  });
  const fatal = () => (state.fatal ? Promise.resolve(state.fatal) : new Promise((resolve) => fatalWaiters.push(resolve)));
  // What window.popcorn holds: "instance" when it can make calls, else what the page put there.
  const popcornKind = () => {
    const value = window.popcorn;
    if (value === undefined || value === null) return String(value);
    if (typeof value === "function") return "function";
    if (typeof value.then === "function") return "promise";
    if (typeof value === "object" && typeof value.call === "function") return "instance";
    return typeof value;
  };
  // Scripts that can run: data blocks (JSON, import maps) and nomodule scripts never do.
  const DATA_BLOCK = /json|^importmap$|^speculationrules$/i;
  const pageScripts = () => {
    const scripts = [...document.scripts].filter((script) => script !== probeScript && !script.noModule
      && !DATA_BLOCK.test(script.type.trim()));
    return {
      complete: document.readyState === "complete",
      count: scripts.length,
      failed: scripts.filter((script) => failedScripts.has(script))
        .map((script) => script.src || `inline <script${script.type ? ` type="${script.type}"` : ""}>`),
    };
  };
  // A page that reloads itself before its app is ready (a cross-origin-isolation service worker does,
  // once) boots across two documents: the second one learns when the first began, so the boot time
  // counts the reload. A page that was ready hands nothing on: its next load is a boot of its own.
  // Kept in sessionStorage from the start until ready (Firefox runs this before the old document's
  // pagehide, so it cannot be handed on at the last moment); only a reload takes it up.
  let bootStart = performance.timeOrigin;
  try {
    const navigation = performance.getEntriesByType("navigation")[0];
    const carried = Number(sessionStorage.getItem(BOOT_START_KEY));
    if (navigation && navigation.type === "reload" && carried > 0 && carried < bootStart) bootStart = carried;
    sessionStorage.setItem(BOOT_START_KEY, String(bootStart));
  } catch {
    // No sessionStorage (sandboxed, or storage off): each document counts from its own start.
  }
  // Injected after the load event (a browser with no init scripts, on a host the plugin does not
  // serve): an app that is already up was ready no later than now.
  const lateProbe = document.readyState === "complete";
  if (lateProbe && popcornKind() === "instance") state.readyAt = performance.now();
  window.__wasmblog = {
    registering() { return registering; },
    // What a test's health check needs, without the whole snapshot (its output grows all session).
    alive() { return state.readyAt !== null && popcornKind() === "instance" && !state.fatal; },
    snapshot(since) {
      const from = since || { stdout: 0, stderr: 0 };
      const popcorn = popcornKind();
      return {
        ready: state.readyAt !== null && popcorn === "instance",
        readyAt: state.readyAt,
        // ms from the boot's first navigation to this document's: readyAt + this is the boot time.
        bootStartOffset: performance.timeOrigin - bootStart,
        timeOrigin: performance.timeOrigin,
        lateProbe,
        popcornExposed: popcorn === "instance",
        popcorn,
        now: performance.now(),
        frameAt: state.frameAt,
        // false once Popcorn's VM iframe is out of the document: init() failed and removed it
        // (or its container is not in the page); either way no VM will start in it.
        frameInDocument: state.frame ? state.frame.isConnected : null,
        failedFetches: state.failedFetches.slice(),
        heartbeatAt: state.heartbeatAt,
        pageScripts: pageScripts(),
        stdout: state.stdout.slice(from.stdout),
        stderr: state.stderr.slice(from.stderr),
        stdoutTotal: state.stdout.length,
        stderrTotal: state.stderr.length,
        reloads: state.reloads,
        fatal: state.fatal,
        pageErrors: state.pageErrors.slice(),
        crossOriginIsolated: window.crossOriginIsolated === true,
        sharedArrayBuffer: typeof SharedArrayBuffer === "function",
      };
    },
    console() {
      return state.console.slice();
    },
    // A harness that expects a kind of line (the conformance suite's examples crash processes on
    // purpose) keeps it as output instead of declaring the VM dead.
    tolerate(source) {
      const index = FATAL_LINES.findIndex((pattern) => pattern.source === source);
      if (index >= 0) FATAL_LINES.splice(index, 1);
      return index >= 0;
    },
    // Raw timings in the page's clock (ms since its navigation started) for the boot phases.
    timings() {
      const navigation = performance.getEntriesByType("navigation")[0] || null;
      const frame = vmFrame();
      const frameInfo = frame ? frame.contentWindow.__wasmblogFrame || null : null;
      const offset = frame ? frame.contentWindow.performance.timeOrigin - performance.timeOrigin : 0;
      const frameMarks = {};
      if (frameInfo) for (const [name, t] of Object.entries(frameInfo.marks)) frameMarks[name] = t + offset;
      return {
        navigation: navigation ? entry(0)(navigation) : null,
        resources: performance.getEntriesByType("resource").map(entry(0)),
        frameResources: frame ? frame.contentWindow.performance.getEntriesByType("resource").map(entry(offset)) : null,
        frameMarks: frameInfo ? frameMarks : null,
        readyAt: state.readyAt,
        now: performance.now(),
      };
    },
    // Round trips of a bare postMessage to the VM's iframe and back, in ms.
    async echo(count) {
      const frame = markedFrame(); // it answers echoes
      if (!frame) return null;
      const samples = [];
      for (let id = 0; id < count; id++) {
        const started = performance.now();
        await new Promise((resolve) => {
          const onReply = (event) => {
            if (event.data && event.data.type === "wasmblog-echo-reply" && event.data.id === id) {
              window.removeEventListener("message", onReply);
              resolve();
            }
          };
          window.addEventListener("message", onReply);
          frame.contentWindow.postMessage({ type: "wasmblog-echo", id }, "*");
        });
        samples.push(performance.now() - started);
      }
      return samples;
    },
    async call(args, timeoutMs, cast, process) {
      if (state.fatal) return { ok: false, fatal: state.fatal, durationMs: 0 };
      if (!window.popcorn) return { ok: false, error: { code: "no_popcorn", message: "window.popcorn is not set" }, durationMs: 0 };
      if (cast) { window.popcorn.cast(args); return { ok: true, data: null, durationMs: 0 }; }
      // Popcorn 0.3.3 numbers a call with the value its requestId has now (call() takes it before any await).
      const requestId = typeof window.popcorn.requestId === "number" ? window.popcorn.requestId : null;
      const started = performance.now();
      const result = await Promise.race([
        window.popcorn.call(args, process ? { timeoutMs, process } : { timeoutMs }),
        fatal().then((f) => ({ ok: false, fatal: f, durationMs: performance.now() - started })),
      ]);
      const legs = result.ok ? callLegs(requestId, started, performance.now(), result.data) : {};
      const raw = result.error;
      const error = raw ? (raw instanceof Error
        ? { code: raw.code || null, message: String(raw.message) }
        : { code: "rejected", message: JSON.stringify(raw) }) : null;
      return { ok: result.ok, data: result.ok ? result.data : null, error, fatal: result.fatal || null, durationMs: result.durationMs, legs };
    },
  };
})();
