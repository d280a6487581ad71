/**
 * One routing rule: the first rule whose every given condition matches picks the channel.
 * `language` matches the conversation's language, `keywords` any word of the customer's text
 * or the handoff reason (case-insensitive), `phonePrefix` the start of the customer's number.
 */
export interface RoutingRule {
  channel: string;
  language?: "id" | "en";
  keywords?: string[];
  phonePrefix?: string;
}

export interface RoutingInput {
  language: "id" | "en" | null;
  text: string;
  phone: string | null;
}

/** The Slack channel for a new handoff thread: the first matching rule, else the default. */
export function chooseChannel(
  rules: readonly RoutingRule[],
  input: RoutingInput,
  fallback: string,
): string {
  const haystack = ` ${input.text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ")} `;
  for (const rule of rules) {
    if (rule.language && rule.language !== input.language) continue;
    if (
      rule.phonePrefix &&
      !(input.phone ?? "").replace(/\D/g, "").startsWith(rule.phonePrefix.replace(/\D/g, ""))
    )
      continue;
    if (
      rule.keywords?.length &&
      !rule.keywords.some((k) => haystack.includes(` ${k.toLowerCase()} `))
    )
      continue;
    return rule.channel;
  }
  return fallback;
}
