/* Guichet desk: the live chat's console (docs/chat.md, "The console's protocol").

   One websocket to /chat/ws/staff/ (its address and every text come from the page's
   #chat-config). The server's messages draw the queue, the person's chats and their
   conversations; the customer's panel and the transfer form are desk pages loaded beside.

   Resilience, as the widget's: each chat keeps the highest `seq` received and ignores an
   entry it already has; a message carries its own `client_id` and shows "sending" until
   its `ack`; after a dropped connection the console reconnects (backing off), says `hello`
   with each chat's last `seq`, and sends again every message not yet acknowledged. A ping
   every 25 s keeps the connection and the agent's presence alive.

   Text from the server is only ever written with textContent. */
(function () {
  "use strict";

  var root = document.querySelector("[data-chat-console]");
  var configNode = document.getElementById("chat-config");
  if (!root || !configNode) return;
  var config = JSON.parse(configNode.textContent);
  var S = config.strings;

  var PING_MS = 25000;
  var TYPING_SEND_MS = 3000;
  var TYPING_SHOW_MS = 5000;
  var HISTORY_WAIT_MS = 2000;
  var MAX_BACKOFF_S = 30;
  var CLOSED_FOR_GOOD = [4401, 4403];
  var FAILURES_BEFORE_HINT = 3;

  var el = {
    connection: root.querySelector("[data-connection]"),
    alert: root.querySelector("[data-alert]"),
    presence: root.querySelector("[data-presence]"),
    queue: root.querySelector("[data-queue]"),
    queueEmpty: root.querySelector("[data-queue-empty]"),
    queueCount: root.querySelector("[data-queue-count]"),
    announce: root.querySelector("[data-announce]"),
    mine: root.querySelector("[data-mine]"),
    mineEmpty: root.querySelector("[data-mine-empty]"),
    none: root.querySelector("[data-none]"),
    conversation: root.querySelector("[data-conversation]"),
    name: root.querySelector("[data-chat-name]"),
    ticket: root.querySelector("[data-ticket-link]"),
    brand: root.querySelector("[data-chat-brand]"),
    state: root.querySelector("[data-chat-state]"),
    notice: root.querySelector("[data-notice]"),
    log: root.querySelector("[data-log]"),
    lines: root.querySelector("[data-lines]"),
    typing: root.querySelector("[data-typing]"),
    reply: root.querySelector("[data-reply]"),
    text: root.querySelector("[data-reply-text]"),
    transfer: root.querySelector("[data-transfer]"),
    transferBox: root.querySelector("[data-transfer-box]"),
    end: root.querySelector("[data-end]"),
    endAbusive: root.querySelector("[data-end-abusive]"),
    actions: root.querySelector("[data-chat-actions]"),
    customer: root.querySelector("[data-customer]"),
    abusive: document.querySelector("[data-abusive-dialog]")
  };

  // The server's clock, as the page was drawn: the queue's waits count from it.
  var clockSkew = config.now ? Date.parse(config.now) - Date.now() : 0;
  var baseTitle = document.title;

  var chats = {};          // id -> the chat (below, `chatOf`)
  var mineOrder = [];      // the ids of the person's chats, as the server ranks them
  var queueIds = null;     // the ids in the queue last drawn (null: not drawn yet)
  var current = null;      // the id of the chat shown
  var wanted = null;       // a chat accepted, to show once it is ours
  var socket = null;
  var attempt = 0;
  var retryTimer = null;
  var countdownTimer = null;
  var stopped = false;
  var status = config.status || "available";
  var lastTypingSent = 0;
  var alertTimer = null;
  var ALERT_MS = 10000;

  // --- small helpers -----------------------------------------------------------------------

  function fmt(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) {
      return values[key] === undefined ? "" : String(values[key]);
    });
  }

  function make(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function newClientId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function duration(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    var two = function (n) { return (n < 10 ? "0" : "") + n; };
    return h ? h + ":" + two(m) + ":" + two(s) : m + ":" + two(s);
  }

  function timeOf(iso) {
    var at = new Date(iso);
    if (isNaN(at.getTime())) return "";
    return at.toLocaleTimeString(document.documentElement.lang || undefined, { hour: "2-digit", minute: "2-digit" });
  }

  // Only our own pages (a path) or a web address: never a "javascript:" link.
  function safeHref(url) {
    return typeof url === "string" && (/^\/(?!\/)/.test(url) || /^https?:\/\//i.test(url)) ? url : null;
  }

  function levelText(level) {
    return typeof level === "number" ? fmt(S.level, { level: level }) : String(level || "");
  }

  function url(name, id) {
    return config.urls[name].replace("{id}", encodeURIComponent(id));
  }

  // --- the connection ----------------------------------------------------------------------

  function send(message) {
    if (!socket || socket.readyState !== WebSocket.OPEN) return false;
    socket.send(JSON.stringify(message));
    return true;
  }

  function setConnection(text, state) {
    el.connection.textContent = text;
    el.connection.setAttribute("data-state", state);
  }

  function connect() {
    if (stopped) return;
    clearTimeout(retryTimer);
    clearInterval(countdownTimer);
    setConnection(S.connecting, "connecting");
    try {
      socket = new WebSocket(config.socket);
    } catch (error) {
      retry();
      return;
    }
    socket.addEventListener("open", onOpen);
    socket.addEventListener("message", function (event) {
      var message;
      try { message = JSON.parse(event.data); } catch (error) { return; }
      if (message && typeof message.type === "string") receive(message);
    });
    socket.addEventListener("close", function (event) {
      socket = null;
      if (CLOSED_FOR_GOOD.indexOf(event.code) >= 0) {
        stopped = true;
        setConnection(S.signedOut, "closed");
        return;
      }
      retry();
    });
  }

  function onOpen() {
    attempt = 0;
    setConnection(S.connected, "open");
    hello();
    send({ type: "status", status: status });
    // Every message not yet acknowledged, again, with its own id: kept once by the server.
    Object.keys(chats).forEach(function (id) {
      chats[id].pending.forEach(function (item) {
        send({ type: "message", chat: chats[id].id, client_id: item.clientId, text: item.text });
      });
    });
  }

  function hello() {
    var known = {};
    Object.keys(chats).forEach(function (id) {
      if (!chats[id].gone) known[id] = chats[id].lastSeq;
    });
    // The page's language: the server words the topics and the chats' notices in it.
    send({ type: "hello", chats: known, language: document.documentElement.lang });
  }

  function retry() {
    if (stopped) return;
    var seconds = Math.min(MAX_BACKOFF_S, Math.pow(2, attempt));
    seconds = Math.max(1, Math.round(seconds * (0.5 + Math.random() * 0.5)));
    attempt += 1;
    var left = seconds;
    // Refused again and again: most likely signed out (the server refuses the handshake).
    var hint = attempt >= FAILURES_BEFORE_HINT ? S.signedOut + " " : "";
    setConnection(hint + fmt(S.reconnecting, { seconds: left }), "waiting");
    countdownTimer = setInterval(function () {
      left -= 1;
      if (left > 0) setConnection(hint + fmt(S.reconnecting, { seconds: left }), "waiting");
    }, 1000);
    retryTimer = setTimeout(connect, seconds * 1000);
  }

  window.addEventListener("online", function () {
    if (!socket && !stopped) connect();
  });

  setInterval(function () { send({ type: "ping" }); }, PING_MS);

  // --- what the server says ----------------------------------------------------------------

  function receive(message) {
    switch (message.type) {
      case "queue": drawQueue(message.chats || []); break;
      case "mine": takeMine(message.chats || []); break;
      case "state": takeState(message.chat); break;
      case "status": takeStatus(message.status); break;
      case "entry": takeEntry(message); break;
      case "ack": takeAck(message); break;
      case "typing": takeTyping(message); break;
      case "read": takeRead(message); break;
      case "error": takeError(message); break;
      default: break;
    }
  }

  function chatOf(id) {
    var key = String(id);
    if (!chats[key]) {
      chats[key] = {
        id: id,
        data: null,          // the chat's state object (from `mine`)
        lastSeq: 0,
        items: {},           // seq -> its line in the log
        lines: [],           // the log's lines, in order (kept off the page while not shown)
        pending: [],         // {clientId, text, line}: sent, not yet acknowledged
        agentRead: 0,        // how far this person has read
        customerRead: 0,     // how far the customer has read
        customerSeqs: [],    // the customer's entries (for the unread count)
        typingUntil: 0,
        gone: false,
        historyAsked: false
      };
    }
    return chats[key];
  }

  // The queue: the whole queue each time; a chat not seen before is flagged and announced.
  function drawQueue(list) {
    var before = queueIds;
    queueIds = {};
    el.queue.textContent = "";
    var fresh = [];
    list.forEach(function (item) {
      queueIds[item.id] = true;
      var isNew = before !== null && !before[item.id];
      if (isNew) fresh.push(item);
      el.queue.appendChild(queueItem(item, isNew));
    });
    el.queueEmpty.hidden = list.length > 0;
    el.queueCount.textContent = String(list.length);
    el.queueCount.classList.toggle("is-alert", list.length > 0);
    if (fresh.length) {
      el.announce.textContent = fresh.map(function (item) {
        return fmt(S.newChat, { name: item.name || S.visitor });
      }).join(" ");
    }
    updateTitle(list.length);
    tickWaits();
  }

  function queueItem(item, isNew) {
    var name = item.name || S.visitor;
    var li = make("li", "queue-item" + (isNew ? " is-new" : ""));
    li.setAttribute("data-testid", "queue-item");
    li.setAttribute("data-chat", item.id);
    var top = make("p", "queue-top");
    top.appendChild(make("strong", "queue-name", name));
    var wait = make("span", "queue-wait");
    wait.setAttribute("data-since", item.waiting_since || "");
    top.appendChild(wait);
    li.appendChild(top);
    var meta = make("p", "queue-meta");
    if (item.brand) meta.appendChild(make("span", "badge", item.brand));
    if (item.level !== undefined && item.level !== null) meta.appendChild(make("span", "badge level", levelText(item.level)));
    if (item.topic) meta.appendChild(make("span", "badge", item.topic));
    if (item.reference) meta.appendChild(make("span", "queue-ref", item.reference));
    li.appendChild(meta);
    if (item.preview) li.appendChild(make("p", "snippet queue-preview", item.preview));
    var accept = make("button", "queue-accept", S.accept);
    accept.type = "button";
    accept.setAttribute("data-accept", item.id);
    accept.setAttribute("data-testid", "accept-button");
    accept.setAttribute("aria-label", fmt(S.acceptLabel, { name: name }));
    if (wanted !== null && String(wanted) === String(item.id)) accept.disabled = true;
    li.appendChild(accept);
    return li;
  }

  function tickWaits() {
    var now = Date.now() + clockSkew;
    el.queue.querySelectorAll("[data-since]").forEach(function (node) {
      var since = Date.parse(node.getAttribute("data-since"));
      node.textContent = isNaN(since) ? "" : fmt(S.waiting, { time: duration((now - since) / 1000) });
    });
  }
  setInterval(tickWaits, 1000);

  function updateTitle(waiting) {
    document.title = waiting > 0 ? fmt(S.titleWaiting, { count: waiting }) + " " + baseTitle : baseTitle;
  }

  // The person's chats: what the server lists now; one that left the list (ended elsewhere,
  // transferred) stays, marked, until the person removes it.
  function takeMine(list) {
    var listed = {};
    mineOrder = [];
    list.forEach(function (data) {
      var chat = chatOf(data.id);
      setData(chat, data);
      chat.gone = false;
      listed[chat.id] = true;
      mineOrder.push(String(data.id));
      if (chat.lastSeq === 0 && !chat.historyAsked) askHistoryLater(chat);
    });
    Object.keys(chats).forEach(function (id) {
      var chat = chats[id];
      if (chat.data && !listed[chat.id] && !chat.gone) chat.gone = true;
    });
    drawMine();
    if (wanted !== null && listed[wanted]) {
      var id = wanted;
      wanted = null;
      select(id, true);
    } else if (current !== null) {
      drawHead();
    }
  }

  function setData(chat, data) {
    chat.data = data;
    if (typeof data.customer_read === "number") chat.customerRead = Math.max(chat.customerRead, data.customer_read);
  }

  // A chat of ours changed (its state, how far the customer read).
  function takeState(data) {
    if (!data || data.id === undefined || !chats[String(data.id)]) return;
    var chat = chats[String(data.id)];
    setData(chat, data);
    if (data.state !== "active") chat.gone = true;
    if (String(current) === String(chat.id)) {
      drawHead();
      drawReceipt(chat);
    } else {
      drawMine();
    }
  }

  // The server says what it took as the person's availability.
  function takeStatus(value) {
    if (value !== "available" && value !== "away") return;
    status = value;
    el.presence.setAttribute("aria-checked", value === "available" ? "true" : "false");
  }

  // A chat that became ours (accepted, transferred to us) whose lines have not come: ask
  // for them as a reconnection does.
  function askHistoryLater(chat) {
    chat.historyAsked = true;
    setTimeout(function () {
      if (chat.lastSeq === 0 && !chat.gone) hello();
    }, HISTORY_WAIT_MS);
  }

  function unreadOf(chat) {
    return chat.customerSeqs.filter(function (seq) { return seq > chat.agentRead; }).length;
  }

  function drawMine() {
    el.mine.textContent = "";
    var ids = mineOrder.slice();
    Object.keys(chats).forEach(function (id) {
      if (chats[id].gone && chats[id].data) ids.push(id);
    });
    ids.forEach(function (id) {
      var chat = chats[id];
      var data = chat.data;
      var li = make("li", "mine-item" + (chat.gone ? " is-gone" : ""));
      li.setAttribute("data-chat", chat.id);
      var button = make("button", "mine-open");
      button.type = "button";
      button.setAttribute("data-open", chat.id);
      button.setAttribute("data-testid", "mine-item");
      if (String(current) === String(chat.id)) button.setAttribute("aria-current", "true");
      button.appendChild(make("span", "mine-name", (data.contact && data.contact.name) || S.visitor));
      var sub = make("span", "mine-sub", [data.reference, stateText(chat)].filter(Boolean).join(" · "));
      button.appendChild(sub);
      var unread = unreadOf(chat);
      if (unread > 0) {
        var badge = make("span", "count");
        badge.appendChild(make("span", null, String(unread)));
        badge.appendChild(make("span", "visually-hidden", " " + fmt(S.unread, { count: unread })));
        button.appendChild(badge);
      }
      li.appendChild(button);
      if (chat.gone || data.state === "ended") {
        var dismiss = make("button", "link mine-dismiss", S.dismiss);
        dismiss.type = "button";
        dismiss.setAttribute("data-dismiss", chat.id);
        li.appendChild(dismiss);
      }
      el.mine.appendChild(li);
    });
    el.mineEmpty.hidden = ids.length > 0;
  }

  function stateText(chat) {
    if (chat.gone) return chat.ending || (chat.data && chat.data.state === "ended") ? S.endedState : S.notMine;
    var state = chat.data && chat.data.state;
    return state === "queued" ? S.queued : state === "ended" ? S.endedState : S.active;
  }

  function isOpen(chat) {
    return chat && chat.data && !chat.gone && chat.data.state === "active";
  }

  // One line of a conversation.
  function entryLine(entry) {
    var author = entry.author === "customer" || entry.author === "agent" ? entry.author : "system";
    var li = make("li", "entry entry-" + author);
    if (entry.seq) li.setAttribute("data-seq", entry.seq);
    if (author !== "system") {
      var meta = make("p", "entry-meta");
      meta.appendChild(make("span", "entry-name", entry.name || (author === "customer" ? S.visitor : S.you)));
      if (entry.at) {
        var time = make("time", null, timeOf(entry.at));
        time.setAttribute("datetime", entry.at);
        meta.appendChild(time);
      }
      li.appendChild(meta);
    }
    li.appendChild(make("p", "entry-text", entry.text || ""));
    var files = Array.isArray(entry.attachments) ? entry.attachments : [];
    if (files.length) {
      var list = make("ul", "entry-files");
      files.forEach(function (file) {
        var item = make("li");
        var href = safeHref(file.url);
        var link = make(href ? "a" : "span", null, file.name || "");
        if (href) {
          link.href = href;
          link.setAttribute("aria-label", fmt(S.attachment, { name: file.name || "" }));
        }
        item.appendChild(link);
        list.appendChild(item);
      });
      li.appendChild(list);
    }
    if (author === "agent") li.appendChild(make("span", "entry-state"));
    return li;
  }

  function setLineState(line, text, kind) {
    var node = line.querySelector(".entry-state");
    if (!node) {
      node = make("span", "entry-state");
      line.appendChild(node);
    }
    node.textContent = text;
    line.classList.toggle("is-sending", kind === "sending");
    line.classList.toggle("is-failed", kind === "failed");
  }

  function appendLine(chat, line) {
    chat.lines.push(line);
    if (String(current) === String(chat.id)) {
      var atBottom = el.log.scrollHeight - el.log.scrollTop - el.log.clientHeight < 40;
      el.lines.appendChild(line);
      if (atBottom || line.classList.contains("is-sending")) el.log.scrollTop = el.log.scrollHeight;
    }
  }

  function takeEntry(entry) {
    if (entry.chat === undefined || typeof entry.seq !== "number") return;
    var chat = chatOf(entry.chat);
    var known = chat.items[entry.seq];
    if (known) {
      // Already have it; a line of ours drawn as typed takes the server's name and time.
      if (known.hasAttribute("data-local")) {
        refill(known, entry);
        if (String(current) === String(chat.id)) drawReceipt(chat);
      }
      return;
    }
    var line = null;
    if (entry.client_id) {
      var index = chat.pending.findIndex(function (p) { return p.clientId === entry.client_id; });
      if (index >= 0) {
        line = chat.pending[index].line;
        chat.pending.splice(index, 1);
        refill(line, entry);
      }
    }
    if (!line) {
      line = entryLine(entry);
      appendLine(chat, line);
    }
    chat.items[entry.seq] = line;
    chat.lastSeq = Math.max(chat.lastSeq, entry.seq);
    if (entry.author === "customer") {
      chat.customerSeqs.push(entry.seq);
      chat.typingUntil = 0;
      if (String(current) === String(chat.id)) drawTyping();
    }
    if (isShown(chat)) markRead(chat);
    else if (entry.author === "customer") drawMine();
    if (String(current) === String(chat.id)) drawReceipt(chat);
  }

  function refill(line, entry) {
    var fresh = entryLine(entry);
    line.replaceChildren.apply(line, Array.prototype.slice.call(fresh.childNodes));
    line.className = fresh.className;
    line.setAttribute("data-seq", entry.seq);
    line.removeAttribute("data-local");
  }

  function takeAck(message) {
    Object.keys(chats).forEach(function (id) {
      var chat = chats[id];
      var index = chat.pending.findIndex(function (p) { return p.clientId === message.client_id; });
      if (index < 0) return;
      var item = chat.pending[index];
      chat.pending.splice(index, 1);
      if (typeof message.seq === "number" && chat.items[message.seq] && chat.items[message.seq] !== item.line) {
        // The entry came first, without our id: the line drawn for it stands.
        item.line.remove();
        chat.lines = chat.lines.filter(function (l) { return l !== item.line; });
        return;
      }
      setLineState(item.line, "", "sent");
      if (typeof message.seq === "number") {
        item.line.setAttribute("data-local", "");
        item.line.setAttribute("data-seq", message.seq);
        chat.items[message.seq] = item.line;
      }
      if (String(current) === String(chat.id)) drawReceipt(chat);
    });
  }

  function takeTyping(message) {
    var chat = chats[String(message.chat)];
    if (!chat) return;
    chat.typingUntil = Date.now() + TYPING_SHOW_MS;
    if (String(current) === String(chat.id)) drawTyping();
  }

  function drawTyping() {
    var chat = current !== null ? chats[String(current)] : null;
    var on = chat && isOpen(chat) && chat.typingUntil > Date.now();
    var name = chat && chat.data && chat.data.contact && chat.data.contact.name;
    el.typing.textContent = on ? fmt(S.typing, { name: name || S.visitor }) : "";
  }
  setInterval(drawTyping, 1000);

  function takeRead(message) {
    var chat = chats[String(message.chat)];
    if (!chat || typeof message.seq !== "number") return;
    chat.customerRead = Math.max(chat.customerRead, message.seq);
    if (String(current) === String(chat.id)) drawReceipt(chat);
  }

  // "Read" under the last of the agents' lines the customer has read.
  function drawReceipt(chat) {
    var best = null, bestSeq = 0;
    chat.lines.forEach(function (line) {
      if (!line.classList.contains("entry-agent")) return;
      var seq = Number(line.getAttribute("data-seq"));
      if (line.classList.contains("is-read")) {
        line.classList.remove("is-read");
        setLineState(line, "", "sent");
      }
      if (seq && seq <= chat.customerRead && seq > bestSeq) { best = line; bestSeq = seq; }
    });
    if (best) {
      best.classList.add("is-read");
      setLineState(best, S.read, "sent");
    }
  }

  function takeError(message) {
    var text = message.message || message.code || "";
    if (message.client_id) {
      var found = false;
      Object.keys(chats).forEach(function (id) {
        var chat = chats[id];
        var index = chat.pending.findIndex(function (p) { return p.clientId === message.client_id; });
        if (index < 0) return;
        var line = chat.pending[index].line;
        chat.pending.splice(index, 1);  // refused: not sent again
        setLineState(line, S.failed + (text ? " — " + text : ""), "failed");
        found = true;
      });
      if (found) return;
    }
    if (message.chat !== undefined && String(message.chat) === String(wanted)) wanted = null;
    el.queue.querySelectorAll("[data-accept]").forEach(function (b) { b.disabled = false; });
    if (message.chat !== undefined && current !== null && String(message.chat) === String(current)) showNotice(text);
    else showAlert(text);
  }

  // What concerns the chat shown, above its conversation.
  function showNotice(text) {
    el.notice.textContent = text;
    el.notice.hidden = !text;
  }

  // What concerns the console (a chat someone else accepted first…), for a while.
  function showAlert(text) {
    clearTimeout(alertTimer);
    el.alert.textContent = text;
    el.alert.hidden = !text;
    if (text) alertTimer = setTimeout(function () { showAlert(""); }, ALERT_MS);
  }

  // --- the conversation shown --------------------------------------------------------------

  function isShown(chat) {
    return String(current) === String(chat.id) && document.visibilityState === "visible";
  }

  function markRead(chat) {
    if (chat.lastSeq > chat.agentRead && isOpen(chat)) {
      chat.agentRead = chat.lastSeq;
      send({ type: "read", chat: chat.id, seq: chat.lastSeq });
    } else {
      chat.agentRead = Math.max(chat.agentRead, chat.lastSeq);
    }
    drawMine();
  }

  function select(id, focusReply) {
    var chat = chats[String(id)];
    if (!chat || !chat.data) return;
    var changed = String(current) !== String(chat.id);
    current = chat.id;
    el.none.hidden = true;
    el.conversation.hidden = false;
    if (changed) {
      el.lines.textContent = "";
      chat.lines.forEach(function (line) { el.lines.appendChild(line); });
      el.log.scrollTop = el.log.scrollHeight;
      el.text.value = "";
      closeTransfer(false);
      showNotice("");
      loadCustomer(chat);
    }
    drawHead();
    drawTyping();
    drawReceipt(chat);
    markRead(chat);
    if (focusReply && !el.text.disabled) el.text.focus();
  }

  function drawHead() {
    var chat = current !== null ? chats[String(current)] : null;
    if (!chat || !chat.data) return;
    var data = chat.data;
    el.name.textContent = (data.contact && data.contact.name) || S.visitor;
    el.ticket.textContent = data.reference || "";
    var href = safeHref(data.ticket_url);
    if (href) el.ticket.href = href; else el.ticket.removeAttribute("href");
    el.brand.textContent = data.brand || "";
    el.state.textContent = stateText(chat);
    var open = isOpen(chat);
    el.text.disabled = !open;
    el.reply.querySelector("button[type=submit]").disabled = !open;
    el.transfer.disabled = !open;
    el.end.disabled = !open;
    el.endAbusive.disabled = !open;
    // A chat ended or gone: nothing left to do here (the ticket's page goes on with it).
    if (!open && el.reply.contains(document.activeElement)) el.log.focus();
    el.actions.hidden = !open;
    el.reply.hidden = !open;
    if (data.state === "ended") {
      var reason = data.end_reason && S["reason_" + data.end_reason];
      showNotice(reason ? fmt(S.endedBecause, { reason: reason }) : S.ended);
    } else if (chat.gone) {
      showNotice(chat.ending ? S.ended : S.gone);
    }
    drawMine();
  }

  function loadCustomer(chat) {
    if (!window.htmx) return;
    window.htmx.ajax("GET", url("customer", chat.id), { target: el.customer, swap: "innerHTML" });
  }

  // A panel that answers an error, or answers for a chat no longer shown, is not drawn.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (target !== el.customer && target !== el.transferBox) return;
    var path = event.detail.pathInfo && event.detail.pathInfo.requestPath;
    var expected = current === null ? null : url(target === el.customer ? "customer" : "transfer", current);
    if (event.detail.xhr.status >= 400) {
      event.detail.shouldSwap = false;
      target.textContent = "";
      target.appendChild(make("p", "chat-load-error", S.loadFailed));
    } else if (expected === null || (path && path.split("?")[0] !== expected)) {
      event.detail.shouldSwap = false;
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target !== el.transferBox) return;
    var first = el.transferBox.querySelector("select:not([disabled])");
    if (first) first.focus();
  });

  // --- what the person does ----------------------------------------------------------------

  root.addEventListener("click", function (event) {
    var target = event.target.closest("button, a");
    if (!target || !root.contains(target)) return;
    if (target.hasAttribute("data-accept")) {
      var id = Number(target.getAttribute("data-accept"));
      if (send({ type: "accept", chat: id })) {
        wanted = id;
        target.disabled = true;
      }
    } else if (target.hasAttribute("data-open")) {
      select(target.getAttribute("data-open"), true);
    } else if (target.hasAttribute("data-dismiss")) {
      dismiss(target.getAttribute("data-dismiss"));
    } else if (target === el.presence) {
      setStatus(status === "available" ? "away" : "available");
    } else if (target === el.transfer) {
      if (el.transferBox.hidden) openTransfer(); else closeTransfer(true);
    } else if (target.hasAttribute("data-transfer-cancel")) {
      closeTransfer(true);
    } else if (target === el.end) {
      if (current !== null) endChat(chats[String(current)], false);
    } else if (target === el.endAbusive) {
      if (current !== null && el.abusive) el.abusive.showModal();
    }
  });

  if (el.abusive) {
    el.abusive.addEventListener("close", function () {
      var chat = current !== null ? chats[String(current)] : null;
      if (el.abusive.returnValue === "confirm" && chat) endChat(chat, true);
      el.abusive.returnValue = "";
      el.endAbusive.focus();
    });
  }

  function endChat(chat, abusive) {
    if (send({ type: "end", chat: chat.id, abusive: abusive })) chat.ending = true;
  }

  function dismiss(id) {
    var chat = chats[String(id)];
    if (!chat) return;
    delete chats[String(id)];
    if (String(current) === String(id)) {
      current = null;
      el.conversation.hidden = true;
      el.none.hidden = false;
      el.customer.textContent = "";
    }
    drawMine();
    var next = el.mine.querySelector("[data-open]");
    (next || document.getElementById("mine-title")).focus();
  }

  function setStatus(value) {
    status = value;
    el.presence.setAttribute("aria-checked", value === "available" ? "true" : "false");
    send({ type: "status", status: value });
  }

  function openTransfer() {
    if (current === null) return;
    el.transferBox.hidden = false;
    el.transfer.setAttribute("aria-expanded", "true");
    el.transferBox.textContent = "";
    if (window.htmx) {
      window.htmx.ajax("GET", url("transfer", current), { target: el.transferBox, swap: "innerHTML" });
    }
  }

  function closeTransfer(focusButton) {
    el.transferBox.hidden = true;
    el.transferBox.textContent = "";
    el.transfer.setAttribute("aria-expanded", "false");
    if (focusButton) el.transfer.focus();
  }

  root.addEventListener("change", function (event) {
    // A colleague or a level: choosing one clears the other.
    var form = event.target.closest("[data-transfer-form]");
    if (!form || event.target.tagName !== "SELECT" || !event.target.value) return;
    form.querySelectorAll("select").forEach(function (select) {
      if (select !== event.target) select.value = "";
    });
  });

  root.addEventListener("submit", function (event) {
    var form = event.target;
    if (form === el.reply) {
      event.preventDefault();
      sendReply();
    } else if (form.hasAttribute("data-transfer-form")) {
      event.preventDefault();
      transfer(form);
    } else if (form.hasAttribute("data-canned")) {
      event.preventDefault();
      insertCanned(form);
    }
  });

  function transfer(form) {
    var chat = current !== null ? chats[String(current)] : null;
    if (!chat) return;
    var to = form.querySelector("[name=to]").value;
    var level = form.querySelector("[name=level]").value;
    var error = form.querySelector("[data-transfer-error]");
    if (!to && !level) {
      error.textContent = S.transferChoose;
      form.querySelector("select:not([disabled])").focus();
      return;
    }
    var message = { type: "transfer", chat: chat.id };
    if (to) message.to = Number(to); else message.level = Number(level);
    send(message);
    closeTransfer(true);
  }

  function insertCanned(form) {
    var select = form.querySelector("select");
    var address = select && select.value;
    if (!address || address.charAt(0) !== "/") return;
    fetch(address, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (answer) {
        var text = typeof answer.text === "string" ? answer.text : "";
        var draft = el.text.value.replace(/\s+$/, "");
        el.text.value = draft ? draft + "\n\n" + text : text;
        el.text.focus();
        el.text.setSelectionRange(el.text.value.length, el.text.value.length);
      })
      .catch(function () { showAlert(S.loadFailed); });
  }

  function sendReply() {
    var chat = current !== null ? chats[String(current)] : null;
    var text = el.text.value.trim();
    if (!chat || !text || !isOpen(chat)) return;
    if (el.text.maxLength > 0 && text.length > el.text.maxLength) {
      showNotice(fmt(S.tooLong, { limit: el.text.maxLength }));
      return;
    }
    var item = {
      clientId: newClientId(),
      text: text,
      line: entryLine({ author: "agent", name: S.you, text: text, at: new Date().toISOString() })
    };
    setLineState(item.line, S.sending, "sending");
    chat.pending.push(item);
    appendLine(chat, item.line);
    el.text.value = "";
    lastTypingSent = 0;
    // Not connected: it leaves with the others once the connection is back.
    send({ type: "message", chat: chat.id, client_id: item.clientId, text: text });
  }

  el.text.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      sendReply();
    }
  });

  el.text.addEventListener("input", function () {
    var chat = current !== null ? chats[String(current)] : null;
    if (!chat || !isOpen(chat) || !el.text.value) return;
    var now = Date.now();
    if (now - lastTypingSent > TYPING_SEND_MS) {
      lastTypingSent = now;
      send({ type: "typing", chat: chat.id });
    }
  });

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && current !== null && chats[String(current)]) {
      markRead(chats[String(current)]);
    }
  });

  connect();
})();
