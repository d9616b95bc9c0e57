// The reading list lives in localStorage; Elixir (Blog.ReadingList) validates and changes it.
const KEY = "wasm-blog.reading-list";

function stored() {
  const raw = localStorage.getItem(KEY);
  if (raw === null) return [];
  try {
    return JSON.parse(raw);
  } catch {
    return raw; // Elixir drops what it cannot read and says how much
  }
}

// action: "view", "add", "remove", "mark_read" or "mark_unread"
export async function readingList(api, action, slug) {
  const request = { page: "reading_list", action, list: stored() };
  if (slug !== undefined) request.slug = slug;
  const reply = await api(request);
  if (reply.error) throw new Error(reply.message);
  localStorage.setItem(KEY, JSON.stringify(reply.list));
  document.body.dataset.readingList = String(reply.count);
  const counter = document.getElementById("reading-count");
  if (counter) counter.textContent = String(reply.count);
  return reply;
}
