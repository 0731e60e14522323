// bookrec's page: the reader's books live in localStorage; every other answer comes from /api.
// All text from the catalog goes into the page through textContent, never as HTML.
"use strict";

const STORE = "bookrec.books.v1"; // books the reader has read (rated or not)
const WANTED = "bookrec.wanted.v1"; // to-read / currently-reading: never suggested, no history
const QUERY_MAX = 200; // the search API's limit; longer text is cut, with a note
const SHOWN_BOOKS = 20; // books listed before "show all" (keeps the tab order short)
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

// A button's spoken name starts with its visible words (WCAG 2.5.3: "click more like this" works
// by voice) and goes on with the book it acts on; a leading "+" or "✓" is drawn, not said.
function spokenName(visible, rest) {
  return `${visible.replace(/^[+✓] /, "")}${rest}`;
}

// "4.36★" is read "4.36 black star": the star is drawn, "out of 5" said.
function starRating(value, digits) {
  return [value.toFixed(digits), el("span", { "aria-hidden": "true", text: "★" }),
    el("span", { class: "sr-only", text: " out of 5" })];
}

function announce(text) {
  $("announce").textContent = "";
  setTimeout(() => { $("announce").textContent = text; }, 30);
}

// -- the reader's books: one store shared by every tab -------------------------------------------
// Each change re-reads the store, applies itself and writes back, and other tabs redraw on the
// `storage` event, so a tab never writes back a stale copy over another tab's books.

function starsOrNone(rating) {
  return typeof rating === "number" && rating >= 1 && rating <= 5 ? rating : null;
}

function readList(key) {
  try {
    const list = JSON.parse(localStorage.getItem(key) || "[]");
    if (!Array.isArray(list)) return [];
    // A title over the API's 500 characters, or a rating off the 1-5 stars (kept by an older
    // page, or edited storage), would fail every Recommend with the API's words: mend them.
    const mended = list.filter((b) => b && (b.book_id != null || b.title)).map((b) => ({
      ...b,
      ...(b.title && b.title.length > 500 ? { title: b.title.slice(0, 500) } : {}),
      ...("rating" in b ? { rating: starsOrNone(b.rating) } : {}),
    }));
    return oneEach(mended);
  } catch {
    return [];
  }
}

// One entry per book: a typed title that Recommend (or an answer) finds to be a book already
// listed becomes that book, and two rows of one book would rate and remove each other. The
// first keeps its place; a rating given to either stays.
function oneEach(list) {
  const first = new Map();
  const kept = [];
  for (const book of list) {
    const key = keyOf(book);
    const at = first.get(key);
    if (at === undefined) { first.set(key, kept.length); kept.push(book); }
    else if (kept[at].rating == null && book.rating != null) kept[at].rating = book.rating;
  }
  return kept;
}

let books = readList(STORE);
let wanted = readList(WANTED);
let showAll = false;

// The browser may refuse to store (its storage full, or blocked for this page): the reader is
// told next to the search box, and the list stays as stored, not as it seemed for a moment.
const NOT_KEPT = "This browser would not keep your books (its storage is full, or blocked for "
  + "this page), so that change is lost: free some storage or allow it for this page, then try again.";

function change(key, apply) {
  const list = readList(key);
  apply(list);
  try {
    localStorage.setItem(key, JSON.stringify(oneEach(list)));
    if ($("search-error").textContent === NOT_KEPT) showError("search", "");
  } catch {
    showError("search", NOT_KEPT);
  }
  books = readList(STORE);
  wanted = readList(WANTED);
  renderBooks();
}

function keyOf(book) {
  return book.book_id != null ? `id:${book.book_id}`
    : `t:${(book.title || "").toLowerCase()}|${(book.author || "").toLowerCase()}`;
}

function entryOf(book) {
  return {
    book_id: book.book_id ?? null, title: book.title, author: book.author ?? null,
    rating: book.rating ?? null,
  };
}

// Add (or re-rate) many books in one write and one redraw: an import adds hundreds.
function addBooks(list, key = STORE) {
  change(key, (stored) => {
    const at = new Map(stored.map((b, i) => [keyOf(b), i]));
    for (const book of list) {
      const entry = entryOf(book);
      const i = at.get(keyOf(entry));
      if (i === undefined) { at.set(keyOf(entry), stored.length); stored.push(entry); }
      else if (entry.rating != null) stored[i].rating = entry.rating;
    }
  });
}

function updateBook(key, apply) {
  change(STORE, (stored) => { const book = stored.find((b) => keyOf(b) === key); if (book) apply(book); });
}

function removeBook(key) {
  change(STORE, (stored) => { const i = stored.findIndex((b) => keyOf(b) === key); if (i >= 0) stored.splice(i, 1); });
}

// -- drawing the list (focus survives a redraw: the focused control is found again by its id) ----

function stars(book, key) {
  const title = book.title;
  // a rating between the stars (4.5 from an import) is kept and said as it is: no star is
  // checked, the stars below it are filled, and the tab stop is the last of those
  const rating = book.rating ?? null;
  const between = rating != null && !Number.isInteger(rating);
  const label = `your rating of ${title}${between ? `: ${rating} stars` : ""}`;
  const group = el("div", { class: "stars", role: "radiogroup", "aria-label": label });
  const choices = [1, 2, 3, 4, 5, null];
  const stop = between ? Math.floor(rating) : rating;
  const set = (value) => { updateBook(key, (b) => { b.rating = value; }); };
  choices.forEach((n, i) => {
    const isChecked = n === rating;
    const filled = n != null && rating != null && n <= rating;
    group.append(el("button", {
      type: "button", role: "radio", class: n == null ? "norating" : (filled ? "star on" : "star"),
      text: n == null ? "no rating" : (filled ? "★" : "☆"),
      "aria-label": n == null ? "no rating" : `${n} star${n > 1 ? "s" : ""}`,
      "aria-checked": isChecked ? "true" : "false", tabindex: n === stop ? "0" : "-1",
      "data-testid": n == null ? "no-rating" : `star-${n}`, "data-focus": `${key}#${n ?? 0}`,
      onclick: () => set(n),
      onkeydown: (event) => {
        const moves = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
        let next = null;
        if (event.key in moves) next = (i + moves[event.key] + choices.length) % choices.length;
        else if (event.key === "Home") next = 0;
        else if (event.key === "End") next = choices.length - 1;
        if (next === null) return;
        event.preventDefault();
        focusAfter = `${key}#${choices[next] ?? 0}`;
        set(choices[next]);
      },
    }));
  });
  if (between) {  // shown beside the stars, before "no rating"; the group's name says it
    group.insertBefore(el("span", { class: "between", "aria-hidden": "true", text: String(rating) }), group.lastChild);
  }
  return group;
}

let focusAfter = null;
// The "more like this" panels open on the reader's books, by book: a redraw (a book added from
// one, a rating changed) puts them back rather than closing them under the reader's focus.
const panels = new Map();

function bookRow(book) {
  const key = keyOf(book);
  const actions = el("span", { class: "actions" });
  const panel = panels.get(key);
  const remove = el("button", {
    type: "button", class: "remove", text: "✕", "aria-label": `remove ${book.title}`,
    "data-focus": `${key}#remove`,
    onclick: () => {
      // the focus moves to the next book's ✕ (the previous one's at the end), not to the top
      const at = books.findIndex((b) => keyOf(b) === key);
      const neighbour = books[at + 1] || books[at - 1];
      focusAfter = neighbour ? `${keyOf(neighbour)}#remove` : "search";
      removeBook(key);
      announce(`Removed ${book.title}`);
    },
  });
  if (book.book_id != null) {
    actions.append(el("button", {
      type: "button", class: "link", text: "more like this", "aria-label": `more like this: ${book.title}`,
      "aria-expanded": panel ? "true" : "false", "aria-controls": panel ? panel.id : null,
      "data-focus": `${key}#more`,
      onclick: (event) => moreLikeThis(book, event.currentTarget.closest("li"), event.currentTarget, key),
    }));
  }
  // ✕ on the title line, first: Tab goes from "more like this" on into its panel, not
  // through ✕ (Enter there removed the book and the panel with it)
  return el("li", { class: "book", "data-testid": "my-book" },
    el("div", { class: "line" },
      el("span", { class: "title", text: book.title }),
      book.author ? el("span", { class: "author", text: ` by ${book.author}` }) : null, remove),
    el("div", { class: "line" }, stars(book, key), actions), panel);
}

function renderBooks() {
  const focused = focusAfter || (document.activeElement && document.activeElement.dataset.focus);
  focusAfter = null;
  const list = $("books");
  const listed = new Set(books.map(keyOf));
  for (const key of panels.keys()) if (!listed.has(key)) panels.delete(key);
  // every "+ add" says whether its book is in the list now, however it got there or left:
  // on the page and in panels kept but not drawn (past "Show all")
  const adds = [document, ...panels.values()].flatMap((root) => [...root.querySelectorAll("button[data-book]")]);
  for (const add of new Set(adds)) showAdded(add, listed.has(add.dataset.book));
  const shown = showAll ? books : books.slice(0, SHOWN_BOOKS);
  list.replaceChildren(...shown.map(bookRow));
  $("count").textContent = books.length ? `(${books.length})` : "";
  $("empty").hidden = books.length > 0;
  $("clear").hidden = books.length === 0;
  const more = $("show-all");
  more.hidden = books.length <= SHOWN_BOOKS;
  more.textContent = showAll ? `Show the first ${SHOWN_BOOKS} only` : `Show all ${books.length} books`;
  more.setAttribute("aria-expanded", showAll ? "true" : "false");
  $("wanted-box").hidden = wanted.length === 0;
  $("wanted-count").textContent = `(${wanted.length})`;
  const firstWanted = wanted.slice(0, SHOWN_BOOKS).map((b) => el("li", {},
    el("span", { class: "title", text: b.title }),
    b.author ? el("span", { class: "author", text: ` by ${b.author}` }) : null));
  if (wanted.length > SHOWN_BOOKS) firstWanted.push(el("li", { class: "muted", text: `and ${wanted.length - SHOWN_BOOKS} more` }));
  $("wanted").replaceChildren(...firstWanted);
  if (focused === "search") $("search").focus();
  else if (focused) {
    const target = document.querySelector(`[data-focus="${CSS.escape(focused)}"]`);
    if (target) target.focus();
    else if (!document.activeElement || document.activeElement === document.body) $("search").focus();
  }
}

// -- talking to the API: every error is shown next to the control that caused it ------------

function showError(where, message) {
  const box = $(`${where}-error`);
  box.textContent = message || "";
  box.hidden = !message;
}

async function api(path, options = {}) {
  let response;
  try {
    response = await fetch(path, options);
  } catch {
    throw new Error("the bookrec server does not answer; is it still running (bookrec serve)?");
  }
  let body = null;
  try { body = await response.json(); } catch { body = null; }
  if (!response.ok) {
    throw new Error((body && body.error) || (response.status >= 500
      ? `Something went wrong on the server (error ${response.status}); try again, and if it stays, its log says why.`
      : `The server refused this (error ${response.status}); reload the page and try again.`));
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
// `shownFor` is the text the suggestions on screen answer; Enter picks from them only when it is
// the text in the box now, otherwise it waits for the answer to the current text.

let asked = 0;
let shown = [];
let shownFor = null;
let active = -1;
let timer = null;
let cutNote = ""; // said while the box holds text cut to QUERY_MAX, beside what the search finds
let noteTimer = null;
const NOTE_PAUSE_MS = 500; // what the search found is said once typing pauses, not at each key

function searchNote(text) {
  clearTimeout(noteTimer);
  $("search-note").textContent = text;
}

// what to say once typing pauses, in place of anything pending
function noteAfterPause(say) {
  clearTimeout(noteTimer);
  noteTimer = setTimeout(say, NOTE_PAUSE_MS);
}

function closeSuggestions() {
  clearTimeout(noteTimer); // "8 books found" is not said of a list already closed
  $("suggestions").hidden = true;
  $("search").setAttribute("aria-expanded", "false");
  $("search").removeAttribute("aria-activedescendant");
  active = -1;
}

function fmtCount(n) {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${Math.round(n / 1e3)}k`;
  return String(n);
}

function bookFacts(book) {
  const author = `${book.author || "author unknown"} · `;
  return book.avg_rating != null && book.num_ratings
    ? [author, ...starRating(book.avg_rating, 2), ` from ${fmtCount(book.num_ratings)} ratings`]
    : [`${author}no Goodreads ratings`];
}

function renderSuggestions(found, query) {
  const list = $("suggestions");
  shown = found;
  shownFor = query;
  active = -1;
  list.replaceChildren(...found.map((book, i) => el("li", {
    role: "option", id: `suggestion-${i}`, "data-testid": "suggestion", "aria-selected": "false",
    onmousedown: (event) => { event.preventDefault(); pick(i); },
  }, el("span", { class: "title", text: book.title }),
  el("span", { class: "muted" }, ...bookFacts(book)))));
  list.hidden = found.length === 0;
  $("search").setAttribute("aria-expanded", found.length ? "true" : "false");
  const none = found.length ? "" : `No book found for “${query}”; Enter keeps it as typed.`;
  noteAfterPause(() => {
    $("search-note").textContent = [cutNote, none].filter(Boolean).join(" ");
    if (found.length) announce(`${found.length} ${found.length === 1 ? "book" : "books"} found: arrow keys to choose, Enter adds the one chosen`);
  });
}

function pick(i) {
  const book = shown[i];
  if (!book) return;
  addBooks([book]);
  $("search").value = "";
  searchNote(`Added “${book.title}”.`);
  closeSuggestions();
  $("search").focus();
}

function highlight(i) {
  const items = $("suggestions").children;
  if (!items.length) return;
  // the option read now, not "8 books found" over it; no "no book found" while there are options
  searchNote(cutNote);
  active = (i + items.length) % items.length;
  [...items].forEach((item, n) => item.setAttribute("aria-selected", n === active ? "true" : "false"));
  $("search").setAttribute("aria-activedescendant", `suggestion-${active}`);
  items[active].scrollIntoView({ block: "nearest" });
}

function currentQuery() {
  return $("search").value.trim();
}

async function suggest() {
  const query = currentQuery();
  const mine = ++asked;
  if (query.length < 2) {
    closeSuggestions();
    shownFor = query;
    shown = [];
    searchNote("");
    if (query) noteAfterPause(() => searchNote("Type at least 2 letters to see suggestions."));
    return;
  }
  try {
    const answer = await api(`/api/books?q=${encodeURIComponent(query)}&limit=8`);
    if (mine === asked && query === currentQuery()) {
      showError("search", "");
      renderSuggestions(answer.books, query);
    }
  } catch (error) {
    if (mine === asked) showError("search", error.message);
  }
}

function onSearchInput() {
  const box = $("search");
  if (box.value.length > QUERY_MAX) {
    box.value = box.value.slice(0, QUERY_MAX);
    cutNote = `Cut to the first ${QUERY_MAX} characters (no title is longer).`;
    searchNote(cutNote);
  } else if (box.value.length < QUERY_MAX) {
    cutNote = ""; // edited below the limit: nothing cut any more
  }
  shownFor = null; // what is on screen answers older text now
  active = -1;
  clearTimeout(noteTimer); // a note pending for the text before this key is stale
  clearTimeout(timer);
  timer = setTimeout(suggest, 120);
}

// A title's words for comparing (case, accents, punctuation and a leading article aside).
function titleKey(text) {
  const words = text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
    .split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  return (["the", "a", "an"].includes(words[0]) ? words.slice(1) : words).join(" ");
}

// Whether the typed text is this title, or its part before a subtitle or series ("Dune" for
// "Dune (Dune, #1)", "sapiens" for "Sapiens: A Brief History of Humankind").
function namesTitle(query, title) {
  const typed = titleKey(query);
  return Boolean(typed) && [title, title.split(/:| \(/)[0]].some((t) => titleKey(t) === typed);
}

async function onEnter() {
  const query = currentQuery();
  if (!query) return;
  if (shownFor !== query) {
    clearTimeout(timer);
    await suggest();
    if (currentQuery() !== query) return; // typed on meanwhile: that text decides
  }
  if (shown.length && shownFor === query) {
    // Nothing highlighted: the suggestion this text names, never a guess ("dnue" suggests
    // "Getting Things Done" first, "Stephen King" his most read book).
    const named = active >= 0 ? active : shown.findIndex((book) => namesTitle(query, book.title));
    if (named >= 0) { pick(named); return; }
  }
  // Not one of the suggestions: kept as typed; the matcher (typos, series names, an author
  // typed alone) reads it when recommending.
  addBooks([{ title: query }]);
  $("search").value = "";
  searchNote(`Added “${query}” as typed; it is matched when you ask for recommendations.`);
  closeSuggestions();
}

function onSearchKey(event) {
  if (event.key === "ArrowDown") { event.preventDefault(); highlight(active + 1); }
  else if (event.key === "ArrowUp") { event.preventDefault(); highlight(active - 1); }
  else if (event.key === "Escape") { event.preventDefault(); closeSuggestions(); } // keeps the text
  else if (event.key === "Enter") { event.preventDefault(); onEnter(); }
}

// -- recommendations ------------------------------------------------------------------------------

function card(item, index) {
  const facts = el("div", { class: "facts" });
  if (item.next_in_series) {
    facts.append(el("span", { class: "badge series", "data-testid": "series", text: item.next_in_series }));
  }
  if (item.predicted_rating != null) {
    facts.append(el("span", { class: "badge predicted" }, "for you ", ...starRating(item.predicted_rating, 1)));
  }
  facts.append(el("span", { class: "badge" },
    "Goodreads ", ...starRating(item.avg_rating, 2), ` (${fmtCount(item.num_ratings)} ratings)`));
  // each book a heading: a screen reader jumps from book to book
  const li = el("li", { class: "result", "data-testid": "result" },
    el("span", { class: "rank", text: `${index}.` }),
    el("h3", { class: "heading" },
      el("span", { class: "title", text: item.title }),
      item.author ? el("span", { class: "author", text: ` by ${item.author}` }) : null),
    facts,
    item.reason_text ? el("p", { class: "because", "data-testid": "because", text: item.reason_text }) : null);
  const add = addButton(item, ["+ add to my books", `: ${item.title}`], ["✓ in your books", `: ${item.title}`]);
  li.append(el("div", { class: "line card-actions" },
    el("button", { type: "button", class: "link", text: "more like this",
      "aria-label": `more like this: ${item.title}`, "aria-expanded": "false",
      onclick: (event) => moreLikeThis(item, li, event.currentTarget) }),
    add));
  return li;
}

// A suggested book's "add" button: [visible words, the rest of its name] while it offers the
// book, and once the book is in the reader's list (pressed here or added any other way), what
// is then true, in its text and in the name a screen reader reads; it adds nothing twice, and
// offers the book again once it leaves the list (renderBooks).
// `quietWhen()`: the button is redrawn with the list and the focus put back on it, which
// reads its new name ("added: Dune"): no announcement besides.
function addButton(item, offer, done, quietWhen = () => false, attrs = {}) {
  const add = el("button", { type: "button", class: "link", ...attrs, "data-book": keyOf(entryOf(item)),
    "data-offer": JSON.stringify(offer), "data-done": JSON.stringify(done),
    onclick: () => {
      if (add.getAttribute("aria-disabled") === "true") return;
      const quiet = quietWhen(add);
      showAdded(add, true);
      addBooks([item]);
      if (!quiet) announce(`Added ${item.title} to your books`);
    } });
  showAdded(add, books.some((b) => keyOf(b) === add.dataset.book));
  return add;
}

function showAdded(button, added) {
  const [text, rest] = JSON.parse(added ? button.dataset.done : button.dataset.offer);
  button.textContent = text;
  button.setAttribute("aria-label", spokenName(text, rest));
  if (added) button.setAttribute("aria-disabled", "true");
  else button.removeAttribute("aria-disabled");
}

let panelsMade = 0;

// `key`: the reader's book the panel hangs under (kept open across redraws of their list).
async function moreLikeThis(book, anchor, button, key = null) {
  const old = anchor.querySelector(".similar");
  if (old) {
    old.remove();
    if (key) panels.delete(key);
    button.setAttribute("aria-expanded", "false");
    button.removeAttribute("aria-controls");
    return;
  }
  const box = el("div", { class: "similar", "data-testid": "similar", id: `similar-${++panelsMade}` });
  anchor.append(box);
  if (key) panels.set(key, box);
  button.setAttribute("aria-expanded", "true");
  button.setAttribute("aria-controls", box.id);
  try {
    const exclude = [...books, ...wanted].filter((b) => b.book_id != null).map((b) => b.book_id);
    const answer = await postJson("/api/similar", { book_id: book.book_id, exclude, top_n: 5 });
    const list = el("ol", { "aria-label": `more like ${book.title}` });
    for (const item of answer.recommendations) {
      // under one of the reader's books, a focused button is put back after the redraw and
      // read again: no announcement besides
      const add = addButton(item, ["+ add", ` ${item.title} to my books`], ["✓ added", `: ${item.title}`],
        (button) => key != null && document.activeElement === button,
        { "data-focus": key ? `${key}#similar-${item.book_id}` : null });
      list.append(el("li", {},
        el("span", { class: "title", text: item.title }),
        item.author ? el("span", { class: "author", text: ` by ${item.author}` }) : null,
        el("span", { class: "muted" }, " · Goodreads ", ...starRating(item.avg_rating, 2)), add));
    }
    if (!answer.recommendations.length) list.append(el("li", { class: "muted", text: "nothing close enough" }));
    box.append(list);
    // the focus stays on the button: say what came, and where (the panel follows it)
    const n = answer.recommendations.length;
    announce(n ? `${n} ${n === 1 ? "book" : "books"} like ${book.title}, next after this button`
      : `Nothing close enough to ${book.title}`);
  } catch (error) {
    box.append(el("p", { class: "field-error", role: "alert", text: error.message }));
  }
}

// -- what became of the reader's books: matched / which one? / not found --------------------

function candidateLabel(c) {
  const author = `${c.author || "author unknown"} · `;
  return c.avg_rating != null && c.num_ratings
    ? [author, ...starRating(c.avg_rating, 2), `, ${fmtCount(c.num_ratings)} ratings`]
    : [`${author}no Goodreads ratings`];
}

// One question per ambiguous book; answering replaces it with what was done (focus stays there).
function question(m, onPick) {
  const said = `“${m.input.title}”${m.input.author ? ` by ${m.input.author}` : ""}`;
  const item = el("li", { class: "question", "data-testid": "question" });
  const done = (text) => {
    const note = el("p", { class: "answered", tabindex: "-1", "data-testid": "answered", text });
    item.replaceChildren(note);
    note.focus(); // and so read: no announcement besides
  };
  const choices = el("div", { class: "choices", role: "group", "aria-label": `which book is ${said}?` });
  for (const c of m.candidates) {
    choices.append(el("button", { type: "button", class: "choice", "data-testid": "choice",
      onclick: () => { onPick(m, c); done(`✓ ${said}: added “${c.title}” by ${c.author || "author unknown"}.`); } },
    el("span", { class: "title", text: c.title }), el("span", { class: "muted" }, ...candidateLabel(c))));
  }
  choices.append(el("button", { type: "button", class: "choice none", "data-testid": "none-of-these",
    text: "None of these", onclick: () => { done(`✓ ${said}: ${onPick(m, null) || "left out"}.`); } }));
  item.append(el("p", { text: `${said} could be:` }), choices);
  return item;
}

// A book to read that is not in the catalog changes nothing (never suggested anyway): it needs
// no look, and the report lists it apart.
const toReadNotFound = (m) => m.status === "not_found" && m.wanted;

// `lines`: the matches are a file's lines (an import), counted as such.
function matchReport(title, matches, onPick, lines = false) {
  const box = el("div", { "data-kind": lines ? "import" : "recommend" });
  const ambiguous = matches.filter((m) => m.status === "ambiguous");
  const missing = matches.filter((m) => m.status === "not_found" && !toReadNotFound(m));
  const missingToRead = matches.filter(toReadNotFound);
  const matched = matches.filter((m) => m.status === "matched");
  const kept = matched.filter((m) => m.wanted).length;
  box.append(el("h3", { text: title }));
  box.append(el("p", { class: "summary", "data-testid": "match-summary",
    text: `${matched.length}${lines ? ` of ${matches.length} lines` : ""} matched`
      + `${kept ? ` (${kept} to read, kept apart)` : ""}, `
      + `${ambiguous.length} to check, ${missing.length} not found`
      + `${missingToRead.length ? ` (and ${missingToRead.length} to read, not in the catalog)` : ""}` }));
  if (ambiguous.length) {
    box.append(el("p", { text: "Which book did you mean? (not used until you answer)" }),
      el("ul", { class: "questions" }, ...ambiguous.map((m) => question(m, onPick))));
  }
  const listed = [[missing, "Not found in the catalog"],
    [missingToRead, "To read, not in the catalog either: nothing to do"]];
  for (const [some, heading] of listed.filter(([some]) => some.length)) {
    const list = el("ul", { class: "missing" });
    // every one (a closed disclosure holds them): "and 14 more" left a reader no way to them
    for (const m of some) {
      list.append(el("li", { text: `${m.input.title}${m.input.author ? ` (${m.input.author})` : ""}${m.note ? `: ${m.note}` : ""}` }));
    }
    box.append(el("details", {}, el("summary", { text: `${heading} (${some.length})` }), list));
  }
  return box;
}

// The focus goes to the report's heading: read as its title ("Imported ...: 400 books read,
// 23 to read"), not as every question in it.
function showReport(content, focus) {
  const report = $("report");
  report.replaceChildren(content);
  report.scrollIntoView({ block: "start" });
  const heading = content.querySelector("h3");
  if (focus && heading) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: true });
  }
}

// A busy button says so and ignores presses; it stays enabled, so the focus stays on it (a
// disabled one drops the focus to BODY, and its "Thinking…" is never heard).
function busy(button, on, label) {
  button.setAttribute("aria-disabled", on ? "true" : "false");
  button.setAttribute("aria-busy", on ? "true" : "false");
  if (label) button.textContent = label;
}

const isBusy = (button) => button.getAttribute("aria-busy") === "true";

async function recommend() {
  if (isBusy($("recommend"))) return;
  showError("recommend", "");
  if (!books.length && !wanted.length) { showError("recommend", "Add at least one book first."); return; }
  const button = $("recommend");
  busy(button, true, "Thinking…");
  $("results").setAttribute("aria-busy", "true");
  try {
    const sent = books.slice();
    const payload = [
      ...sent.map((b) => ({ book_id: b.book_id, title: b.title, author: b.author, rating: b.rating })),
      ...wanted.map((b) => ({ book_id: b.book_id, title: b.title, author: b.author, shelf: "to-read" })),
    ];
    const answer = await postJson("/api/recommend", { books: payload, top_n: Number($("top-n").value) });
    // Typed titles that matched now carry their catalog id.
    const found = new Map();
    answer.matches.slice(0, sent.length).forEach((m, i) => {
      if (m.status === "matched" && sent[i].book_id == null) found.set(keyOf(sent[i]), m);
    });
    if (found.size) {
      change(STORE, (stored) => {
        for (const b of stored) {
          const m = found.get(keyOf(b));
          if (m) Object.assign(b, { book_id: m.book_id, title: m.title, author: m.author });
        }
      });
    }
    const open = answer.matches.filter((m) => m.status !== "matched" && !toReadNotFound(m));
    // an import's questions not yet answered stay; the last list's report goes
    // an answered question keeps its item but no choices
    const pending = [...$("report").children].filter((box) => box.dataset.kind === "import"
      && box.querySelector("[data-testid=choice]"));
    $("report").replaceChildren(...pending);
    if (open.length) {
      $("report").append(matchReport("Some of your books need a look", answer.matches, (m, c) => {
        const typed = keyOf({ title: m.input.title, author: m.input.author });
        if (c) updateBook(typed, (b) => Object.assign(b, { book_id: c.book_id, title: c.title, author: c.author }));
        else { removeBook(typed); return "removed from your books"; }
        return null;
      }));
    }
    // the same line again (a rating changed) is not read again by screen readers unless the
    // live region is emptied first: a reader would hear nothing of the new list
    const message = $("message");
    if (message.textContent === answer.summary) {
      message.textContent = "";
      setTimeout(() => { message.textContent = answer.summary; }, 30);
    } else {
      message.textContent = answer.summary;
    }
    $("results").replaceChildren(...answer.recommendations.map((item, i) => card(item, i + 1)));
    if (!answer.recommendations.length) {
      $("results").append(el("li", { class: "muted", "data-testid": "no-results",
        text: "Nothing left to suggest: every book the catalog could offer is on your lists." }));
    }
    $("next-title").scrollIntoView({ block: "start" });
  } catch (error) {
    showError("recommend", error.message);
  } finally {
    busy(button, false, "Recommend");
    $("results").setAttribute("aria-busy", "false");
  }
}

// -- Goodreads import: one request, one write, one redraw, the report at the top of the results --

async function importExport(event) {
  event.preventDefault();
  if (isBusy($("import-button"))) return;
  showError("import", "");
  const file = $("import-file").files[0];
  if (!file) { showError("import", "Choose your goodreads_library_export.csv (or a CSV of your books) first."); $("import-file").focus(); return; }
  const form = new FormData();
  form.append("file", file);
  const button = $("import-button");
  busy(button, true, "Importing…");
  $("import-progress").hidden = false;
  const started = performance.now();
  try {
    const answer = await api("/api/import/goodreads", { method: "POST", body: form });
    const answered = performance.now();
    const matched = answer.matches.filter((m) => m.status === "matched");
    const asBook = (m) => ({ book_id: m.book_id, title: m.title, author: m.author, rating: m.rating });
    addBooks(matched.filter((m) => !m.wanted).map(asBook));
    addBooks(matched.filter((m) => m.wanted).map(asBook), WANTED);
    // Two editions of one book in the export are one book in the list: count books, not lines.
    const readLines = matched.filter((m) => !m.wanted);
    const read = new Set(readLines.map((m) => m.book_id)).size;
    const twice = readLines.length - read;
    const again = twice
      ? ` (and ${twice} more ${twice === 1 ? "line" : "lines"} for a book already counted)` : "";
    const gaveUp = answer.counts.abandoned
      ? ` (${answer.counts.abandoned} unrated on a did-not-finish shelf, read as 1 star)` : "";
    const heading = `Imported ${file.name}: ${read} ${read === 1 ? "book" : "books"} read${again}${gaveUp}, `
      + `${answer.counts.wanted} to read`;
    showReport(matchReport(heading, answer.matches, (m, c) => {
      if (c) addBooks([{ ...c, rating: m.rating }], m.wanted ? WANTED : STORE);
    }, true), true); // focused, and so read: no announcement besides
    // How long the server and the page each took (bench/web_import.py reports both).
    $("report").dataset.serverMs = Math.round(answered - started);
    $("report").dataset.pageMs = Math.round(performance.now() - answered);
  } catch (error) {
    showError("import", error.message);
  } finally {
    busy(button, false, "Import");
    $("import-progress").hidden = true;
  }
}

// -- wiring ----------------------------------------------------------------------------------------

document.addEventListener("DOMContentLoaded", () => {
  const search = $("search");
  search.addEventListener("input", onSearchInput);
  search.addEventListener("keydown", onSearchKey);
  search.addEventListener("blur", () => setTimeout(closeSuggestions, 150));
  $("recommend").addEventListener("click", recommend);
  $("import-form").addEventListener("submit", importExport);
  $("import-file").addEventListener("change", () => showError("import", ""));
  $("show-all").addEventListener("click", () => { showAll = !showAll; focusAfter = "show-all"; renderBooks(); $("show-all").focus(); });
  $("clear").addEventListener("click", () => {
    if (confirm("Remove all your books from this browser?")) { focusAfter = "search"; change(STORE, (s) => s.splice(0)); }
  });
  $("clear-wanted").addEventListener("click", () => { focusAfter = "search"; change(WANTED, (s) => s.splice(0)); });
  window.addEventListener("storage", (event) => {
    if (event.key === null || event.key === STORE || event.key === WANTED) {
      books = readList(STORE);
      wanted = readList(WANTED);
      renderBooks();
    }
  });
  renderBooks();
});
