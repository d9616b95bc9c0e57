// Offline support: the service worker that keeps the blog bootable without a network, and the
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

// Resolves once a service worker controls the page ("controlled"), or with why it cannot
// ("unsupported", "failed", "uncontrolled"); the app then boots from the network as usual.
export async function becomeOfflineReady() {
  if (!("serviceWorker" in navigator)) return "unsupported";
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
  let registration;
  try {
    registration = await container.register("sw.js");
  } catch (error) {
    console.warn("offline support unavailable:", error);
    return "failed";
  }
  if (hadController) {
    askVersion();
    return "controlled";
  }
  // First visit: the worker precaches everything, then boots the app from its cache, so the
  // runtime is downloaded once instead of twice (the page's fetches and the precache).
  return new Promise((resolve) => {
    container.addEventListener("controllerchange", () => resolve("controlled"), { once: true });
    const worker = registration.installing || registration.waiting;
    if (worker) {
      worker.addEventListener("statechange", () => {
        if (worker.state === "redundant") resolve("failed");
      });
    } else if (!container.controller) {
      resolve("uncontrolled"); // active but not ours (a forced reload bypasses workers)
    }
  });
}

function askVersion() {
  const controller = navigator.serviceWorker.controller;
  if (controller) controller.postMessage("version");
}
