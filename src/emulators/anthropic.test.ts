import Anthropic from "@anthropic-ai/sdk";
import { zodOutputFormat } from "@anthropic-ai/sdk/helpers/zod";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  type AnthropicEmulator,
  exampleForSchema,
  type ParsedRequest,
  startAnthropicEmulator,
} from "./anthropic.ts";

const FAST = "claude-haiku-5-5";
const SMART = "claude-sonnet-5-5";

let emu: AnthropicEmulator;
const sdk = (opts: { maxRetries?: number; timeout?: number; apiKey?: string } = {}) =>
  new Anthropic({
    apiKey: opts.apiKey ?? emu.apiKey,
    baseURL: emu.url,
    maxRetries: opts.maxRetries ?? 0,
    timeout: opts.timeout ?? 2000,
  });
const ask = (text: string, model = SMART) => ({
  model,
  max_tokens: 256,
  messages: [{ role: "user" as const, content: text }],
});

beforeEach(async () => {
  emu ??= await startAnthropicEmulator();
  emu.reset();
});
afterAll(async () => {
  await emu.close();
});

describe("anthropic emulator with the real SDK", () => {
  it("answers a plain call in the real response shape", async () => {
    const { data, response } = await sdk().messages.create(ask("Halo, jam buka?")).withResponse();
    expect(data).toMatchObject({
      type: "message",
      role: "assistant",
      model: SMART,
      content: [{ type: "text", text: "ok" }],
      stop_reason: "end_turn",
      stop_sequence: null,
    });
    expect(data.id).toMatch(/^msg_/);
    expect(response.headers.get("request-id")).toMatch(/^req_/);
    // "Halo, jam buka?" is 15 characters → 4 tokens.
    expect(data.usage).toMatchObject({
      input_tokens: 4,
      output_tokens: 1,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    });
    expect(emu.requests[0]?.headers["anthropic-version"]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it("serves the queue first, then the responder, then the default", async () => {
    emu.respond((req) => ({ text: `echo: ${req.lastUserText} / ${req.systemText}` }));
    emu.enqueue({ text: "queued", stopReason: "refusal", usage: { output_tokens: 99 } });
    const client = sdk();
    const first = await client.messages.create({ ...ask("a"), system: "be kind" });
    expect(first.content[0]).toMatchObject({ text: "queued" });
    expect(first.stop_reason).toBe("refusal");
    expect(first.usage.output_tokens).toBe(99);
    const second = await client.messages.create({ ...ask("b"), system: "be kind" });
    expect(second.content[0]).toMatchObject({ text: "echo: b / be kind" });
  });

  it("parses structured output with messages.parse and zodOutputFormat", async () => {
    const Reply = z.object({
      reply: z.string(),
      handoff: z.boolean(),
      confidence: z.number(),
      tags: z.array(z.enum(["billing", "other"])),
    });
    const client = sdk();
    const params = {
      ...ask("Saya mau refund", FAST),
      output_config: { format: zodOutputFormat(Reply) },
    };
    const byDefault = await client.messages.parse(params);
    expect(byDefault.parsed_output).toEqual({
      reply: "ok",
      handoff: false,
      confidence: 0.9,
      tags: [],
    });
    const sent = emu.requests[0]?.body as {
      output_config: { format: { type: string; schema: unknown } };
    };
    expect(sent.output_config.format.type).toBe("json_schema");

    emu.enqueue({ json: { reply: "Baik", handoff: true, confidence: 0.4, tags: ["billing"] } });
    const scripted = await client.messages.parse(params);
    expect(scripted.parsed_output).toEqual({
      reply: "Baik",
      handoff: true,
      confidence: 0.4,
      tags: ["billing"],
    });

    emu.enqueue({ json: { reply: 1 } });
    await expect(client.messages.parse(params)).rejects.toThrow(
      /Failed to parse structured output/,
    );
  });

  it("rejects an output schema whose objects allow additional properties", async () => {
    const err = await sdk()
      .messages.create({
        ...ask("x"),
        output_config: {
          format: {
            type: "json_schema",
            schema: { type: "object", properties: { a: { type: "string" } } },
          },
        },
      })
      .catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect(String(err.message)).toContain("additionalProperties");
  });

  it("emulates prompt caching: creation, then reads; input counts only the rest", async () => {
    const knowledge = "Jam buka toko: 09.00-21.00 setiap hari. ".repeat(120); // 4,800 chars → 1,200 tokens
    const params = {
      ...ask("Kapan buka?"),
      system: [
        { type: "text" as const, text: knowledge, cache_control: { type: "ephemeral" as const } },
      ],
    };
    const client = sdk();
    const first = await client.messages.create(params);
    expect(first.usage.cache_creation_input_tokens).toBe(1200);
    expect(first.usage.cache_read_input_tokens).toBe(0);
    expect(first.usage.input_tokens).toBe(3);

    const second = await client.messages.create(params);
    expect(second.usage.cache_creation_input_tokens).toBe(0);
    expect(second.usage.cache_read_input_tokens).toBe(1200);
    expect(second.usage.input_tokens).toBe(3);

    // A different prefix is a miss.
    const changed = await client.messages.create({
      ...params,
      system: [{ ...params.system[0]!, text: `${knowledge}!` }],
    });
    expect(changed.usage.cache_read_input_tokens).toBe(0);
    expect(changed.usage.cache_creation_input_tokens).toBeGreaterThan(0);
  });

  it("caches up to the last block with top-level (automatic) cache_control", async () => {
    const params = {
      ...ask("y".repeat(4400)),
      system: "s".repeat(400),
      cache_control: { type: "ephemeral" as const },
    };
    const client = sdk();
    expect((await client.messages.create(params)).usage).toMatchObject({
      cache_creation_input_tokens: 1200,
      input_tokens: 0,
    });
    expect((await client.messages.create(params)).usage.cache_read_input_tokens).toBe(1200);
  });

  it("does not cache a prefix below the model's minimum (haiku needs 2048 tokens)", async () => {
    const system = [
      {
        type: "text" as const,
        text: "x".repeat(4800),
        cache_control: { type: "ephemeral" as const },
      },
    ];
    const client = sdk();
    for (let i = 0; i < 2; i++) {
      const res = await client.messages.create({ ...ask("hi", FAST), system });
      expect(res.usage.cache_creation_input_tokens).toBe(0);
      expect(res.usage.cache_read_input_tokens).toBe(0);
      expect(res.usage.input_tokens).toBe(1201);
    }
  });

  it("expires cached prefixes after five minutes", async () => {
    let clock = 1_000_000;
    const own = await startAnthropicEmulator({ now: () => clock });
    try {
      const client = new Anthropic({
        apiKey: own.apiKey,
        baseURL: own.url,
        maxRetries: 0,
        timeout: 2000,
      });
      const params = {
        ...ask("q"),
        system: [
          {
            type: "text" as const,
            text: "k".repeat(8000),
            cache_control: { type: "ephemeral" as const },
          },
        ],
      };
      await client.messages.create(params);
      clock += 4 * 60_000;
      expect((await client.messages.create(params)).usage.cache_read_input_tokens).toBe(2000);
      clock += 5 * 60_000 + 1; // the read above refreshed the lifetime
      expect((await client.messages.create(params)).usage.cache_creation_input_tokens).toBe(2000);
    } finally {
      await own.close();
    }
  });

  it("answers 529 as an APIError, and the SDK retries it when allowed", async () => {
    emu.failNext({ status: 529 });
    const err = await sdk()
      .messages.create(ask("x"))
      .catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect(err.status).toBe(529);
    expect(err.error).toMatchObject({ type: "error", error: { type: "overloaded_error" } });
    expect(err.requestID).toMatch(/^req_/);

    emu.enqueue({ error: { status: 529, retryAfterMs: 10 } }, { text: "second time lucky" });
    const res = await sdk({ maxRetries: 1 }).messages.create(ask("x"));
    expect(res.content[0]).toMatchObject({ text: "second time lucky" });
    expect(emu.requests.map((r) => r.status)).toEqual([529, 529, 200]);
  });

  it("sends retry-after on 429, and the SDK waits that long before retrying", async () => {
    emu.failNext({ status: 429, retryAfter: 1 });
    const started = Date.now();
    const res = await sdk({ maxRetries: 1, timeout: 5000 }).messages.create(ask("x"));
    const waited = Date.now() - started;
    expect(res.content[0]).toMatchObject({ text: "ok" });
    expect(waited).toBeGreaterThanOrEqual(950);
    expect(waited).toBeLessThan(2500);
    expect(emu.requests.map((r) => r.errorType ?? r.status)).toEqual(["rate_limit_error", 200]);
  });

  it("rejects a wrong key with 401 authentication_error", async () => {
    const err = await sdk({ apiKey: "sk-ant-wrong" })
      .messages.create(ask("x"))
      .catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(err.status).toBe(401);
    expect(err.error.error.type).toBe("authentication_error");
  });

  it("rejects on 5.x models what the 5.x family refuses, and accepts it on 4.x", async () => {
    const tools = [{ name: "reply", input_schema: { type: "object" as const, properties: {} } }];
    const client = sdk();
    // Sampling knobs are gone from the installed SDK's types, but older code may still send them.
    const rejected: Array<Record<string, unknown>> = [
      { ...ask("x", FAST), tools, tool_choice: { type: "tool", name: "reply" } },
      { ...ask("x", SMART), tools, tool_choice: { type: "any" } },
      {
        ...ask("x", FAST),
        messages: [
          { role: "user", content: "x" },
          { role: "assistant", content: "{" },
        ],
      },
      { ...ask("x", FAST), temperature: 0.2 },
      { ...ask("x", FAST), top_k: 5 },
      { ...ask("x", FAST), thinking: { type: "enabled", budget_tokens: 1024 } },
    ];
    const messages: string[] = [];
    for (const params of rejected) {
      const err = await client.messages.create(params as never).catch((e) => e);
      expect(err).toBeInstanceOf(Anthropic.BadRequestError);
      expect(err.error.error.type).toBe("invalid_request_error");
      messages.push(String(err.error.error.message));
    }
    expect(messages[0]).toMatch(/tool_choice/);
    expect(messages[2]).toMatch(/prefill/);

    const older = await client.messages.create({
      ...ask("x", "claude-haiku-4-5"),
      tools,
      tool_choice: { type: "tool", name: "reply" },
      temperature: 0.2,
    } as never);
    expect(older.stop_reason).toBe("end_turn");
    const defaults = { ...ask("x", FAST), temperature: 1, thinking: { type: "adaptive" } };
    await expect(client.messages.create(defaults as never)).resolves.toBeDefined();
  });

  it("explains malformed requests with 400 invalid_request_error (and 404 for a non-Claude model)", async () => {
    const client = sdk();
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ model: SMART, max_tokens: 10, messages: [] }, /at least one message/],
      [{ model: SMART, messages: [{ role: "user", content: "x" }] }, /max_tokens: Field required/],
      [
        { model: SMART, max_tokens: 10, messages: [{ role: "user", content: "" }] },
        /non-empty content/,
      ],
      [
        {
          model: SMART,
          max_tokens: 10,
          messages: [{ role: "user", content: [{ type: "text", text: "" }] }],
        },
        /messages\.0\.content\.0\.text/,
      ],
      [{ max_tokens: 10, messages: [{ role: "user", content: "x" }] }, /model: Field required/],
    ];
    for (const [body, message] of cases) {
      const err = await client.messages.create(body as never).catch((e) => e);
      expect(err).toBeInstanceOf(Anthropic.BadRequestError);
      expect(err.error.error.message).toMatch(message);
    }
    const gpt = await client.messages.create(ask("x", "gpt-5")).catch((e) => e);
    expect(gpt).toBeInstanceOf(Anthropic.NotFoundError);
  });

  it("requires the anthropic-version header", async () => {
    const res = await fetch(`${emu.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": emu.apiKey },
      body: JSON.stringify(ask("x")),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      type: "error",
      error: { type: "invalid_request_error", message: expect.stringMatching(/anthropic-version/) },
    });
  });

  it("cuts the answer at max_tokens", async () => {
    emu.enqueue({ text: "a long answer that does not fit" });
    const res = await sdk().messages.create({ ...ask("x"), max_tokens: 2 });
    expect(res.stop_reason).toBe("max_tokens");
    expect(res.content[0]).toMatchObject({ text: "a long a" });
    expect(res.usage.output_tokens).toBe(2);
  });

  it("times the SDK out when latency exceeds its timeout", async () => {
    emu.setLatency(400);
    const err = await sdk({ timeout: 100 })
      .messages.create(ask("x"))
      .catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.APIConnectionTimeoutError);
  });

  it("waits for requests and reports what it saw when it gives up", async () => {
    const pending = sdk().messages.create(ask("x"));
    await emu.waitFor((e) => e.requests.some((r) => r.status === 200), 1000);
    await pending;
    await expect(emu.waitFor((e) => e.requests.length > 3, 30)).rejects.toThrow(/statuses: 200/);
  });
});

describe("exampleForSchema", () => {
  it("fills required properties, follows $ref and picks the first enum value", () => {
    const schema = {
      type: "object",
      properties: {
        a: { $ref: "#/$defs/inner" },
        b: { type: ["integer", "null"] },
        c: { enum: ["x", "y"] },
        skipped: { type: "string" },
      },
      required: ["a", "b", "c"],
      additionalProperties: false,
      $defs: {
        inner: {
          type: "object",
          properties: {
            s: { type: "string" },
            list: { type: "array", items: { type: "number" }, minItems: 2 },
          },
          required: ["s", "list"],
          additionalProperties: false,
        },
      },
    };
    expect(exampleForSchema(schema)).toEqual({ a: { s: "ok", list: [0.9, 0.9] }, b: 1, c: "x" });
  });
});

describe("tool use", () => {
  const tools = [
    {
      name: "set_lifecycle_stage",
      description: "Set the stage.",
      input_schema: {
        type: "object" as const,
        properties: { stage: { type: "string", enum: ["Hot Lead"] } },
        required: ["stage"],
        additionalProperties: false,
      },
    },
  ];

  it("answers scripted tool calls as tool_use blocks and records the tool results sent back", async () => {
    emu.enqueue(
      { toolUses: [{ name: "set_lifecycle_stage", input: { stage: "Hot Lead" }, id: "toolu_1" }] },
      { text: "done" },
    );
    const first = await sdk().messages.create({ ...ask("budget 20 juta", FAST), tools });
    expect(first.stop_reason).toBe("tool_use");
    expect(first.content).toEqual([
      {
        type: "tool_use",
        id: "toolu_1",
        name: "set_lifecycle_stage",
        input: { stage: "Hot Lead" },
      },
    ]);
    expect(first.usage.output_tokens).toBeGreaterThan(1);
    let seen: ParsedRequest | undefined;
    emu.respond((req) => {
      seen = req;
      return { text: "unused" };
    });
    const second = await sdk().messages.create({
      ...ask("budget 20 juta", FAST),
      tools,
      messages: [
        { role: "user", content: "budget 20 juta" },
        { role: "assistant", content: first.content },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "toolu_1", content: "Refused: no", is_error: true },
          ],
        },
      ],
    });
    expect(second.content).toEqual([{ type: "text", text: "done" }]);
    expect(seen).toBeUndefined(); // the queue answered
    emu.enqueue({
      toolUses: [{ name: "set_lifecycle_stage", input: { stage: "Hot Lead" } }],
      text: "Let me note that.",
    });
    const third = await sdk().messages.create({ ...ask("x", FAST), tools });
    expect(third.content[0]).toEqual({ type: "text", text: "Let me note that." });
    expect(third.content[1]).toMatchObject({
      type: "tool_use",
      id: expect.stringMatching(/^toolu_01/),
    });
  });

  it("gives the responder the offered tools and the tool results", async () => {
    const seen: ParsedRequest[] = [];
    emu.respond((req) => {
      seen.push(req);
      return { text: "ok" };
    });
    await sdk().messages.create({
      ...ask("x", FAST),
      tools,
      messages: [
        { role: "user", content: "x" },
        {
          role: "assistant",
          content: [{ type: "tool_use", id: "toolu_9", name: "set_lifecycle_stage", input: {} }],
        },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "toolu_9", content: "Refused: no", is_error: true },
            { type: "text", text: "and?" },
          ],
        },
      ],
    });
    expect(seen[0]!.toolNames).toEqual(["set_lifecycle_stage"]);
    expect(seen[0]!.toolResults).toEqual([
      { toolUseId: "toolu_9", content: "Refused: no", isError: true },
    ]);
  });

  it("refuses what the API refuses about tools with 400", async () => {
    const use = {
      type: "tool_use" as const,
      id: "toolu_1",
      name: "set_lifecycle_stage",
      input: {},
    };
    const result = (id: string) => ({
      type: "tool_result" as const,
      tool_use_id: id,
      content: "ok",
    });
    const bad = [
      // tool blocks without tools
      {
        ...ask("x", FAST),
        messages: [
          { role: "user" as const, content: "x" },
          { role: "assistant" as const, content: [use] },
          { role: "user" as const, content: [result("toolu_1")] },
        ],
      },
      // a tool_use left unanswered
      {
        ...ask("x", FAST),
        tools,
        messages: [
          { role: "user" as const, content: "x" },
          { role: "assistant" as const, content: [use] },
          { role: "user" as const, content: "next" },
        ],
      },
      // a result for a call that was not made
      {
        ...ask("x", FAST),
        tools,
        messages: [
          { role: "user" as const, content: "x" },
          { role: "assistant" as const, content: [use] },
          { role: "user" as const, content: [result("toolu_1"), result("toolu_2")] },
        ],
      },
      // duplicate tool names, and a schema that is not an object
      { ...ask("x", FAST), tools: [...tools, ...tools] },
      { ...ask("x", FAST), tools: [{ name: "t", input_schema: { type: "string" } }] },
    ];
    const messages: string[] = [];
    for (const body of bad) {
      const err = await sdk()
        .messages.create(body as never)
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Anthropic.BadRequestError);
      messages.push((err as InstanceType<typeof Anthropic.BadRequestError>).message);
    }
    expect(messages[0]).toMatch(/must define tools/);
    expect(messages[1]).toMatch(/without `tool_result` blocks immediately after: toolu_1/);
    expect(messages[2]).toMatch(/unexpected `tool_use_id`.*toolu_2/);
    expect(messages[3]).toMatch(/Tool names must be unique/);
    expect(messages[4]).toMatch(/input_schema\.type/);
    // A scripted tool call to a request without tools is a broken script: 500, said plainly.
    emu.enqueue({ toolUses: [{ name: "x", input: {} }] });
    const err = await sdk()
      .messages.create(ask("x", FAST))
      .catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/offers no tools/);
  });
});
