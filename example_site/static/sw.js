// The blog's service worker, with two jobs:
// 1. Offline: after one online visit the blog boots and renders with no network. It precaches the
//    runtime (AtomVM.wasm and its JS), the bundle and the page under a cache named after the build's
//    version, answers those URLs from the cache, and deletes older versions once a new one has taken
//    over. The build writes the precache list over the placeholder below.
// 2. Cross-origin isolation: AtomVM needs SharedArrayBuffer, so the page must be cross-origin
//    isolated, and static hosts such as GitHub Pages send no COOP/COEP headers. Every same-origin
//    response this worker gives gets them added, so a page loaded through it is isolated
//    (offline.js reloads the page once through the worker when the host lacks them).
const PRECACHE = self.__WASMBLOG_PRECACHE__; // {version, files: [{url, revision}]}
const CACHE_PREFIX = "wasm-blog-";
const CACHE = CACHE_PREFIX + PRECACHE.version;

const inScope = (path) => new URL(path, self.registration.scope).href;
const PRECACHED = new Set(PRECACHE.files.map((file) => inScope(file.url)));
const INDEX = inScope("index.html");

// COEP require-corp rather than credentialless: Safari/WebKit does not implement credentialless,
// and every resource the blog loads is same-origin, which require-corp allows without CORP.
const ISOLATION_HEADERS = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "same-origin",
};
// Set on responses whose COOP/COEP came from this worker: the page fetches itself to tell
// "isolated by the host's headers" from "isolated by the worker" (a page cannot read its own headers).
const ADDED_MARK = "X-Wasmblog-Isolation";

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // "no-cache": each file is revalidated with the server, never taken stale from the HTTP cache,
    // and what the first visit's page just fetched comes back as a 304 instead of a second download.
    await cache.addAll(PRECACHE.files.map((file) => new Request(inScope(file.url), { cache: "no-cache" })));
    await self.skipWaiting();
  })());
});

// Pages hear of this version only once older caches are gone: controllerchange, and the page's
// question that follows it, can arrive before the activate event has run.
let markActivated;
const activated = new Promise((resolve) => { markActivated = resolve; });
if (self.serviceWorker && self.serviceWorker.state === "activated") markActivated(); // restarted later

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(CACHE_PREFIX) && name !== CACHE) await caches.delete(name);
    }
    markActivated();
    // A page that needs isolation can reload through this worker as soon as it is controlled, and
    // the first visit's page works offline from now on. Not awaited: Firefox settles claim() only
    // once every client heard of it, and a booted VM's pthread workers, blocked in Atomics.wait, may
    // not for a long time; until activate ends, every fetch of the page waits (offline: for ever).
    self.clients.claim().catch((error) => console.warn("clients.claim() failed:", error));
  })());
});

// The scope's root is the page (index.html), for navigations and for the page's own fetch of
// itself (offline.js asks how the document it came from was isolated).
function cacheKey(request) {
  const url = new URL(request.url);
  const key = url.origin + url.pathname;
  return key === inScope("") ? INDEX : key;
}

// Documents and workers take their COOP/COEP from their own response; other resources only need CORP.
const OWN_POLICY = new Set(["document", "iframe", "frame", "worker", "sharedworker"]);

// The same response with the isolation headers it lacks; status, body and other headers kept.
function withIsolation(request, response) {
  // Opaque, cross-origin (CORS) and error responses are not ours to change.
  if (response.type !== "basic" && response.type !== "default") return response;
  // A rebuilt response loses the URL a redirect ended at, the base of a module's relative imports:
  // keep a redirected one as is unless it is a document or worker, which needs the headers.
  if (response.redirected && !OWN_POLICY.has(request.destination)) return response;
  const missing = Object.entries(ISOLATION_HEADERS).filter(([name]) => !response.headers.has(name));
  if (missing.length === 0) return response;
  const headers = new Headers(response.headers);
  for (const [name, value] of missing) headers.set(name, value);
  if (missing.some(([name]) => name !== "Cross-Origin-Resource-Policy")) headers.set(ADDED_MARK, "service-worker");
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const navigation = request.mode === "navigate";
  // Navigations of any method (a form POST loads a document too); other requests only when GET.
  if (request.method !== "GET" && !navigation) return;
  if (!request.url.startsWith(self.registration.scope)) return; // cross-origin or outside the scope
  // fetch() throws on this combination (DevTools issues such requests): let the browser handle it.
  if (request.cache === "only-if-cached" && request.mode !== "same-origin") return;
  const key = request.method === "GET" ? cacheKey(request) : null;
  // Every navigation goes through here, precached or not: a document served without COOP/COEP
  // would not be isolated. Workers' scripts need COEP too, and every response gets CORP: hence
  // all same-origin GETs.
  event.respondWith((async () => {
    const cached = PRECACHED.has(key) ? await (await caches.open(CACHE)).match(key) : undefined;
    return withIsolation(request, cached || await fetch(request));
  })());
});

self.addEventListener("message", (event) => {
  if (event.data !== "version" || !event.source) return;
  const source = event.source;
  event.waitUntil(activated.then(() => source.postMessage({ version: PRECACHE.version })));
});
