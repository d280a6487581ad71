import { analysisText } from "./analysis-text.ts";
import { normalizeText, normalizeWords } from "./normalize-text.ts";

/** The two model tiers: `fast` for commodity questions, `smart` for reasoning. */
export type Tier = "fast" | "smart";

/** What the router looks at for one turn. */
export interface RouteInput {
  /** the turn's customer text (a burst joined with "\n") */
  text: string;
  /** customer turns so far in this conversation, including this one */
  turnCount: number;
  /** an earlier answer in this conversation had low confidence */
  previousLowConfidence: boolean;
  /** image or document attached */
  hasMedia: boolean;
}

/** The chosen tier and the names of the rules that led there, for logs and the eval report. */
export interface RouteDecision {
  tier: Tier;
  reasons: string[];
}

/** A score at or above this sends the turn to the smart tier. */
export const SMART_THRESHOLD = 2;

interface TopicRule {
  reason: string;
  weight: number;
  pattern: RegExp;
}

// Topic rules run on normalised text (lowercase, no punctuation, chat abbreviations expanded).
// Weight 2 alone is enough for the smart tier: the topic needs judgement whatever its length.
// Weight 1 marks a hint that only counts together with another one. Negative weights mark
// commodity questions whose words overlap with a reasoning topic ("refund policy").
const topicRules: readonly TopicRule[] = [
  {
    reason: "double_charge",
    weight: 2,
    pattern:
      /\b(?:charged (?:me )?(?:twice|two times|2 times|multiple times|again)|double (?:charged?|payment|billed)|duplicate (?:charge|payment)|overcharged|dobel|(?:2x|dua kali|2 kali) (?:bayar|transfer|dipotong|terpotong|ditagih|charged|debit)|(?:bayar|transfer|dipotong|terpotong|ditagih|tertagih|kepotong) (?:\w+ )?(?:2x|dua kali|2 kali)|kelebihan (?:bayar|tagih)|salah tagih)\b/,
  },
  {
    reason: "billing_logic",
    weight: 2,
    pattern:
      /\b(?:prorat\w*|pro rata|partial refund|refund sebagian|sebagian (?:uang|dana)|hangus|claw\w* back|clawed|sisa (?:kuota|saldo|masa|langganan)|remaining (?:balance|credit|days|months)|prepaid for|dihitung (?:penuh|prorata|ulang)|discounts? (?:be |get |gets |is |was )?(?:removed|revoked|cancelled|canceled|taken back|lost)|discounts? still appl\w*|diskon(?:nya)? (?:hilang|hangus|dicabut|ditarik|batal|masih berlaku)|revers(?:ed|al))\b/,
  },
  {
    reason: "refund_or_dispute",
    weight: 1,
    pattern:
      /\b(?:refund\w*|dikembalikan|pengembalian dana|uang (?:saya |nya )?kembali|balikin uang|chargeback|dispute|sengketa|klaim|claim)\b/,
  },
  {
    reason: "plan_change",
    weight: 1,
    pattern: /\b(?:upgrade|downgrade|cancel (?:now|my (?:plan|subscription))|berhenti langganan)\b/,
  },
  {
    reason: "not_received",
    weight: 1,
    pattern:
      /\b(?:belum (?:sampai|diterima|datang|nyampe)|tidak (?:sampai|datang)|hasnt arrived|not arrived|never arrived|didnt arrive|never came|says delivered|lost (?:package|parcel)|hilang)\b/,
  },
  {
    reason: "troubleshooting",
    weight: 1,
    pattern:
      /\b(?:error\w*|crash\w*|bug|hang(?! on)|freezes?|frozen|rusak|broken|not working|doesnt work|dont work|wont (?:start|turn on|work|open)|tidak (?:berfungsi|jalan|bisa (?:dibuka|nyala|login|masuk|connect))|mati total|gagal|failed|fails|berhenti (?:ber\w+|bekerja|jalan)|restart\w*|reinstall\w*|(?:install|instal) ulang|diinstal ulang|clear\w* (?:the )?cache|factory reset|troubleshoot\w*|keeps? (?:dropping|crashing|disconnecting|restarting|freezing)|disconnect\w*|putus(?: putus)?|firmware)\b/,
  },
  {
    reason: "steps_already_tried",
    weight: 1,
    pattern:
      /\b(?:already (?:tried|did|done|cleared|restarted|reinstalled|checked|reset|updated)|sudah (?:saya )?(?:coba|dicoba|restart|instal|install|reset|ganti|cek|update)|tried (?:everything|again|that|\w+ing|another|other|a different|a new|new)|(?:i|we) (?:cleaned|rebooted|replaced|changed|updated|reinstalled|restarted|unplugged|reset|switched|swapped)|(?:i|we) (?:have )?tried|still (?:not|doesnt|dont|the same|happens)|tetap (?:muncul|tidak|error|sama|gagal)|masih (?:error|tidak|sama|gagal|muncul))\b/,
  },
  {
    reason: "complaint_or_anger",
    weight: 2,
    pattern:
      /\b(?:parah|kecewa|mengecewakan|kesal|kesel|marah|disappointed|disappointing|terrible|awful|horrible|worst|unacceptable|ridiculous|furious|angry|pathetic|scam\w*|penipu\w*|tipu|fraud|lapor|melapor|laporkan|melaporkan|dilaporkan|report (?:you|this)|ylki|bpsk|polisi|police|lawyer|pengacara|sue|tuntut|gugat|viralkan|diviralkan|bikin viral|post (?:this|it) everywhere|(?:bad|negative|1 star|one star) review|bintang (?:1|satu)|third time|(?:ke ?tiga|ketiga) kalinya|berkali kali|(?:\d+|dua|tiga|empat|lima) kali (?:komplain|complain|chat|telpon|tanya|hubungi|menghubungi)|many times|nobody (?:replied|answered|responded|helped)|no one (?:replied|answered|responded|helped)|tidak ada yang (?:respon\w*|balas|jawab|menanggapi|bantu)|ignored|dicuekin|diabaikan)\b/,
  },
  {
    reason: "safety_health_legal",
    weight: 2,
    pattern:
      /\b(?:alergi\w*|alergen|allerg\w*|(?:apakah|apa|tidak|kurang) aman|aman (?:untuk|buat|bagi|dipakai|digunakan|dikonsumsi|diminum|dimakan)|safe (?:to|for)|(?:is|it|this|that) safe|safety|unsafe|bahaya|berbahaya|danger\w*|hazard\w*|kebakaran|terbakar|caught fire|on fire|berasap|keluar asap|smoking|kesetrum|setrum|electric shock|meledak|explode\w*|overheat\w*|keracunan|poison\w*|toxic|beracun|efek samping|side effects?|dosis|dosage|legal|illegal|hukum|kontrak|contract|pidana|lawsuit|bpom|kadaluarsa|kedaluwarsa|injur\w*|gejala|symptoms?|ip rating\w*)\b/,
  },
  {
    reason: "order_problem",
    weight: 1,
    pattern:
      /\b(?:salah (?:alamat|input|kirim|ukuran|warna|barang|item)|wrong (?:address|item|size|colou?r|product)|(?:ganti|ubah|change|update) (?:the )?(?:delivery |shipping )?(?:alamat|address)|replace\w*|tukar|penggantian|arrived (?:broken|damaged|late)|cacat|damaged|missing|pecah|terlanjur|sudah dibayar)\b/,
  },
  {
    reason: "condition",
    weight: 1,
    pattern: /\b(?:if|unless|kalau|jika|apabila|seandainya|andaikan|misalnya)\b/,
  },
  {
    reason: "contradiction",
    weight: 1,
    pattern:
      /\b(?:but|although|even though|though|however|tapi|tetapi|padahal|namun|meskipun|walaupun)\b/,
  },
  {
    // Symptoms the troubleshooting rule's words miss: a slow, stuck or dead device or app.
    reason: "device_symptom",
    weight: 1,
    pattern:
      /\b(?:lemot|lelet|ngelag|nge ?lag|lagging|loading terus|stuck|nyangkut|blank|layar (?:hitam|putih|gelap|blank|bergaris)|black screen|tidak (?:mau )?(?:nyala|menyala|konek|connect|terhubung|tersambung|muncul|terkirim|ngecas|mengisi|sinkron|sync|tersimpan)|(?:cant|cannot|can not|unable to) (?:log ?in|sign in|connect|access|open|pair|charge|sync|pay|checkout)|not (?:loading|charging|connecting|syncing|responding|turning on|saving|updating)|mati sendiri|restart sendiri|(?:keeps?|terus) (?:logging me out|log out|keluar sendiri)|overheat\w*|panas banget|bunyi aneh|no signal|tidak ada sinyal|sinyal(?:nya)? (?:hilang|jelek|lemah))\b/,
  },
  {
    // A story told in steps: "sudah X, lalu Y, terus Z" needs reasoning, not a canned answer.
    reason: "multi_step",
    weight: 1,
    pattern:
      /\b(?:lalu|kemudian|setelah itu|habis itu|sesudah itu|then|after that|afterwards)\b.*\b(?:lalu|kemudian|setelah itu|habis itu|sesudah itu|terus|then|after that|afterwards|but|tapi|still|masih|tetap)\b/,
  },
  {
    // Why something happened to the customer's own account, balance or bill.
    reason: "account_reasoning",
    weight: 2,
    pattern:
      /\b(?:kenapa|mengapa|why|how come|kok) (?:\w+ ){0,6}(?:(?:akun|saldo|poin|tagihan|langganan|kuota|limit|deposit) (?:saya|aku|ku|gue)|(?:akun|saldo|poin|tagihan|langganan|kuota|limit|deposit)(?:ku|mu)|my (?:account|balance|points|bill|invoice|subscription|membership|plan|credit|limit|deposit|wallet))\b/,
  },
  {
    reason: "simple_policy",
    weight: -1,
    pattern: /\b(?:policy|policies|kebijakan|syarat dan ketentuan|terms)\b/,
  },
];

interface Signal {
  reason: string;
  weight: number;
}

function lengthSignal(wordCount: number): Signal | null {
  if (wordCount >= 30) return { reason: "long_message", weight: 2 };
  if (wordCount >= 18) return { reason: "longish_message", weight: 1 };
  return null;
}

function conversationSignals(input: RouteInput): Signal[] {
  const signals: Signal[] = [];
  if (input.previousLowConfidence) signals.push({ reason: "previous_low_confidence", weight: 3 });
  if (input.hasMedia) signals.push({ reason: "attachment", weight: 2 });
  if (input.turnCount >= 8) signals.push({ reason: "long_conversation", weight: 2 });
  else if (input.turnCount >= 5) signals.push({ reason: "many_turns", weight: 1 });
  return signals;
}

function toneSignals(text: string): Signal[] {
  const signals: Signal[] = [];
  // Question marks in a row ("???") are one question; two questions or more need a plan.
  const questions = text.match(/\?+/g)?.length ?? 0;
  if (questions >= 2) signals.push({ reason: "several_questions", weight: 1 });
  const letters = text.replace(/[^\p{L}]/gu, "");
  const upper = letters.replace(/[^\p{Lu}]/gu, "");
  // Shouting: a long message mostly in capitals (a bare "STOP" is not long enough).
  if (letters.length >= 15 && upper.length / letters.length > 0.6) {
    signals.push({ reason: "shouting", weight: 1 });
  }
  if (/!{2,}/.test(text)) signals.push({ reason: "exclamations", weight: 1 });
  return signals;
}

/**
 * Pick the first model tier for a turn with a scored rule set: commodity questions (hours,
 * prices, shipping, address, order status, greetings, simple policy) stay on the fast tier;
 * disputes, conditional billing, multi-step troubleshooting, complaints, safety/health/legal
 * questions, long or multi-question messages, long conversations, earlier low confidence and
 * attachments push the score to {@link SMART_THRESHOLD} or above. `reasons` names every rule
 * that fired, fast or smart. Reads the first `ANALYSIS_MAX_CHARS` characters of the text
 * (analysis-text.ts).
 */
export function routeTier(input: RouteInput): RouteDecision {
  const text = analysisText(input.text);
  const normalized = normalizeText(text);
  const signals: Signal[] = [];
  for (const rule of topicRules) {
    if (rule.pattern.test(normalized)) signals.push({ reason: rule.reason, weight: rule.weight });
  }
  const length = lengthSignal(normalizeWords(text).length);
  if (length) signals.push(length);
  signals.push(...toneSignals(text), ...conversationSignals(input));

  const score = signals.reduce((sum, s) => sum + s.weight, 0);
  const tier: Tier = score >= SMART_THRESHOLD ? "smart" : "fast";
  const reasons = signals.map((s) => s.reason);
  return { tier, reasons: reasons.length > 0 ? reasons : ["commodity"] };
}
