import { describe, expect, it } from "vitest";
import { handoffRootMessage } from "../../slack/blocks/handoff.ts";
import { renderBlocks, renderMessageHtml, textObjectHtml } from "./blockkit.ts";
import { mrkdwnToHtml } from "./mrkdwn.ts";

const md = (text: string) => ({ type: "mrkdwn", text });
const plain = (text: string) => ({ type: "plain_text", text, emoji: true });

describe("mrkdwnToHtml", () => {
  it("renders bold, italic, strike, code, quotes and line breaks", () => {
    expect(mrkdwnToHtml("*tebal* dan _miring_ ~coret~")).toBe(
      "<strong>tebal</strong> dan <em>miring</em> <del>coret</del>",
    );
    expect(mrkdwnToHtml("`*not bold*`")).toBe("<code>*not bold*</code>");
    expect(mrkdwnToHtml("```\n<b>x</b>\n```")).toBe("<pre>&lt;b&gt;x&lt;/b&gt;\n</pre>");
    expect(mrkdwnToHtml("> quoted\nline two")).toBe("<blockquote>quoted</blockquote>line two");
    expect(mrkdwnToHtml("*_both_*")).toBe("<strong><em>both</em></strong>");
  });

  it("leaves markers inside words alone, as Slack does", () => {
    expect(mrkdwnToHtml("snake_case_name and 2*3*4")).toBe("snake_case_name and 2*3*4");
  });

  it("renders links with labels and refuses unsafe schemes", () => {
    expect(mrkdwnToHtml("<https://example.com/a?b=1&amp;c=2|tautan>")).toBe(
      '<a href="https://example.com/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer">tautan</a>',
    );
    expect(mrkdwnToHtml("<javascript:alert(1)|click>")).toBe("click");
    expect(mrkdwnToHtml("<javascript:alert(1)>")).toBe("&lt;javascript:alert(1)&gt;");
  });

  it("renders mentions, specials, dates and emoji", () => {
    const names = (id: string) => (id === "U0AGENT" ? "Smith" : undefined);
    expect(mrkdwnToHtml("<@U0AGENT> <@U0OTHER>", names)).toBe(
      '<span class="mention">@Smith</span> <span class="mention">@U0OTHER</span>',
    );
    expect(mrkdwnToHtml("<!here> <#C0ESCALATE|escalations>")).toBe(
      '<span class="mention">@here</span> <span class="mention">#escalations</span>',
    );
    expect(mrkdwnToHtml("<!date^1796266251^{date_short_pretty}|3 Dec 02:50 UTC>")).toBe(
      "<time>3 Dec 02:50 UTC</time>",
    );
    expect(mrkdwnToHtml(":white_check_mark: :not_an_emoji_name:")).toBe("✅ :not_an_emoji_name:");
  });

  it("escapes everything else, Slack's entities included", () => {
    expect(mrkdwnToHtml(`a &lt;img src=x onerror=alert(1)&gt; "q" 'a' & b`)).toBe(
      "a &lt;img src=x onerror=alert(1)&gt; &quot;q&quot; &#39;a&#39; &amp; b",
    );
    // Placeholder characters typed by someone cannot pull in rendered HTML.
    expect(mrkdwnToHtml("\uE0000\uE001 <https://x.example|x>")).not.toContain("\uE000");
  });
});

describe("renderBlocks", () => {
  it("renders a header, a divider and a section with fields and a button accessory", () => {
    const html = renderBlocks([
      { type: "header", text: plain("Sari <b>") },
      { type: "divider" },
      {
        type: "section",
        block_id: "facts",
        text: md("*Reason*"),
        fields: [md("*Customer*\nSari"), plain("Plain <i>")],
        accessory: { type: "button", action_id: "open", value: "7", text: plain("Open") },
      },
    ]);
    expect(html).toContain('<div class="bk-header">Sari &lt;b&gt;</div>');
    expect(html).toContain('<hr class="bk-divider">');
    expect(html).toContain('<div class="bk-field"><strong>Customer</strong><br>Sari</div>');
    expect(html).toContain('<div class="bk-field">Plain &lt;i&gt;</div>');
    expect(html).toMatch(/<button[^>]*data-action-id="open"[^>]*data-block-id="facts"/);
    expect(html).toContain('data-value="7"');
  });

  it("renders context lines and images as text only (nothing remote is loaded)", () => {
    const html = renderBlocks([
      {
        type: "context",
        elements: [
          md("✋ *Smith* claimed"),
          { type: "image", image_url: "https://x/y.png", alt_text: "av" },
        ],
      },
      { type: "image", image_url: "https://x/z.png", alt_text: 'pic "1"' },
    ]);
    expect(html).toContain(
      '<div class="bk-context"><span>✋ <strong>Smith</strong> claimed</span>',
    );
    expect(html).not.toContain("<img");
    expect(html).toContain("pic &quot;1&quot;");
  });

  it("renders action buttons with style, value and confirmation, escaping attributes", () => {
    const html = renderBlocks([
      {
        type: "actions",
        block_id: "conversation_actions",
        elements: [
          {
            type: "button",
            action_id: "conversation_close",
            value: '1"><script>',
            style: "danger",
            text: plain("✅ Close"),
            confirm: { title: plain("Close this?"), text: plain("Sure?") },
          },
          {
            type: "button",
            action_id: "conversation_claim",
            value: "1",
            style: "primary",
            text: plain("Claim"),
          },
          { type: "button", action_id: "x", text: plain("Link"), url: "javascript:alert(1)" },
        ],
      },
    ]);
    expect(html).toContain('class="bk-btn bk-danger"');
    expect(html).toContain('class="bk-btn bk-primary"');
    expect(html).toContain('data-value="1&quot;&gt;&lt;script&gt;"');
    expect(html).toContain('data-confirm="Close this?\n\nSure?"');
    expect(html).not.toContain("<script>");
    expect(html).not.toContain("javascript:");
  });

  it("renders input blocks with selects, text inputs, hints and errors", () => {
    const html = renderBlocks(
      [
        {
          type: "input",
          block_id: "template",
          dispatch_action: true,
          label: plain("Template"),
          element: {
            type: "static_select",
            action_id: "template_select",
            placeholder: plain("Choose"),
            options: [
              { text: plain("follow_up (id)"), value: "follow_up|id" },
              { text: plain("<b>x</b>"), value: "x|en" },
            ],
            initial_option: { text: plain("follow_up (id)"), value: "follow_up|id" },
          },
        },
        {
          type: "input",
          block_id: "param_1",
          label: plain("Parameter {{1}}"),
          hint: plain("A name"),
          element: { type: "plain_text_input", action_id: "value" },
        },
      ],
      { errors: { param_1: "Fill in parameter {{1}}." } },
    );
    expect(html).toMatch(/<select[^>]*data-action-id="template_select"[^>]*data-dispatch="true"/);
    expect(html).toContain('<option value="follow_up|id" selected>follow_up (id)</option>');
    expect(html).toContain("&lt;b&gt;x&lt;/b&gt;");
    expect(html).toMatch(/<input type="text"[^>]*data-block-id="param_1"/);
    expect(html).toContain('<div class="bk-hint">A name</div>');
    expect(html).toContain('<div class="bk-error" role="alert">Fill in parameter {{1}}.</div>');
  });

  it("renders rich text and names unknown blocks, ignoring junk", () => {
    const html = renderBlocks([
      {
        type: "rich_text",
        elements: [
          {
            type: "rich_text_section",
            elements: [
              { type: "text", text: "hi <you>", style: { bold: true } },
              { type: "link", url: "https://example.com", text: "site" },
            ],
          },
        ],
      },
      { type: "video" },
      null,
      "junk",
    ]);
    expect(html).toContain("<strong>hi &lt;you&gt;</strong>");
    expect(html).toContain('href="https://example.com"');
    expect(html).toContain("[video block]");
    expect(renderBlocks("not blocks")).toBe("");
  });

  it("renders the service's real handoff root with its four buttons", () => {
    const { blocks } = handoffRootMessage({
      conversationId: 7,
      customerName: "Sari <script>",
      phone: "6281234567890",
      reason: "Customer asked for a person",
      confidence: null,
      summary: null,
      transcript: [{ from: "customer", text: "mau bicara dengan admin", at: 1_700_000_000_000 }],
      windowEndsAt: 1_700_086_400_000,
      language: "id",
      status: { kind: "waiting" },
      previousThread: null,
      now: 1_700_000_000_000,
    });
    const html = renderBlocks(blocks);
    for (const id of [
      "conversation_claim",
      "conversation_return_to_ai",
      "conversation_close",
      "conversation_send_template",
    ]) {
      expect(html).toContain(`data-action-id="${id}"`);
    }
    expect(html).not.toContain("<script>");
  });
});

describe("renderMessageHtml and textObjectHtml", () => {
  it("uses blocks when present, else the text as mrkdwn", () => {
    expect(renderMessageHtml({ text: "fallback", blocks: [{ type: "divider" }] })).toBe(
      '<hr class="bk-divider">',
    );
    expect(renderMessageHtml({ text: "*hi*" })).toBe(
      '<div class="bk-text"><strong>hi</strong></div>',
    );
    expect(textObjectHtml(plain(":tada: <x>"))).toBe("🎉 &lt;x&gt;");
    expect(textObjectHtml({ type: "plain_text", text: ":tada:", emoji: false })).toBe(":tada:");
    expect(textObjectHtml(null)).toBe("");
  });
});
