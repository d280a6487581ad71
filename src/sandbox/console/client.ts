/**
 * The console's browser script (plain ES2020, no framework, no build): applies each state pushed
 * on `/sandbox/events` to the page and turns clicks into calls to `/sandbox/api/...`. Parts of
 * the page are replaced only when their HTML changed, and the thread composers and modal inputs
 * are kept across updates, so typing is never lost to a refresh. Kept free of backticks and
 * dollar-brace so it can live in this string.
 */
export const CONSOLE_SCRIPT = String.raw`
(function () {
  "use strict";
  var base = location.pathname.replace(/\/+$/, "");
  var state = null;
  var offsetMs = 0;
  var $ = function (sel, root) { return (root || document).querySelector(sel); };

  function esc(text) {
    return String(text).replace(/[&<>"']/g, function (ch) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[ch];
    });
  }

  var toastTimer = 0;
  function toast(text, isError) {
    var el = $("#toast");
    el.textContent = text;
    el.className = "toast" + (isError ? " error" : "");
    el.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { el.hidden = true; }, 4000);
  }

  function api(path, body) {
    return fetch(base + "/api/" + path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body || {}),
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (json) {
        if (!res.ok) {
          toast("Refused: " + (json.error || res.status), true);
          throw new Error(json.error || String(res.status));
        }
        return json;
      });
    });
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function fmtTime(ms) {
    var d = new Date(ms);
    return pad(d.getHours()) + ":" + pad(d.getMinutes());
  }
  function fmtDateTime(ms) {
    var d = new Date(ms);
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " +
      pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
  }
  function tickClock() {
    $("#clock-now").textContent = fmtDateTime(Date.now() + offsetMs);
    var hours = offsetMs / 3600000;
    $("#clock-offset").textContent = offsetMs > 0
      ? "(+" + (Math.round(hours * 10) / 10) + " h ahead)" : "(real time)";
  }
  setInterval(tickClock, 1000);

  /** Replaces an element's HTML only when it changed (keeps focus, selection and scroll). */
  function setHtml(el, html) {
    if (el.__html === html) return false;
    el.__html = html;
    el.innerHTML = html;
    return true;
  }

  var TICKS = {
    pending: '<span class="ticks" title="queued">🕓</span>',
    sent: '<span class="ticks sent" title="sent">✓</span>',
    delivered: '<span class="ticks delivered" title="delivered">✓✓</span>',
    read: '<span class="ticks read" title="read">✓✓</span>',
    failed: '<span class="ticks failed" title="failed">✗</span>',
  };
  var AUTHORS = { bot: "🤖 AI", agent: "🧑‍💻 Agent", system: "⚙️ Service" };

  function bubble(m) {
    var who = m.direction === "out" && m.author ? '<div class="who">' + esc(AUTHORS[m.author] || m.author) + "</div>" : "";
    var ticks = m.ticks ? TICKS[m.ticks] || "" : "";
    var err = m.error ? '<div class="err">✗ ' + esc(m.error) + "</div>" : "";
    var buttons = m.buttons.length
      ? '<div class="wa-buttons">' + m.buttons.map(function (b) {
          return '<button type="button" class="wa-reply-btn" data-reply-id="' + esc(b.id) +
            '" data-reply-title="' + esc(b.title) + '" data-message-id="' + m.id + '">' + esc(b.title) + "</button>";
        }).join("") + "</div>"
      : "";
    return '<div class="wa-bubble ' + m.direction + '" data-id="' + m.id + '" data-ticks="' + (m.ticks || "") + '">' +
      who + '<div class="wa-text">' + m.html + "</div>" + buttons + err +
      '<div class="meta">' + fmtTime(m.at) + ticks + "</div></div>";
  }

  function renderPhone() {
    var list = $("#phone-messages");
    var nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    var day = "";
    var html = state.phone.map(function (m) {
      // A day chip where the date changes: moving the clock shows up as "tomorrow" on the phone.
      var d = fmtDateTime(m.at).slice(0, 10);
      var chip = d !== day ? '<div class="wa-day">' + d + "</div>" : "";
      day = d;
      return chip + bubble(m);
    }).join("");
    if (setHtml(list, html) && nearBottom) list.scrollTop = list.scrollHeight;
  }

  function messageHtml(m) {
    var reactions = m.reactions.length
      ? '<div class="reactions">' + m.reactions.map(function (r) {
          return '<span class="reaction" title=":' + esc(r.name) + ':">' + esc(r.emoji) + " 1</span>";
        }).join("") + "</div>"
      : "";
    return '<div class="msg' + (m.bot ? " bot" : "") + (m.ephemeral ? " ephemeral" : "") + '" data-ts="' + esc(m.ts) + '">' +
      '<div class="avatar">' + (m.bot ? "🌉" : "🧑") + "</div>" +
      '<div class="msg-body"><div class="msg-head"><b>' + esc(m.author) + "</b>" + (m.bot ? '<span class="app">APP</span>' : "") +
      (m.edited ? ' <span class="muted">(edited)</span>' : "") + "</div>" +
      '<div class="msg-content">' + m.html + "</div>" + reactions + "</div></div>";
  }

  function threadElement(ts) {
    var el = document.querySelector('.thread[data-thread-ts="' + CSS.escape(ts) + '"]');
    if (el) return el;
    el = document.createElement("article");
    el.className = "thread";
    el.setAttribute("data-thread-ts", ts);
    el.innerHTML = '<div class="root"></div><div class="replies"></div>' +
      '<form class="composer"><input name="text" autocomplete="off" placeholder="Reply in thread (goes to WhatsApp)">' +
      '<button type="submit" class="send">Reply</button>' +
      '<button type="button" class="note" title="Starts with the note prefix: stays in Slack">🔒 Note</button></form>';
    return el;
  }

  function renderSlack() {
    var box = $("#threads");
    var main = $(".slack-main");
    var nearBottom = main.scrollHeight - main.scrollTop - main.clientHeight < 120;
    var before = main.scrollHeight;
    if (state.threads.length === 0) {
      setHtml(box, '<p class="empty">No handoff yet. Ask for a person on the phone ("mau bicara dengan admin").</p>');
    } else {
      if (box.__html !== undefined) { box.innerHTML = ""; box.__html = undefined; }
      state.threads.forEach(function (t, i) {
        var el = threadElement(t.ts);
        if (box.children[i] !== el) box.insertBefore(el, box.children[i] || null);
        setHtml($(".root", el), messageHtml(t.root));
        setHtml($(".replies", el), t.replies.map(messageHtml).join(""));
      });
    }
    setHtml($("#channel-notices"), state.channelNotices.map(messageHtml).join(""));
    $("#channel-id").textContent = state.channel;
    setHtml($("#home"), state.home ? state.home.html : '<p class="empty">Opening the Home tab…</p>');
    // Follow new messages like Slack does, unless the agent scrolled up to read.
    if (nearBottom && main.scrollHeight !== before) main.scrollTop = main.scrollHeight;
  }

  function renderModal() {
    var box = $("#modal");
    var m = state.modal;
    if (!m) { box.hidden = true; setHtml(box, ""); return; }
    var kept = {};
    box.querySelectorAll("[data-block-id][data-action-id]").forEach(function (input) {
      if (input.tagName !== "BUTTON") kept[input.getAttribute("data-block-id")] = input.value;
    });
    var html = '<div class="modal" role="dialog" aria-modal="true" data-view-id="' + esc(m.id) + '">' +
      '<div class="modal-title">' + esc(m.title) + "</div>" +
      '<div class="modal-body">' + m.html + "</div>" +
      '<div class="modal-foot"><button type="button" class="cancel">' + esc(m.close) + "</button>" +
      (m.submit ? '<button type="button" class="submit">' + esc(m.submit) + "</button>" : "") + "</div></div>";
    if (setHtml(box, html)) {
      box.querySelectorAll("[data-block-id][data-action-id]").forEach(function (input) {
        var id = input.getAttribute("data-block-id");
        if (input.tagName !== "BUTTON" && input.tagName !== "SELECT" && kept[id]) input.value = kept[id];
      });
    }
    box.hidden = false;
  }

  function renderTop() {
    offsetMs = state.clockOffsetMs;
    tickClock();
    $("#customer-name").textContent = state.customer.name;
    $("#model-label").textContent = state.model.label;
    var model = $("#fail-model");
    model.disabled = !state.model.canFail;
    model.title = state.model.why;
    // A disabled button shows no tooltip in every browser: its wrapper carries it too.
    $("#fail-model-tip").title = state.model.why;
    $("#status-reports").checked = state.statusReports;
  }

  function apply(next) {
    state = next;
    renderTop();
    renderPhone();
    renderSlack();
    renderModal();
    document.body.setAttribute("data-ready", "true");
  }

  function connect() {
    var conn = $("#conn");
    var source = new EventSource(base + "/events");
    source.addEventListener("state", function (e) { apply(JSON.parse(e.data)); });
    source.onopen = function () { conn.textContent = "● live"; conn.className = "conn live"; };
    source.onerror = function () { conn.textContent = "reconnecting…"; conn.className = "conn"; };
  }

  // Phone
  $("#phone-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var input = $("#phone-input");
    var text = input.value.trim();
    if (!text) return;
    api("customer/text", { text: text }).then(function () { input.value = ""; });
  });
  $("#send-image").addEventListener("click", function () {
    var caption = $("#phone-input").value.trim();
    api("customer/image", caption ? { caption: caption } : {}).then(function () { $("#phone-input").value = ""; });
  });
  $("#send-location").addEventListener("click", function () {
    api("customer/location", { latitude: -6.1754, longitude: 106.8272, name: "Monas", address: "Gambir, Jakarta Pusat" });
  });
  $("#send-button").addEventListener("click", function () {
    var last = state && state.phone.filter(function (m) { return m.buttons.length > 0; }).pop();
    if (last) {
      api("customer/button", { id: last.buttons[0].id, title: last.buttons[0].title, messageId: last.id });
    } else {
      api("customer/button", { id: "sandbox_yes", title: "Ya, betul" });
    }
  });
  $("#phone-messages").addEventListener("click", function (e) {
    var b = e.target.closest(".wa-reply-btn");
    if (!b) return;
    api("customer/button", {
      id: b.getAttribute("data-reply-id"),
      title: b.getAttribute("data-reply-title"),
      messageId: Number(b.getAttribute("data-message-id")),
    });
  });

  // Slack: thread composers
  function sendReply(form, note) {
    var input = form.querySelector("input[name=text]");
    var text = input.value.trim();
    if (!text) return;
    var ts = form.closest(".thread").getAttribute("data-thread-ts");
    api("slack/reply", { threadTs: ts, text: text, note: note }).then(function () { input.value = ""; });
  }
  $("#threads").addEventListener("submit", function (e) {
    var form = e.target.closest(".composer");
    if (!form) return;
    e.preventDefault();
    sendReply(form, false);
  });
  $("#threads").addEventListener("click", function (e) {
    var note = e.target.closest(".composer .note");
    if (note) sendReply(note.closest(".composer"), true);
  });

  // Slack: Block Kit buttons and selects (messages, Home tab, modal)
  function where(el) {
    var modal = el.closest(".modal");
    if (modal) return { viewId: modal.getAttribute("data-view-id") };
    if (el.closest("#home")) return state.home ? { viewId: state.home.id } : null;
    var msg = el.closest(".msg[data-ts]");
    return msg ? { messageTs: msg.getAttribute("data-ts") } : null;
  }
  document.addEventListener("click", function (e) {
    var btn = e.target.closest(".bk-btn[data-action-id]");
    if (!btn) return;
    var url = btn.getAttribute("data-url");
    if (url) window.open(url, "_blank", "noopener");
    var question = btn.getAttribute("data-confirm");
    if (question && !window.confirm(question)) return;
    var place = where(btn);
    if (!place) return;
    var body = { actionId: btn.getAttribute("data-action-id") };
    var blockId = btn.getAttribute("data-block-id");
    if (blockId) body.blockId = blockId;
    var value = btn.getAttribute("data-value");
    if (value !== null) body.value = value;
    Object.assign(body, place);
    api("slack/action", body);
  });
  document.addEventListener("change", function (e) {
    var select = e.target.closest("select[data-dispatch=true]");
    if (!select) return;
    var place = where(select);
    if (!place) return;
    var body = { actionId: select.getAttribute("data-action-id"), selected: select.value };
    var blockId = select.getAttribute("data-block-id");
    if (blockId) body.blockId = blockId;
    Object.assign(body, place);
    api("slack/action", body);
  });
  $("#modal").addEventListener("click", function (e) {
    var modal = e.target.closest(".modal");
    if (!modal) return;
    var viewId = modal.getAttribute("data-view-id");
    if (e.target.closest(".cancel")) { api("slack/modal/close", { viewId: viewId }); return; }
    if (!e.target.closest(".submit")) return;
    var values = {};
    modal.querySelectorAll("[data-block-id][data-action-id]").forEach(function (input) {
      if (input.tagName !== "BUTTON") values[input.getAttribute("data-block-id")] = input.value || "";
    });
    api("slack/modal/submit", { viewId: viewId, values: values }).then(function (res) {
      if (res.closed) toast("Sent");
    });
  });

  // Slack: tabs
  document.querySelectorAll(".slack-side .nav").forEach(function (nav) {
    nav.addEventListener("click", function () {
      var tab = nav.getAttribute("data-tab");
      document.querySelectorAll(".slack-side .nav").forEach(function (n) { n.classList.toggle("active", n === nav); });
      $("#tab-channel").hidden = tab !== "channel";
      $("#tab-home").hidden = tab !== "home";
      if (tab === "home") api("slack/home", {});
    });
  });

  // Clock and failures
  document.querySelectorAll("[data-clock]").forEach(function (b) {
    b.addEventListener("click", function () {
      var hours = Number(b.getAttribute("data-clock"));
      api("clock", { hours: hours }).then(function (res) {
        offsetMs = res.clockOffsetMs;
        tickClock();
        toast("Clock moved " + hours + " h forward");
      });
    });
  });
  function times() { return Math.max(1, Math.min(20, Number($("#fail-times").value) || 1)); }
  [["#fail-graph", "graph", "WhatsApp sends"], ["#fail-slack", "slack", "Slack posts"], ["#fail-model", "model", "model calls"]].forEach(function (f) {
    $(f[0]).addEventListener("click", function () {
      var n = times();
      api("fail", { target: f[1], times: n }).then(function () { toast("The next " + n + " " + f[2] + " fail with HTTP 500"); });
    });
  });
  $("#status-reports").addEventListener("change", function (e) {
    api("status-reports", { enabled: e.target.checked });
  });

  connect();
})();
`;
