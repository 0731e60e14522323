// bookrec's page: the reader's books live in localStorage; every other answer comes from /api.
// All text from the catalog goes into the page through textContent, never as HTML.
"use strict";

const STORE = "bookrec.books.v1";
const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

// -- the reader's books ------------------------------------------------------------------------

function loadBooks() {
  try {
    const books = JSON.parse(localStorage.getItem(STORE) || "[]");
    return Array.isArray(books) ? books.filter((b) => b && (b.book_id != null || b.title)) : [];
  } catch {
    return [];
  }
}

let books = loadBooks();

function saveBooks() {
  localStorage.setItem(STORE, JSON.stringify(books));
  renderBooks();
}

function sameBook(a, b) {
  if (a.book_id != null && b.book_id != null) return a.book_id === b.book_id;
  return (a.title || "").toLowerCase() === (b.title || "").toLowerCase()
    && (a.author || "").toLowerCase() === (b.author || "").toLowerCase();
}

function addBook(book) {
  const entry = {
    book_id: book.book_id ?? null, title: book.title, author: book.author ?? null,
    rating: book.rating ?? null, avg_rating: book.avg_rating ?? null,
  };
  const at = books.findIndex((b) => sameBook(b, entry));
  if (at >= 0) {
    if (entry.rating != null) books[at].rating = entry.rating;
  } else {
    books.push(entry);
  }
  saveBooks();
}

function stars(book, index) {
  const group = el("span", { class: "stars", role: "group", "aria-label": "your rating" });
  for (let n = 1; n <= 5; n++) {
    const on = book.rating != null && n <= book.rating;
    group.append(el("button", {
      type: "button", class: on ? "star on" : "star", text: on ? "★" : "☆",
      "aria-label": `rate ${n} star${n > 1 ? "s" : ""}`, "aria-pressed": on ? "true" : "false",
      "data-testid": `star-${n}`,
      onclick: () => { books[index].rating = n; saveBooks(); },
    }));
  }
  group.append(el("button", {
    type: "button", class: book.rating == null ? "norating on" : "norating",
    text: "no rating", "aria-pressed": book.rating == null ? "true" : "false",
    onclick: () => { books[index].rating = null; saveBooks(); },
  }));
  return group;
}

function renderBooks() {
  const list = $("books");
  list.replaceChildren();
  books.forEach((book, index) => {
    const actions = el("span", { class: "actions" });
    if (book.book_id != null) {
      actions.append(el("button", {
        type: "button", class: "link", text: "more like this",
        onclick: (event) => moreLikeThis(book, event.target.closest("li")),
      }));
    }
    actions.append(el("button", {
      type: "button", class: "remove", text: "✕", "aria-label": `remove ${book.title}`,
      onclick: () => { books.splice(index, 1); saveBooks(); },
    }));
    list.append(el("li", { class: "book", "data-testid": "my-book" },
      el("div", { class: "line" },
        el("span", { class: "title", text: book.title }),
        book.author ? el("span", { class: "author", text: ` by ${book.author}` }) : null),
      el("div", { class: "line" }, stars(book, index), actions)));
  });
  $("count").textContent = books.length ? `(${books.length})` : "";
  $("empty").hidden = books.length > 0;
  $("clear").hidden = books.length === 0;
}

// -- talking to the API -------------------------------------------------------------------------

function showError(message) {
  const box = $("error");
  box.textContent = message || "";
  box.hidden = !message;
}

async function api(path, options = {}) {
  let response;
  try {
    response = await fetch(path, options);
  } catch {
    throw new Error("the bookrec server does not answer; is `bookrec serve` still running?");
  }
  let body = null;
  try { body = await response.json(); } catch { body = null; }
  if (!response.ok) {
    throw new Error((body && body.error) || `the server answered ${response.status}`);
  }
  return body;
}

function postJson(path, payload) {
  return api(path, {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify(payload),
  });
}

// -- search with suggestions ---------------------------------------------------------------------

let asked = 0;
let shown = [];
let active = -1;
let timer = null;

function closeSuggestions() {
  $("suggestions").hidden = true;
  $("search").setAttribute("aria-expanded", "false");
  shown = [];
  active = -1;
}

function bookLabel(book) {
  const parts = [];
  if (book.author) parts.push(book.author);
  if (book.avg_rating != null) parts.push(`${book.avg_rating.toFixed(2)}★ on Goodreads`);
  return parts.join(" · ");
}

function renderSuggestions(found) {
  const list = $("suggestions");
  list.replaceChildren();
  shown = found;
  active = -1;
  found.forEach((book, i) => {
    list.append(el("li", {
      role: "option", id: `suggestion-${i}`, "data-testid": "suggestion",
      onmousedown: (event) => { event.preventDefault(); pick(i); },
    }, el("span", { class: "title", text: book.title }),
    el("span", { class: "muted", text: bookLabel(book) })));
  });
  list.hidden = found.length === 0;
  $("search").setAttribute("aria-expanded", found.length ? "true" : "false");
}

function pick(i) {
  const book = shown[i];
  if (!book) return;
  addBook(book);
  $("search").value = "";
  closeSuggestions();
  $("search").focus();
}

function highlight(i) {
  const items = $("suggestions").children;
  if (!items.length) return;
  active = (i + items.length) % items.length;
  [...items].forEach((item, n) => item.setAttribute("aria-selected", n === active ? "true" : "false"));
  $("search").setAttribute("aria-activedescendant", `suggestion-${active}`);
}

async function suggest() {
  const query = $("search").value.trim();
  const mine = ++asked;
  if (query.length < 2) { closeSuggestions(); return; }
  try {
    const answer = await api(`/api/books?q=${encodeURIComponent(query)}&limit=8`);
    if (mine === asked) renderSuggestions(answer.books);
  } catch (error) {
    if (mine === asked) showError(error.message);
  }
}

function onSearchKey(event) {
  if (event.key === "ArrowDown") { event.preventDefault(); highlight(active + 1); }
  else if (event.key === "ArrowUp") { event.preventDefault(); highlight(active - 1); }
  else if (event.key === "Escape") closeSuggestions();
  else if (event.key === "Enter") {
    event.preventDefault();
    if (active >= 0) pick(active);
    else if (shown.length) pick(0);
    else if ($("search").value.trim()) {
      // Not in the suggestions: keep the title as typed; matching happens when recommending.
      addBook({ title: $("search").value.trim() });
      $("search").value = "";
    }
  }
}

// -- recommendations ------------------------------------------------------------------------------

function fmtCount(n) {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${Math.round(n / 1e3)}k`;
  return String(n);
}

// What one reason rests on: stars the reader's book added to the prediction (the blend), or the
// similarity the list used (text: content; corating: the same readers read both).
function reasonText(reason, personal) {
  if (reason.kind === "text") return `text similarity ${reason.weight.toFixed(2)}`;
  if (reason.kind === "corating") return `co-rating ${reason.weight.toFixed(2)}, read by the same readers`;
  return personal
    ? `${reason.rating}★, +${reason.weight.toFixed(2)}★`
    : `similarity ${reason.weight.toFixed(2)}`;
}

function because(item, mode) {
  if (!item.because || !item.because.length) return null;
  const personal = mode === "personal";
  const line = el("p", { class: "because", "data-testid": "because" },
    el("span", { text: personal ? "Because you liked " : "Close to " }));
  // One entry per book of the reader's: a book can be both close in content and co-read.
  const byBook = new Map();
  for (const reason of item.because) {
    const entry = byBook.get(reason.book_id) || { title: reason.title, rating: reason.rating, texts: [] };
    entry.texts.push(reasonText(reason, personal));
    byBook.set(reason.book_id, entry);
  }
  let first = true;
  for (const entry of byBook.values()) {
    if (!first) line.append(", ");
    first = false;
    const stars = personal && entry.rating != null && !entry.texts[0].includes("★") ? `${entry.rating}★; ` : "";
    line.append(el("b", { text: entry.title }),
      el("span", { class: "muted", text: ` (${stars}${entry.texts.join("; ")})` }));
  }
  return line;
}

function card(item, mode, index) {
  const facts = el("div", { class: "facts" });
  if (item.next_in_series) {
    facts.append(el("span", { class: "badge series", "data-testid": "series", text: item.next_in_series }));
  }
  if (item.predicted_rating != null) {
    facts.append(el("span", { class: "badge predicted", text: `for you ${item.predicted_rating.toFixed(2)}★` }));
  }
  facts.append(el("span", {
    class: "badge", text: `Goodreads ${item.avg_rating.toFixed(2)}★ (${fmtCount(item.num_ratings)} ratings)`,
  }));
  const li = el("li", { class: "result", "data-testid": "result" },
    el("span", { class: "rank", text: `${index}.` }),
    el("div", { class: "heading" },
      el("span", { class: "title", text: item.title }),
      item.author ? el("span", { class: "author", text: ` by ${item.author}` }) : null),
    facts, because(item, mode));
  li.append(el("div", { class: "line card-actions" },
    el("button", { type: "button", class: "link", text: "more like this",
      onclick: () => moreLikeThis(item, li) }),
    el("button", { type: "button", class: "link", text: "+ add to my books",
      onclick: () => addBook(item) })));
  return li;
}

async function moreLikeThis(book, anchor) {
  showError("");
  const old = anchor.querySelector(".similar");
  if (old) { old.remove(); return; }
  try {
    const exclude = books.filter((b) => b.book_id != null).map((b) => b.book_id);
    const answer = await postJson("/api/similar", { book_id: book.book_id, exclude, top_n: 5 });
    const list = el("ol", { class: "similar", "data-testid": "similar" });
    for (const item of answer.recommendations) {
      list.append(el("li", {},
        el("span", { class: "title", text: item.title }),
        item.author ? el("span", { class: "author", text: ` by ${item.author}` }) : null,
        el("span", { class: "muted", text: ` · ${item.avg_rating.toFixed(2)}★` }),
        el("button", { type: "button", class: "link", text: "+ add", onclick: () => addBook(item) })));
    }
    if (!answer.recommendations.length) list.append(el("li", { class: "muted", text: "nothing close enough" }));
    anchor.append(list);
  } catch (error) {
    showError(error.message);
  }
}

function matchReport(matches, onPick) {
  const box = el("div", { class: "report" });
  const ambiguous = matches.filter((m) => m.status === "ambiguous");
  const missing = matches.filter((m) => m.status === "not_found");
  const matched = matches.filter((m) => m.status === "matched");
  box.append(el("p", { class: "muted", "data-testid": "match-summary",
    text: `${matched.length} matched, ${ambiguous.length} ambiguous, ${missing.length} not found` }));
  if (ambiguous.length) {
    const list = el("ul", { class: "ambiguous" });
    for (const m of ambiguous) {
      const choices = el("span", {});
      for (const c of m.candidates) {
        choices.append(el("button", { type: "button", class: "choice",
          text: `${c.title}${c.author ? ` (${c.author})` : ""}`,
          onclick: () => onPick(m, c) }));
      }
      list.append(el("li", {}, el("span", { text: `“${m.input.title}” could be: ` }), choices));
    }
    box.append(el("p", { text: "Which one did you mean? (not used until you pick)" }), list);
  }
  if (missing.length) {
    const list = el("ul", { class: "missing" });
    for (const m of missing) {
      list.append(el("li", { text: `${m.input.title}${m.input.author ? ` (${m.input.author})` : ""}${m.note ? `: ${m.note}` : ""}` }));
    }
    box.append(el("p", { text: "Not found in the catalog:" }), list);
  }
  return box;
}

async function recommend() {
  showError("");
  if (!books.length) { showError("Add at least one book first."); return; }
  const button = $("recommend");
  button.disabled = true;
  button.textContent = "Thinking…";
  try {
    const sent = books.slice();
    const answer = await postJson("/api/recommend", {
      books: sent.map((b) => ({ book_id: b.book_id, title: b.title, author: b.author, rating: b.rating })),
      top_n: Number($("top-n").value),
    });
    // Typed titles that matched now carry their catalog id.
    answer.matches.forEach((m, i) => {
      if (m.status === "matched" && sent[i].book_id == null) {
        Object.assign(sent[i], { book_id: m.book_id, title: m.title, author: m.author });
      }
    });
    localStorage.setItem(STORE, JSON.stringify(books));
    renderBooks();
    $("message").textContent = answer.message;
    $("matches").replaceChildren(matchReport(answer.matches, (m, c) => {
      const entry = books.find((b) => b.book_id == null && b.title === m.input.title);
      if (entry) Object.assign(entry, { book_id: c.book_id, title: c.title, author: c.author });
      saveBooks();
      recommend();
    }));
    $("results").replaceChildren(...answer.recommendations.map((item, i) => card(item, answer.mode, i + 1)));
  } catch (error) {
    showError(error.message);
  } finally {
    button.disabled = false;
    button.textContent = "Recommend";
  }
}

// -- Goodreads import ----------------------------------------------------------------------------

async function importExport(event) {
  event.preventDefault();
  showError("");
  const file = $("import-file").files[0];
  if (!file) { showError("Choose your goodreads_library_export.csv first."); return; }
  const form = new FormData();
  form.append("file", file);
  try {
    const answer = await api("/api/import/goodreads", { method: "POST", body: form });
    for (const m of answer.matches) {
      if (m.status === "matched") addBook({ book_id: m.book_id, title: m.title, author: m.author, rating: m.rating });
    }
    $("import-report").replaceChildren(matchReport(answer.matches, (m, c) => {
      addBook({ book_id: c.book_id, title: c.title, author: c.author, rating: m.rating });
    }));
  } catch (error) {
    showError(error.message);
  }
}

// -- wiring ----------------------------------------------------------------------------------------

document.addEventListener("DOMContentLoaded", () => {
  const search = $("search");
  search.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(suggest, 120); });
  search.addEventListener("keydown", onSearchKey);
  search.addEventListener("blur", () => setTimeout(closeSuggestions, 150));
  $("recommend").addEventListener("click", recommend);
  $("import-form").addEventListener("submit", importExport);
  $("clear").addEventListener("click", () => {
    if (confirm("Remove all your books from this browser?")) { books = []; saveBooks(); }
  });
  renderBooks();
});
