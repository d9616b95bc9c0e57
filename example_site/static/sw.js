// The blog's service worker: after one online visit the blog boots and renders with no network.
// It precaches the runtime (AtomVM.wasm and its JS), the bundle and the page under a cache named
// after the build's version, answers those URLs from the cache, and deletes older versions once
// a new one has taken over. The build writes the precache list over the placeholder below.
const PRECACHE = self.__WASMBLOG_PRECACHE__; // {version, files: [{url, revision}]}
const CACHE_PREFIX = "wasm-blog-";
const CACHE = CACHE_PREFIX + PRECACHE.version;

const inScope = (path) => new URL(path, self.registration.scope).href;
const PRECACHED = new Set(PRECACHE.files.map((file) => inScope(file.url)));
const INDEX = inScope("index.html");

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // "reload": the files must come from the server, not from a stale HTTP cache entry.
    await cache.addAll(PRECACHE.files.map((file) => new Request(inScope(file.url), { cache: "reload" })));
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
    await self.clients.claim(); // the first visit boots from the cache without a reload
    markActivated();
  })());
});

function cacheKey(request) {
  const url = new URL(request.url);
  const key = url.origin + url.pathname;
  if (request.mode === "navigate" && key === inScope("")) return INDEX;
  return key;
}

self.addEventListener("fetch", (event) => {
  if (event.request.method !== "GET") return;
  const key = cacheKey(event.request);
  if (!PRECACHED.has(key)) return; // not part of the app: the network as usual
  event.respondWith((async () => {
    const cached = await (await caches.open(CACHE)).match(key);
    return cached || fetch(event.request);
  })());
});

self.addEventListener("message", (event) => {
  if (event.data !== "version" || !event.source) return;
  const source = event.source;
  event.waitUntil(activated.then(() => source.postMessage({ version: PRECACHE.version })));
});
