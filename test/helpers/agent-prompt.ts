import { writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Writes a small valid business prompt with an `## Actions` section holding `agent` (the JSON of
 * the agent configuration) and optional `## Action rules`; returns its path.
 */
export function writeAgentPrompt(dir: string, agent: unknown, rules: string[] = []): string {
  const section = (name: string, body: string) => `## ${name}\n${body}\n`;
  const text = [
    section("Identity", "You are the WhatsApp assistant of Toko Uji, a small test shop."),
    section("Context", "You are chatting with $contact.name. Today is $today."),
    section("Knowledge", "Only the knowledge base below is a source of facts."),
    section("Behaviour", "Be brief and friendly."),
    section("Rules", "Never invent prices."),
    section("Examples", 'Customer: "jam buka?"\nReply: "Buka 09.00-21.00, Kak."'),
    section("Limits", "Only help with Toko Uji."),
    ...(rules.length > 0 ? [section("Action rules", rules.map((r) => `- ${r}`).join("\n"))] : []),
    section("Actions", `\`\`\`json\n${JSON.stringify(agent, null, 2)}\n\`\`\``),
  ].join("\n");
  const path = join(dir, "business.md");
  writeFileSync(path, text);
  return path;
}
