// Offline support and cross-origin isolation: the service worker that keeps the blog bootable
// without a network and adds the COOP/COEP headers a plain static host does not send, and the
// online/offline state shown from the browser's own events.

export function showNetworkState(badge) {
  const update = () => {
    const state = navigator.onLine ? "online" : "offline";
    document.body.dataset.network = state;
    badge.textContent = state;
  };
  addEventListener("online", update);
  addEventListener("offline", update);
  update();
}

// Settles when this visit's check for a new deployment of sw.js is done. Chromium's check never
// finishes when the page sends POSTs while it runs (found with the blog's telemetry, 2026-11-27:
// no sw.js request reaches the server, even registration.update() stays pending), so requests
// that can wait, such as telemetry, wait for this first.
// Known only once the worker is registered, so the page may ask before then.
let decideCheck;
const deploymentCheck = new Promise((resolve) => { decideCheck = resolve; });
export function deploymentChecked() {
  return deploymentCheck;
}

// Set just before the one reload through the worker and cleared once the page is isolated. It
// survives the reload (same tab), so a worker that cannot isolate the page (an engine that ignores
// its headers) costs one reload, not a loop; after giving up, this tab does not try again.
const RELOADED = "wasm-blog.isolation-reload";

// Resolves once a service worker controls the page ("controlled"), or with why it cannot
// ("unsupported", "failed", "uncontrolled"). On a host that sends no COOP/COEP headers it first
// reloads the page once through the worker, which adds them (the promise then never resolves),
// so such a page must wait for it before booting; a page the host isolated boots at once and
// passes `booted`, which settles after its first view. document.body.dataset.isolation tells how
// the page is isolated: "headers" (the host's), "service-worker", or "unavailable" (with
// dataset.isolationReason); the VM cannot start without isolation.
export async function becomeOfflineReady(booted = Promise.resolve()) {
  const isolated = self.crossOriginIsolated === true;
  const reloaded = session("get");
  if (isolated) session("remove");
  if (!("serviceWorker" in navigator)) {
    decideCheck();
    await showIsolation(isolated, reloaded, false, isSecureContext ? "this browser has no service workers"
      : "service workers need a secure context (https or localhost)");
    return "unsupported";
  }
  const container = navigator.serviceWorker;
  const hadController = container.controller !== null;
  container.addEventListener("message", (event) => {
    if (event.data && event.data.version) document.body.dataset.swVersion = event.data.version;
  });
  container.addEventListener("controllerchange", () => {
    // A new deployment took over from the version this page booted: reloading shows it.
    if (hadController) document.body.dataset.updateReady = "true";
    askVersion();
  });
  // A first visit has no deployment to check. Its precache waits until the app booted from the
  // network: booting no longer waits for the precache, and the two do not download at once (the
  // worker then revalidates what the page fetched, see sw.js).
  if (!hadController) {
    decideCheck();
    if (isolated) {
      await showIsolation(true, reloaded, false, "");
      await booted;
    }
  }
  let registration;
  try {
    registration = await container.register("sw.js");
  } catch (error) {
    decideCheck();
    console.warn("offline support unavailable:", error);
    await showIsolation(isolated, reloaded, hadController, `the service worker failed to register (${error})`);
    return "failed";
  }
  let state;
  // An isolated page boots with whichever worker controls it. One that is not must wait for a
  // worker being installed (the first, or a new version that adds the headers) to take over.
  if (hadController && (isolated || !(registration.installing || registration.waiting))) {
    askVersion();
    // Look for a new deployment now rather than when Chromium's own check after a navigation runs.
    decideCheck(navigator.onLine ? registration.update().then(() => {}, () => {}) : undefined);
    state = "controlled";
  } else {
    decideCheck();
    // First visit, or a new version on its way that adds the headers: the worker precaches, then
    // takes over (clients.claim in its activate).
    state = await new Promise((resolve) => {
      container.addEventListener("controllerchange", () => resolve("controlled"), { once: true });
      const worker = registration.installing || registration.waiting;
      if (worker) {
        worker.addEventListener("statechange", () => {
          if (worker.state === "redundant") resolve("failed");
        });
      } else if (!container.controller) {
        // Active already: its clients.claim() may still be on its way (WebKitGTK resolves register()
        // after a quick install). Otherwise it is active but not ours: a forced reload bypasses workers.
        setTimeout(() => resolve(container.controller ? "controlled" : "uncontrolled"), 2000);
      }
    });
  }
  // Reload once through the worker: only a document loaded with COOP/COEP is isolated. An
  // "uncontrolled" page (after a forced reload) is controlled again after a normal one.
  if (!isolated && !reloaded && state !== "failed") {
    if (session("set")) {
      location.reload();
      return new Promise(() => {});
    }
    await showIsolation(false, false, hadController, "no sessionStorage to guard a reload against a loop");
  } else if (hadController || !isolated) {  // an isolated first visit showed it before booting
    await showIsolation(isolated, reloaded, hadController, "the service worker failed to install");
  }
  return state;
}

// data-isolation: how the page came to be isolated, or why it is not.
async function showIsolation(isolated, reloaded, throughWorker, reason) {
  const data = document.body.dataset;
  if (!isolated) {
    data.isolation = "unavailable";
    data.isolationReason = reloaded ? "still not cross-origin isolated after reloading through the service worker"
      : reason;
    console.warn("not cross-origin isolated:", data.isolationReason);
  } else if (reloaded) {
    data.isolation = "service-worker";
  } else if (!throughWorker) {
    data.isolation = "headers"; // this document came from the network, with the host's headers
  } else {
    // A later visit, loaded through the worker: it marks the responses it added COOP/COEP to. The
    // page is precached, so its cache answers in a few ms, offline too.
    try {
      const response = await fetch(location.href);
      data.isolation = response.headers.get("X-Wasmblog-Isolation") || "headers";
    } catch {
      data.isolation = "unknown";
    }
  }
}

// sessionStorage can be unavailable (storage disabled): then no reload is attempted at all.
function session(action) {
  try {
    if (action === "get") return sessionStorage.getItem(RELOADED) !== null;
    if (action === "set") sessionStorage.setItem(RELOADED, String(Date.now()));
    else sessionStorage.removeItem(RELOADED);
    return true;
  } catch {
    return false;
  }
}

function askVersion() {
  const controller = navigator.serviceWorker.controller;
  if (controller) controller.postMessage("version");
}
