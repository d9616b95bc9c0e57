// The blog's page: boots Popcorn, then renders every view from Elixir (Blog.Api.handle/1).
import { Popcorn } from "./popcorn.mjs";

const content = document.getElementById("content");

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

async function api(request) {
  const result = await window.popcorn.call(request, { timeoutMs: 10000 });
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

async function renderIndex() {
  const index = await api({ page: "index" });
  const tags = el("nav", { class: "tags" }, ...index.tags.map((tag) =>
    el("a", { class: "tag", href: `#/tag/${encodeURIComponent(tagName(tag))}` }, tagName(tag))));
  content.replaceChildren(el("h1", {}, "All posts"), tags, ...index.posts.map(postSummary));
}

async function renderList(title, request) {
  const result = await api(request);
  const posts = result.posts.map(postSummary);
  content.replaceChildren(el("h1", {}, title), ...(posts.length ? posts : [el("p", { class: "empty" }, "No posts found.")]));
}

async function renderPost(slug) {
  const post = await api({ page: "post", slug });
  if (post.error) {
    content.replaceChildren(el("h1", {}, "Not found"), el("p", { class: "error" }, post.message));
    return;
  }
  const body = el("div", { class: "post-body" });
  body.innerHTML = post.html; // HTML produced and escaped by Blog.Markdown in Elixir
  content.replaceChildren(el("article", { class: "post", "data-slug": post.slug },
    el("h1", {}, post.title),
    el("p", { class: "meta" }, `${post.date} · ${post.reading_minutes} min read`),
    body));
}

async function route() {
  const hash = decodeURIComponent(location.hash.replace(/^#\/?/, ""));
  const [view, ...rest] = hash.split("/");
  const arg = rest.join("/");
  if (view === "post") await renderPost(arg);
  else if (view === "tag") await renderList(`Posts tagged “${arg}”`, { page: "tag", tag: arg });
  else if (view === "search") await renderList(`Search: ${arg}`, { page: "search", q: arg });
  else await renderIndex();
  document.body.dataset.rendered = location.hash || "#/";
}

document.getElementById("search").addEventListener("submit", (event) => {
  event.preventDefault();
  location.hash = `#/search/${encodeURIComponent(document.getElementById("q").value)}`;
});

window.popcorn = await Popcorn.init({ onStdout: console.log, onStderr: console.warn });
window.addEventListener("hashchange", () => route().catch(showError));
route().catch(showError);

function showError(error) {
  content.replaceChildren(el("p", { class: "error" }, String(error)));
  document.body.dataset.rendered = "error";
}
