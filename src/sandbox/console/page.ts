import { CONSOLE_SCRIPT } from "./client.ts";
import { CONSOLE_STYLE } from "./style.ts";

/**
 * The console's HTML: a WhatsApp phone on the left, a Slack workspace on the right (the
 * escalation channel and the app's Home tab), the clock and failure controls on top. Style and
 * script are inline so the page works offline and needs no build step; the script fills
 * everything from the event stream.
 */
export function consolePage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>jembatan sandbox</title>
<link rel="icon" href="data:,">
<style>${CONSOLE_STYLE}</style>
</head>
<body>
<header class="topbar">
  <div class="brand">🌉 jembatan <span class="tag">sandbox</span></div>
  <div class="group" aria-label="Clock">
    <span class="muted">Sandbox time</span>
    <strong id="clock-now">…</strong>
    <span id="clock-offset" class="muted"></span>
    <button type="button" data-clock="1" title="Move the clock 1 hour forward">+1 h</button>
    <button type="button" data-clock="23" title="Inside the last hour of the 24-hour window: the window warning">+23 h</button>
    <button type="button" data-clock="25" title="Past the 24-hour window: templates only">+25 h</button>
  </div>
  <div class="group" aria-label="Failures">
    <label class="muted">next <input id="fail-times" type="number" min="1" max="20" value="1"></label>
    <button type="button" id="fail-graph" title="The next WhatsApp sends answer HTTP 500">WhatsApp sends fail</button>
    <button type="button" id="fail-slack" title="The next chat.postMessage calls answer HTTP 500">Slack posts fail</button>
    <span id="fail-model-tip"><button type="button" id="fail-model">Model fails</button></span>
    <label class="muted" title="The emulated phone reports sent, delivered and read"><input type="checkbox" id="status-reports" checked> delivery reports</label>
  </div>
  <div id="conn" class="conn">connecting…</div>
</header>
<main>
  <section class="phone" aria-label="WhatsApp phone">
    <div class="phone-frame">
      <div class="phone-head">
        <div class="avatar biz">🏬</div>
        <div><div class="name">Toko Sejahtera</div><div class="sub">WhatsApp · you are <span id="customer-name"></span></div></div>
      </div>
      <div id="phone-messages" class="wa-chat" aria-live="polite"></div>
      <div class="wa-quick">
        <button type="button" id="send-image">📷 Photo</button>
        <button type="button" id="send-location">📍 Location</button>
        <button type="button" id="send-button">↩ Button reply</button>
      </div>
      <form id="phone-form" class="wa-compose">
        <input id="phone-input" placeholder="Message as the customer" autocomplete="off" maxlength="4096">
        <button type="submit" title="Send">➤</button>
      </form>
    </div>
  </section>
  <section class="slack" aria-label="Slack">
    <nav class="slack-side">
      <div class="ws">Support workspace</div>
      <button type="button" class="nav active" data-tab="channel"># escalations</button>
      <button type="button" class="nav" data-tab="home">🏠 jembatan · Home</button>
      <div class="model">Model: <span id="model-label"></span></div>
    </nav>
    <div class="slack-main">
      <div id="tab-channel" class="tab">
        <div class="channel-head"># escalations <span id="channel-id" class="muted"></span></div>
        <div id="threads"><p class="empty">No handoff yet. Ask for a person on the phone ("mau bicara dengan admin").</p></div>
        <div id="channel-notices"></div>
      </div>
      <div id="tab-home" class="tab" hidden>
        <div class="channel-head">🏠 Home</div>
        <div id="home" class="home"><p class="empty">Opening the Home tab…</p></div>
      </div>
    </div>
  </section>
</main>
<div id="modal" class="modal-backdrop" hidden></div>
<div id="toast" class="toast" role="status" hidden></div>
<script>${CONSOLE_SCRIPT}</script>
</body>
</html>`;
}
