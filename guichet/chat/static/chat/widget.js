/* Guichet's chat widget (docs/chat.md). /chat/<brand>/widget.js serves this function
   called with the brand's configuration (C). Plain ES2020, no framework; it lives in a
   shadow root, out of reach of the site's CSS; text from the server is only ever set
   with textContent. window.GuichetChat = {open, close} for the page and the tests. */
(function (C) {
  "use strict";
  if (window.GuichetChat || !window.WebSocket) return;
  const script = document.currentScript;
  const asked = ((script && script.dataset.lang) || document.documentElement.lang || "").slice(0, 2).toLowerCase();
  const lang = C.strings[asked] ? asked : C.languages[0];
  const T = C.strings[lang];
  const KEY = "guichet-chat:" + C.slug, LIVE = KEY + ":live";
  const fmt = (s, p) => s.replace(/%\((\w+)\)s/g, (_, k) => (p[k] == null ? "" : p[k]));
  const load = (k) => { try { return localStorage.getItem(k); } catch (e) { return null; } };
  const save = (k, v) => { try { v == null ? localStorage.removeItem(k) : localStorage.setItem(k, v); } catch (e) { /* storage off */ } };
  const uuid = () => crypto.randomUUID ? crypto.randomUUID()
    : Array.from(crypto.getRandomValues(new Uint8Array(16)), (x) => x.toString(16).padStart(2, "0")).join("");
  const safeUrl = (u) => { try { const x = new URL(u, C.upload); return /^https?:$/.test(x.protocol) ? x.href : null; } catch (e) { return null; } };
  const kb = (n) => new Intl.NumberFormat(lang, { style: "unit", unit: n < 1e6 ? "kilobyte" : "megabyte", maximumFractionDigits: 1 }).format(n < 1e6 ? Math.max(1, Math.round(n / 1e3)) : n / 1e6);
  const minutes = (s) => fmt(T.wait, { minutes: Math.max(1, Math.round(s / 60)) });

  // h("p", {text: "…", t: "test id", onclick: f}, child…): an element, never parsed HTML.
  function h(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v == null || v === false) continue;
      if (k === "text") e.textContent = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k === "t" ? "data-testid" : k, v === true ? "" : v);
    }
    e.append(...kids.filter((c) => c != null));
    return e;
  }
  const show = (e, on) => { e.hidden = !on; };
  const say = (e, text) => { e.textContent = text; };
  // A text with the request's number in it, the number in bold on one line.
  const withRef = (e, text, reference) => {
    const [before, after] = text.split("%(reference)s");
    e.replaceChildren(before, h("strong", { class: "ref", text: reference }), after || "");
  };
  const button = (text, onclick, attrs) => h("button", { type: "button", text, onclick, ...attrs });

  const K = C.colours, B = `background:${K.brand};color:${K.text}`;
  const CSS = `:host{all:initial!important;display:block!important}*{box-sizing:border-box;font:inherit;color:inherit}[hidden]{display:none!important}
.w{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a}
button,input,select,textarea{font:inherit;border-radius:6px}button{cursor:pointer}a{color:${K.accent}}
:focus-visible{outline:3px solid ${K.accent};outline-offset:2px}
.launch{position:fixed;right:20px;bottom:20px;z-index:2147483000;width:56px;height:56px;border-radius:50%;border:2px solid ${K.text};${B};box-shadow:0 2px 10px #0005;display:grid;place-items:center}
.launch svg{width:28px;height:28px;fill:currentColor}
.dot{position:absolute;top:2px;right:2px;width:14px;height:14px;border-radius:50%;background:#c00;border:2px solid #fff}
.panel{position:fixed;right:20px;bottom:88px;z-index:2147483001;width:370px;height:min(620px,calc(100vh - 108px));background:#fff;border-radius:10px;box-shadow:0 4px 24px #0005;display:flex;flex-direction:column;overflow:hidden}
@media (max-width:479px){.panel{inset:0;width:100%;height:100%;border-radius:0}}
header{${B};display:flex;align-items:center;padding:10px 12px}h2{flex:1;margin:0;font-size:17px;font-weight:600}
.x{background:none;border:0;color:${K.text};font-size:24px;padding:0 8px}
.bar{padding:0 14px;font-size:14px}.bar p{margin:6px 0}.bar p:empty{display:none}.bar:has(p:not(:empty)){border-bottom:1px solid #ddd}.err{color:#b00020}.ref{white-space:nowrap;font-weight:600}
.body{flex:1;overflow-y:auto;padding:12px 14px}
label{display:block;margin:10px 0 4px;font-weight:600}.pre .check{display:flex;gap:8px;font-weight:400;align-items:flex-start}.check input{margin-top:4px}.sugg p{margin:8px 0 2px;font-weight:600}.sugg ul{margin:0;padding-left:18px}.body>:not([hidden])>p:first-child{margin-top:0}
input,select,textarea{width:100%;padding:8px;border:1px solid #767676;background:#fff}input[type=radio],input[type=checkbox]{width:auto}
textarea{resize:vertical;min-height:70px}
.go{margin-top:14px;width:100%;padding:10px;border:0;${B};font-weight:600}.go:disabled{opacity:.6}
.log{display:flex;flex-direction:column;gap:8px}.log>div{max-width:85%}
.customer{align-self:flex-end;text-align:right}.agent{align-self:flex-start}.system{align-self:center;text-align:center;font-size:13px;color:#555}
.who,.meta{font-size:12px;color:#595959;margin:2px 0}.failed .meta{color:#b00020}
.txt{margin:0;padding:8px 11px;border-radius:12px;white-space:pre-wrap;overflow-wrap:anywhere;text-align:left;display:inline-block;background:#efefef}
.customer .txt{${B}}.system .txt{padding:0;background:none;text-align:center}
.files{margin:4px 0 0;padding:0;list-style:none;font-size:13px}
.typing{font-size:13px;font-style:italic;color:#555;margin:6px 0 0}
.tools{display:flex;gap:6px;flex-wrap:wrap;padding:6px 14px;border-top:1px solid #ddd}
.tools button,.staged button,.link{background:none;border:1px solid #767676;padding:4px 8px;font-size:13px}
.compose{display:flex;gap:6px;padding:8px 14px 12px;align-items:flex-end}.compose textarea{min-height:42px;max-height:140px}
.compose button{border:0;padding:9px 12px;${B};font-weight:600}.compose .clip{background:#efefef;color:#1a1a1a;padding:9px;display:grid;place-items:center}
.clip svg{width:22px;height:22px;fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round}
.staged{list-style:none;margin:0;padding:0 14px;font-size:13px}
fieldset{border:0;padding:0;margin:16px 0 0;min-width:0}legend{font-weight:600;padding:0;font-size:16px}
.scores{display:flex;gap:8px;flex-wrap:wrap}.scores label{display:flex;gap:6px;align-items:center;justify-content:center;margin:0;min-width:52px;min-height:44px;padding:0 10px;border:1px solid #767676;border-radius:8px;cursor:pointer}
.scores label:has(:checked){border:2px solid ${K.accent}}.again{margin-top:12px}`;

  // --- the elements -----------------------------------------------------------------------
  const host = h("div", { "data-guichet-chat": C.slug });
  const root = host.attachShadow({ mode: "open" });
  if (root.adoptedStyleSheets && "replaceSync" in CSSStyleSheet.prototype) {
    const sheet = new CSSStyleSheet(); // not subject to the site's style-src
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
  } else root.append(h("style", { nonce: script && script.nonce }, CSS));
  const icon = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  icon.setAttribute("viewBox", "0 0 24 24");
  icon.setAttribute("aria-hidden", "true");
  icon.append(document.createElementNS(icon.namespaceURI, "path"));
  icon.firstChild.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z");
  const clip = document.createElementNS(icon.namespaceURI, "svg");
  clip.setAttribute("viewBox", "0 0 24 24");
  clip.setAttribute("aria-hidden", "true");
  clip.append(document.createElementNS(icon.namespaceURI, "path"));
  clip.firstChild.setAttribute("d", "M16 7v9a4 4 0 0 1-8 0V6a2.5 2.5 0 0 1 5 0v9a1 1 0 0 1-2 0V8");
  const dot = h("span", { class: "dot", hidden: true });
  const launcher = button(null, () => (isOpen ? close() : open()), {
    class: "launch", "aria-label": T.launcher, "aria-expanded": "false", "aria-controls": "panel", t: "chat-launcher",
  });
  launcher.append(icon, dot);

  const conn = h("p", { role: "status", t: "chat-connection" });
  const stateLine = h("p", { t: "chat-state" });
  const refLine = h("p", { t: "chat-reference" });
  const info = h("p", { role: "status", t: "chat-info" });
  const error = h("p", { class: "err", role: "alert", t: "chat-error" });

  // Before a chat: its form, or the message to leave.
  const label = (id, text) => h("label", { for: id, text });
  const fName = h("input", { id: "f-name", autocomplete: "name", required: true, maxlength: "200" });
  const fEmail = h("input", { id: "f-email", type: "email", autocomplete: "email", required: true, maxlength: "254" });
  const fTopic = h("select", { id: "f-topic" });
  const topicRow = h("div", {}, label("f-topic", T.topic), fTopic);
  const firstLabel = label("f-text");
  const fText = h("textarea", { id: "f-text", required: true, maxlength: C.maxText, rows: "4" });
  // The help centre's articles for what is typed (public, opened in a new tab).
  const sugg = h("div", { class: "sugg", hidden: true, t: "chat-suggestions" });
  let suggWait = null;
  fText.addEventListener("input", () => { clearTimeout(suggWait); suggWait = setTimeout(suggest, 400); });
  const fConsent = h("input", { id: "f-consent", type: "checkbox", required: true });
  const consentText = h("span");
  const note = h("p", { t: "chat-availability" });
  const submit = h("button", { class: "go", t: "chat-submit" });
  const pre = h("form", { class: "pre", t: "chat-form", onsubmit: onIntro }, note,
    label("f-name", T.name), fName, label("f-email", T.email), fEmail, topicRow, firstLabel, fText, sugg,
    h("label", { class: "check", for: "f-consent" }, fConsent, consentText), submit);
  const leftText = h("p", { t: "chat-left" });
  const leftMail = h("p", { text: T.left_mail });
  const leftView = h("div", {}, leftText, leftMail, button(T.another, restart, { class: "link again" }));

  // The conversation.
  const log = h("div", { class: "log", role: "log", "aria-live": "polite", "aria-label": T.title, t: "chat-log" });
  const typing = h("p", { class: "typing", hidden: true, t: "chat-typing" });
  const scores = h("div", { class: "scores" });
  for (let i = 1; i <= 5; i++) {
    scores.append(h("label", {}, h("input", { type: "radio", name: "score", value: i, required: true }), String(i)));
  }
  const rComment = h("textarea", { id: "r-comment", rows: "2", maxlength: "2000" });
  const rating = h("form", { t: "chat-rating", onsubmit: onRate },
    h("fieldset", { "aria-describedby": "r-hint" }, h("legend", { text: T.rate }), h("p", { id: "r-hint", class: "meta", text: T.rate_hint }), scores),
    label("r-comment", T.comment), rComment, h("button", { class: "go", text: T.send_rating }));
  const rated = h("p", { text: T.rated, t: "chat-rated" });
  const again = button(T.again, restart, { class: "link again", t: "chat-again" });
  const chatView = h("div", {}, log, typing, rating, rated, again);

  const endBtn = button(T.end, () => request({ type: "end" }), { t: "chat-end" });
  const tools = h("div", { class: "tools", role: "group", "aria-label": T.actions },
    button(T.transcript, () => request({ type: "transcript" }), { t: "chat-transcript" }), endBtn);
  const staged = h("ul", { class: "staged", t: "chat-staged" });
  const picker = h("input", { type: "file", hidden: true, onchange: () => { for (const f of picker.files) upload(f); picker.value = ""; } });
  const input = h("textarea", { "aria-label": T.write, placeholder: T.write, rows: "1", maxlength: C.maxText, t: "chat-input", onkeydown: onKey, oninput: onTyping });
  const sendBtn = h("button", { text: T.send, t: "chat-send" });
  const compose = h("form", { class: "compose", onsubmit: onSend },
    button(null, () => picker.click(), { class: "clip", "aria-label": T.attach, title: T.attach, t: "chat-attach" }), picker, input, sendBtn);
  compose.firstChild.append(clip);
  const bottom = h("div", {}, tools, staged, compose);

  const body = h("div", { class: "body" }, pre, leftView, chatView);
  const closeBtn = button("×", close, { class: "x", "aria-label": T.close, t: "chat-close" });
  const panel = h("section", {
    id: "panel", class: "panel", role: "dialog", "aria-modal": "false", "aria-labelledby": "title", t: "chat-panel", hidden: true,
    onkeydown: (e) => { if (e.key === "Escape") { e.stopPropagation(); close(); } },
  }, h("header", {}, h("h2", { id: "title", text: T.title }), closeBtn),
  h("div", { class: "bar" }, conn, stateLine, refLine, info, error), body, bottom);
  root.append(h("div", { class: "w", lang }, launcher, panel));
  // Read to the end, the conversation stays at its end when the panel changes size (a
  // phone's keyboard opening) and when lines come; scrolled up, it stays where it is.
  let atEnd = true, height = 0;
  body.addEventListener("scroll", () => {
    if (body.clientHeight !== height) return; // moved by a change of size (the observer's)
    atEnd = body.scrollHeight - body.scrollTop - body.clientHeight < 40;
  });
  const toEnd = (always) => { if (always || atEnd) body.scrollTop = body.scrollHeight; };
  if (window.ResizeObserver) new ResizeObserver(() => { height = body.clientHeight; if (view === "chat") toEnd(); }).observe(body);

  // --- state ------------------------------------------------------------------------------
  let isOpen = false, opener = null, ws = null, online = false, want = false, refused = false;
  let tries = 0, timer = 0, pinger = 0, typingTimer = 0, typingSent = 0, busy = 0;
  let token = load(KEY), welcome = null, chat = null, dismissed = null, view;
  let lastSeq = 0, seen = new Set(), readSeq = 0, sentRead = 0, skipping = false;
  let intro = null, lastKind = null, justRated = false, files = [], topicsShown, sendAfterUpload = false;
  const pending = new Map(); // client_id → {client_id, text, attachments, inflight}: until acknowledged
  const mine = new Map(); // client_id → the visitor's message, shown at once

  // --- the connection ---------------------------------------------------------------------
  function connect() {
    want = true;
    if (ws || refused) return;
    clearTimeout(timer);
    let sock;
    try { sock = new WebSocket(C.socket); } catch (e) { return retry(); }
    ws = sock;
    if (!welcome) say(conn, T.connecting);
    sock.onopen = () => hello(lastSeq);
    sock.onmessage = (e) => { let m; try { m = JSON.parse(e.data); } catch (x) { return; } if (m && ws === sock) receive(m); };
    sock.onclose = (e) => {
      if (ws !== sock) return;
      lost();
      if (e.code === 4403) { refused = true; welcome = null; say(conn, ""); say(error, T.refused); setView(view); }
      else if (want) { say(conn, T.reconnecting); retry(); }
    };
  }
  // Offline, the browser says when it is back: no use trying before.
  const retry = () => { clearTimeout(timer); if (navigator.onLine !== false) timer = setTimeout(connect, Math.min(15000, 1000 * 2 ** tries++)); };
  // A connection lost with the network may stay open for long without a word: drop it at
  // once, and connect again as soon as the network is back.
  addEventListener("offline", () => {
    if (!ws) return;
    const s = ws; lost(); s.close(4000);
    if (want) { say(conn, T.reconnecting); retry(); }
  });
  addEventListener("online", () => { if (want && !ws && !refused) { tries = 0; connect(); } });
  function lost() { // what was on its way goes again on the next connection
    ws = null; online = false; clearInterval(pinger);
    for (const r of pending.values()) r.inflight = false;
  }
  function disconnect() {
    want = online = false; clearTimeout(timer); clearInterval(pinger);
    if (ws) { const s = ws; ws = null; s.close(1000); }
  }
  const send = (m) => !!ws && ws.readyState === 1 && (ws.send(JSON.stringify(m)), true);
  const hello = (after) => send({ type: "hello", token, language: lang, after, page: location.href });
  function request(m) { say(error, ""); lastKind = m.type; if (!send(m)) say(error, T.reconnecting); }

  function receive(m) {
    switch (m.type) {
      case "welcome": return onWelcome(m);
      case "state": return setChat(m.chat);
      case "entry": return addEntry(m);
      case "ack": return acked(m.client_id, m.seq);
      case "typing": return m.author === "agent" && showTyping();
      case "read": readSeq = Math.max(readSeq, m.seq | 0); return receipt();
      case "left": return onLeft(m.reference);
      case "transcript": return say(info, fmt(T.transcript_sent, { address: m.sent_to || "" }));
      case "error": return onError(m);
    }
  }

  function onWelcome(m) {
    welcome = m; online = true; tries = 0; skipping = false;
    say(conn, "");
    if (m.token) save(KEY, (token = m.token));
    clearInterval(pinger);
    pinger = setInterval(() => send({ type: "ping" }), 25000);
    fillForm(m);
    if (view === "form") { // the form, now that it says what it offers
      setView("form");
      if (isOpen && root.activeElement === closeBtn) fName.focus();
    }
    const current = m.chat && m.chat.id !== dismissed ? m.chat : null;
    if (current && chat && current.id !== chat.id && lastSeq) {
      resetLog(); skipping = true; // another chat than the one shown (another tab's): from its start
      return hello(0);
    }
    if (current) {
      setChat(current);
      for (const r of pending.values()) post(r);
    } else if (intro && intro.type === "start") {
      lastKind = "start"; send(intro); // lost with the connection: no chat was opened
    } else {
      intro = null; submit.disabled = false;
      if (view === "chat" && chat.state !== "ended") { chat = null; save(LIVE, null); setView("form"); }
    }
  }

  // --- before a chat ----------------------------------------------------------------------
  function fillForm(m) {
    const live = m.open && m.available;
    pre.dataset.mode = live ? "start" : "leave";
    say(note, (live ? T.available : m.open ? T.unavailable : T.closed) + (live && m.wait ? " " + minutes(m.wait) : "")); // no wait: nothing to say
    say(firstLabel, live ? T.first : T.message);
    say(submit, live ? T.start : T.leave);
    const topics = Array.isArray(m.topics) ? m.topics : [], key = JSON.stringify(topics);
    if (key !== topicsShown) {
      topicsShown = key;
      fTopic.replaceChildren(h("option", { value: "", text: "—" }), ...topics.map((t) => h("option", { value: t.key, text: t.name })));
      show(topicRow, topics.length);
    }
    consentText.replaceChildren(m.consent || "");
    const privacy = m.privacy && safeUrl(m.privacy);
    if (privacy) consentText.append(" ", h("a", { href: privacy, target: "_blank", rel: "noopener noreferrer", text: T.privacy }));
  }
  async function suggest() {
    const q = fText.value.trim();
    let found = [];
    if (q.length > 2) {
      try {
        const r = await fetch(C.suggest + "?language=" + lang + "&q=" + encodeURIComponent(q), { mode: "cors", credentials: "omit" });
        found = r.ok ? (await r.json()).articles || [] : [];
      } catch (e) { /* offline: no suggestions */ }
    }
    const links = found.map((a) => [safeUrl(a.url), a.title]).filter((a) => a[0]);
    sugg.replaceChildren(h("p", { text: T.suggested }), h("ul", {}, ...links.map(([u, t]) => h("li", {}, h("a", { href: u, target: "_blank", rel: "noopener", text: t })))));
    show(sugg, links.length);
  }
  function onIntro(e) {
    e.preventDefault();
    if (!welcome || intro) return;
    const type = pre.dataset.mode;
    intro = { type, name: fName.value.trim(), email: fEmail.value.trim(), topic: fTopic.value, consent: fConsent.checked, text: fText.value.trim() };
    if (type === "start") Object.assign(intro, { client_id: uuid(), page: location.href });
    submit.disabled = true;
    request(intro);
  }
  function onLeft(reference) {
    intro = null; submit.disabled = false; fText.value = "";
    if (reference) withRef(leftText, T.left, reference); else say(leftText, T.left_blank);
    show(leftMail, reference);
    setView("left");
    closeBtn.focus();
  }
  function restart() {
    if (chat) dismissed = chat.id;
    chat = null; save(LIVE, null); resetLog();
    fText.value = ""; fConsent.checked = false;
    for (const e of [stateLine, refLine, info]) say(e, "");
    setView("form");
    connect();
    fName.focus();
  }

  // --- the chat ---------------------------------------------------------------------------
  function setView(v) {
    view = v;
    show(pre, v === "form" && !!welcome); show(leftView, v === "left"); show(chatView, v === "chat"); show(bottom, v === "chat");
  }
  function setChat(s) {
    if (!s) return;
    if (chat && s.id !== chat.id) resetLog();
    if (intro) { intro = null; submit.disabled = false; fText.value = ""; }
    const first = view !== "chat", ended = s.state === "ended";
    chat = s;
    save(LIVE, ended ? null : "1");
    setView("chat");
    let line = T.ended;
    if (s.state === "queued") {
      const wait = s.wait != null ? s.wait : welcome && welcome.wait;
      line = [T.queued, s.position && fmt(T.position, { position: s.position }), wait > 0 && minutes(wait)].filter(Boolean).join(" ");
    } else if (s.state === "active") line = s.agent ? fmt(T.active, { agent: s.agent }) : T.active_anonymous;
    say(stateLine, line);
    stateLine.dataset.state = s.state;
    if (s.reference) withRef(refLine, T.reference, s.reference); else say(refLine, "");
    show(compose, !ended); show(staged, !ended); show(endBtn, !ended);
    show(rating, ended && !s.rated); show(rated, s.rated && justRated); show(again, ended);
    if (ended) toEnd(); // the rating, below the last lines
    if (first && isOpen && !ended) input.focus();
    markRead();
  }
  function resetLog() {
    log.replaceChildren(); seen = new Set(); lastSeq = readSeq = sentRead = 0; justRated = false;
    pending.clear(); mine.clear(); files = []; showFiles(); typing.hidden = true;
  }

  function entryEl(author, name, text, attachments, at) {
    const kind = ["customer", "agent"].includes(author) ? author : "system";
    const li = h("div", { class: kind, t: "chat-entry", "data-author": kind });
    if (kind !== "system") li.append(h("p", { class: "who", text: kind === "customer" ? T.you : name || T.agent }));
    if (text) li.append(kind === "system" ? refs(text) : h("p", { class: "txt", text }));
    const list = (attachments || []).map((a) => {
      const url = a.url && safeUrl(a.url), text = (a.name || "") + (a.size ? " (" + kb(a.size) + ")" : "");
      return h("li", {}, url ? h("a", { href: url, target: "_blank", rel: "noopener noreferrer", text }) : text);
    });
    if (list.length) li.append(h("ul", { class: "files" }, ...list));
    li.append(meta(at));
    return li;
  }
  function refs(text) { // a system line: its request number never broken at a hyphen
    const p = h("p", { class: "txt" });
    text.split(/([A-Z][A-Z0-9]{1,5}-\d{2}-\d{5,})/).forEach((part, i) => p.append(i % 2 ? h("span", { class: "ref", text: part }) : part));
    return p;
  }
  function meta(at) {
    const p = h("p", { class: "meta" }), d = new Date(at);
    if (at && !isNaN(d)) p.append(h("time", { datetime: at, text: d.toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" }) }));
    return p;
  }
  function note1(li, text) { // the status after a message's time: sending, not sent
    const p = li.querySelector(".meta");
    p.querySelector(".st")?.remove();
    if (text) p.append(h("span", { class: "st", text: (p.firstChild ? " · " : "") + text }));
    return p;
  }
  // Messages the server has stay above the ones still on their way.
  const place = (li) => log.insertBefore(li, [...log.querySelectorAll(":scope>.pending")].find((x) => x !== li) || null);

  function addEntry(m) {
    const seq = m.seq | 0;
    if (skipping || !seq || seen.has(seq)) return;
    seen.add(seq);
    lastSeq = Math.max(lastSeq, seq);
    const shown = m.client_id && mine.get(m.client_id);
    const li = entryEl(m.author, m.name, m.text, m.attachments, m.at);
    if (m.client_id) { pending.delete(m.client_id); mine.set(m.client_id, li); }
    if (shown) shown.replaceWith(li); // the visitor's own, as the server has it (its files' links)
    li.dataset.seq = seq;
    place(li);
    if (m.author === "agent") {
      typing.hidden = true;
      if (!isOpen) { dot.hidden = false; launcher.setAttribute("aria-label", T.launcher + " – " + T.new_messages); }
    }
    receipt(); markRead();
    toEnd();
  }
  function acked(id, seq) {
    const li = mine.get(id);
    pending.delete(id);
    if (!li) return;
    li.classList.remove("pending", "failed");
    note1(li, "");
    if (seq) li.dataset.seq = seq;
    place(li);
    receipt();
  }
  function receipt() {
    root.querySelector(".receipt")?.remove();
    const read = [...log.querySelectorAll(":scope>.customer[data-seq]")].filter((li) => +li.dataset.seq <= readSeq).pop();
    if (read) read.querySelector(".meta").append(h("span", { class: "receipt", t: "chat-read", text: " · " + T.read }));
  }
  function markRead() {
    if (isOpen && chat && online && document.visibilityState !== "hidden" && lastSeq > sentRead) {
      sentRead = lastSeq;
      send({ type: "read", seq: lastSeq });
    }
  }
  function showTyping() {
    say(typing, fmt(T.typing, { name: (chat && chat.agent) || T.agent }));
    typing.hidden = false;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => (typing.hidden = true), 6000);
  }

  // --- sending ----------------------------------------------------------------------------
  function post(r) {
    if (online && send({ type: "message", client_id: r.client_id, text: r.text, attachments: r.attachments })) {
      r.inflight = true; lastKind = "message";
    }
  }
  function onSend(e) {
    e.preventDefault();
    const text = input.value.trim();
    if (busy) { sendAfterUpload = true; return; } // Enter while a file is on its way: then
    if ((!text && !files.length) || !chat || chat.state === "ended") return;
    say(error, "");
    const r = { client_id: uuid(), text, attachments: files.map((f) => f.id) };
    const li = entryEl("customer", "", text, files);
    li.classList.add("pending");
    note1(li, T.sending);
    log.append(li);
    mine.set(r.client_id, li); pending.set(r.client_id, r);
    input.value = ""; files = []; showFiles();
    toEnd(true);
    post(r);
  }
  function onError(m) {
    const text = m.message || T.error, r = lastKind === "message" && [...pending.values()].find((x) => x.inflight);
    say(error, text);
    if (r) { // refused (too long, too many…): shown, not sent again by itself
      pending.delete(r.client_id);
      const li = mine.get(r.client_id);
      li.classList.replace("pending", "failed");
      note1(li, fmt(T.failed, { reason: text })).append(" ", button(T.retry, (e) => {
        e.target.remove(); li.classList.replace("failed", "pending"); note1(li, T.sending); pending.set(r.client_id, r); post(r);
      }, { class: "link" }));
    }
    if (lastKind === "start" || lastKind === "leave") { intro = null; submit.disabled = false; }
    lastKind = null;
  }
  function onKey(e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); compose.requestSubmit(); }
  }
  function onTyping() {
    const now = Date.now();
    if (chat && chat.state !== "ended" && now - typingSent > 3000 && send({ type: "typing" })) typingSent = now;
  }
  function onRate(e) {
    e.preventDefault();
    justRated = true;
    request({ type: "rate", score: +scores.querySelector("input:checked").value, comment: rComment.value.trim() });
  }

  async function upload(file) {
    if (!token || files.length + busy >= 5) return;
    busy++; sendBtn.disabled = true;
    const row = h("li", { text: file.name + " · " + T.uploading });
    staged.append(row);
    say(error, "");
    try {
      const form = new FormData();
      form.append("token", token);
      form.append("file", file);
      const r = await fetch(C.upload + "?language=" + lang, { method: "POST", body: form, mode: "cors", credentials: "omit" });
      const j = await r.json().catch(() => ({}));
      if (!r.ok || !j.id) throw new Error(j.message || T.upload_failed);
      files.push(j);
    } catch (x) {
      say(error, x instanceof TypeError ? T.upload_failed : x.message);
    }
    sendBtn.disabled = --busy > 0;
    row.remove(); showFiles();
    if (!busy && sendAfterUpload) { sendAfterUpload = false; compose.requestSubmit(); }
  }
  function showFiles() {
    staged.querySelectorAll(".file").forEach((e) => e.remove());
    for (const f of files) {
      staged.append(h("li", { class: "file" }, f.name + " (" + kb(f.size) + ") ", button("×", () => {
        files = files.filter((x) => x !== f); showFiles(); input.focus();
      }, { "aria-label": fmt(T.remove, { name: f.name }) })));
    }
  }

  // --- open and close ---------------------------------------------------------------------
  function open() {
    if (isOpen) return;
    isOpen = true;
    const active = document.activeElement;
    opener = active !== host && active !== document.body ? active : null;
    panel.hidden = false;
    dot.hidden = true;
    launcher.setAttribute("aria-expanded", "true");
    launcher.setAttribute("aria-label", T.launcher);
    connect();
    (view === "chat" && !compose.hidden ? input : !pre.hidden ? fName : closeBtn).focus(); // the form: once welcomed
    markRead();
  }
  function close() {
    if (!isOpen) return;
    isOpen = false;
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    (opener && opener.isConnected ? opener : launcher).focus();
    if ((!chat || chat.state === "ended") && !pending.size && !intro) disconnect();
  }

  function start() {
    document.body.append(host);
    for (const b of document.querySelectorAll("[data-guichet-chat-open]")) {
      b.hidden = false;
      b.addEventListener("click", open);
    }
    document.addEventListener("visibilitychange", markRead);
    if (load(LIVE)) connect(); // a chat under way, from another page: carry on at once
  }
  setView("form");
  window.GuichetChat = { open, close };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})
