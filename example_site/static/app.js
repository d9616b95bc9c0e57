// The blog's page: boots Popcorn, then renders every view from Elixir (Blog.Api.handle/1).
import { Popcorn } from "./popcorn.mjs";
import { becomeOfflineReady, deploymentChecked, showNetworkState } from "./offline.js";
import { readingList } from "./reading-list.js";
import { telemetry } from "./telemetry.js";

const content = document.getElementById("content");

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

async function api(request) {
  const started = performance.now();
  const result = await window.popcorn.call(request, { timeoutMs: 10000 });
  telemetry.call(request, started, result);
  if (!result.ok) throw new Error(`Elixir call failed: ${result.error}`);
  if (!result.data.ok) throw new Error(`Elixir raised: ${result.data.message}`);
  return result.data.value;
}

function postSummary(post) {
  return el("article", { class: "post-summary", "data-slug": post.slug },
    el("h2", {}, el("a", { href: `#/post/${post.slug}` }, post.title)),
    el("p", { class: "meta" }, `${post.date} · ${post.reading_minutes} min read · `,
      ...post.tags.map((tag) => el("a", { class: "tag", href: `#/tag/${encodeURIComponent(tag)}` }, tag))),
    el("p", { class: "excerpt" }, post.excerpt));
}

function tagName(tag) {
  return typeof tag === "string" ? tag : tag.tag;
}

// Each view returns its nodes; only the latest navigation paints, so a slow view that finishes
// after the user moved on cannot overwrite the newer one.
async function indexView() {
  const index = await api({ page: "index" });
  const tags = el("nav", { class: "tags" }, ...index.tags.map((tag) =>
    el("a", { class: "tag", href: `#/tag/${encodeURIComponent(tagName(tag))}` }, tagName(tag))));
  return [el("h1", {}, "All posts"), tags, ...index.posts.map(postSummary)];
}

async function listView(title, request) {
  const result = await api(request);
  const posts = result.posts.map(postSummary);
  return [el("h1", {}, title), ...(posts.length ? posts : [el("p", { class: "empty" }, "No posts found.")])];
}

async function postView(slug) {
  const post = await api({ page: "post", slug });
  if (post.error) return [el("h1", {}, "Not found"), el("p", { class: "error" }, post.message)];
  const body = el("div", { class: "post-body" });
  body.innerHTML = post.html; // HTML produced and escaped by Blog.Markdown in Elixir
  const saved = (await readingList(api, "view")).items.some((item) => item.slug === post.slug);
  const save = el("button", { id: "save", type: "button", "data-saved": String(saved) },
    saved ? "Remove from reading list" : "Save to reading list");
  save.addEventListener("click", () => change(saved ? "remove" : "add", post.slug));
  return [el("article", { class: "post", "data-slug": post.slug },
    el("h1", {}, post.title),
    el("p", { class: "meta" }, `${post.date} · ${post.reading_minutes} min read`),
    save,
    body)];
}

async function readingListView() {
  const list = await readingList(api, "view");
  const items = list.items.map((item) => {
    const read = el("input", { type: "checkbox", class: "read", "aria-label": `${item.title} read` });
    read.checked = item.read;
    read.addEventListener("change", () => change(read.checked ? "mark_read" : "mark_unread", item.slug));
    const remove = el("button", { type: "button", class: "remove" }, "Remove");
    remove.addEventListener("click", () => change("remove", item.slug));
    return el("li", { class: "reading-item", "data-slug": item.slug, "data-read": String(item.read) },
      read, " ", el("a", { href: `#/post/${item.slug}` }, item.title), ` · ${item.reading_minutes} min `, remove);
  });
  return [el("h1", {}, "Reading list"),
    el("p", { class: "reading-summary" },
      `${list.count} saved, ${list.unread_count} unread · ${list.unread_minutes} of ${list.total_minutes} min left`),
    items.length ? el("ul", { class: "reading-list" }, ...items) : el("p", { class: "empty" }, "Nothing saved yet.")];
}

// A reading-list change, then the current view again (it shows the new state).
function change(action, slug) {
  readingList(api, action, slug).then(route).catch(showError);
}

function view(hash) {
  const [name, ...rest] = decodeURIComponent(hash.replace(/^#\/?/, "")).split("/");
  const arg = rest.join("/");
  if (name === "post") return postView(arg);
  if (name === "tag") return listView(`Posts tagged “${arg}”`, { page: "tag", tag: arg });
  if (name === "search") return listView(`Search: ${arg}`, { page: "search", q: arg });
  if (name === "reading-list") return readingListView();
  return indexView();
}

let navigation = 0;

async function route() {
  const hash = location.hash;
  const current = ++navigation;
  const nodes = await view(hash);
  if (current !== navigation) return; // the user moved on meanwhile
  content.replaceChildren(...nodes);
  document.body.dataset.rendered = hash || "#/";
}

document.getElementById("search").addEventListener("submit", (event) => {
  event.preventDefault();
  location.hash = `#/search/${encodeURIComponent(document.getElementById("q").value)}`;
});

showNetworkState(document.getElementById("network"));
let firstViewShown;
const booted = new Promise((resolve) => { firstViewShown = resolve; });
const offlineReady = becomeOfflineReady(booted).then((state) => { document.body.dataset.offline = state; });
// A page the host isolated boots at once, in parallel with the service worker; one that is not
// isolated waits for the worker that makes it so (offlineReady then reloads the page through it).
if (!self.crossOriginIsolated) await offlineReady;
telemetry.holdSendsUntil(deploymentChecked());
// The bundle path is given, not probed: Popcorn's probe is a HEAD request no cache can answer offline.
const bundle = new URL("bundle.avm", location.href).pathname;
window.popcorn = await Popcorn.init({ bundlePaths: [bundle], onStdout: telemetry.tap("stdout", console.log),
  onStderr: telemetry.tap("stderr", console.warn) });
telemetry.ready(window.popcorn);
window.addEventListener("hashchange", () => route().catch(showError));
readingList(api, "view").then(route).catch(showError).finally(firstViewShown);

function showError(error) {
  content.replaceChildren(el("p", { class: "error" }, String(error)));
  document.body.dataset.rendered = "error";
}
