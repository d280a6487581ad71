import { analysisText } from "./analysis-text.ts";
import { canonicalClauses, canonicalText, canonicalWords } from "./morphology.ts";
import { findPersonRequest, isBarePersonRequest } from "./person-request.ts";

/** What a deterministic trigger found in a customer message. */
export type TriggerKind = "human_request" | "opt_out" | "injection";

/** One trigger hit. */
export interface TriggerMatch {
  kind: TriggerKind;
  /** the matched phrase, for logs and the handoff reason */
  evidence: string;
}

/** Every trigger checked on one message; `null` where it did not fire. */
export interface TriggerResult {
  /** explicit request for a person → handoff before any model call */
  humanRequest: TriggerMatch | null;
  /** STOP / BERHENTI / unsubscribe ... → mark opted out, one confirmation */
  optOut: TriggerMatch | null;
  /** instruction-override attempt → flag the message, never obey; the model still answers */
  injection: TriggerMatch | null;
}

// The detectors are regular expressions over canonical text (morphology.ts over normalize-text.ts:
// lowercase, no punctuation, chat abbreviations expanded, clitics, reduplication and typos of the
// key words undone), built from word classes so that each rule reads
// as an intent: "request verb + person noun", "short imperative stop", "override verb + rule
// noun". Word lists are whitespace-separated; "_" inside an entry stands for a space, and an
// entry may be a regular expression fragment.

const words = (list: string): string[] =>
  list
    .trim()
    .split(/\s+/)
    .map((w) => w.replaceAll("_", " "));
const alt = (list: string): string => `(?:${words(list).join("|")})`;
const set = (list: string): ReadonlySet<string> => new Set(words(list));
// Up to `max` words from a list, each followed by a space: the slack between two slots.
const gap = (list: string, max: number): string => `(?:${alt(list)} ){0,${max}}`;
// Indonesian possessive/definite suffixes: "adminnya", "aturanmu".
const SUFFIX = "(?:nya|mu|ku)?";

// ---------------------------------------------------------------------------------------------
// Requests for a person

// Nouns that on their own name a human on the business side. Multi-word forms first.
const STRONG_PERSON = alt(`
  customer_(?:service|care|support|success)(?:_team|_agent|_officer|_rep|_representative)?
  call_cent(?:er|re) help_?desk (?:layanan|pelayanan)_pelanggan
  (?:real|actual|live|genuine|human)_(?:person|people|human|one|being|agent|operator|staff)
  orang_(?:beneran|asli|sungguhan|betulan|benar|nyata|hidup)
  pihak_(?:toko|penjual|perusahaan|kantor|kalian|manajemen) pemilik_toko store_owner penjual seller
  (?:human|manusia|agent|agen|operator|admin|cs|staff|staf|petugas|karyawan|pegawai)s?
  (?:representative|rep|manager|manajer|supervisor|spv|atasan|pimpinan|owner)s?
`);
// Nouns that name a person only after a verb of talking: "per person", "untuk 2 orang".
const WEAK_PERSON = alt("person orang someone somebody anyone anybody seseorang people");

// Verbs of talking or being connected: any person noun may follow.
const TALK_VERB = alt(`
  talk talking speak speaking chat chatting converse connect reconnect escalate redirect forward
  reach complain (?:get|give|find|bring|fetch)_me
  (?:transfer|put|pass|hand|switch)_(?:me|us|saya|aku)(?:_through|_over|_back)?
  bicara berbicara ngomong omong ngobrol mengobrol berbincang bincang chatan diskusi berdiskusi
  telpon telepon nelpon menelepon komplain mengadu ngadu
  sambung disambung sambungkan disambungkan menyambungkan sambungin nyambung
  hubungkan dihubungkan menghubungkan hubungin alihkan dialihkan mengalihkan
  oper operkan dioper teruskan diteruskan meneruskan pindahkan dipindahkan
  konekkan dikonekkan eskalasi eskalasikan
`);
// Verbs of wanting or summoning: only a strong person noun may follow ("want a refund" no).
const WANT_VERB = alt(`
  want wanna need prefer request demand (?:can|could|may)_i_(?:get|have)
  mau ingin pengen pengin pingin minta butuh perlu panggil panggilkan panggilin cari mencari nyari
  dilayani ketemu bertemu menemui
`);
// Little words allowed between the verb and the person: "chat with your", "ngobrol sama".
const REQUEST_GAP = `
  to with a an the some your one of me us i you my this it complaint issue case ticket please
  directly right now just only again saya aku gue gw ke sama dengan kepada pada dong tolong
  langsung saja yang salah satu seorang para pihak bagian tim team dari ini keluhan masalah kasus
  kalian ya kak bisa can sebentar bentar lagi sekarang dulu segera urgent mas mbak bapak ibu
`;
// Words right before a person noun that make it something else: "mobile operator", "jadi agen".
const PERSON_NEG_BEFORE = set(`
  mobile cellular network telco which what travel insurance estate become jadi menjadi sebagai
  daftar mendaftar register pulsa sim
`);
// Words right after a person noun that make it something else: "operator seluler", "orang tua".
const PERSON_NEG_AFTER = set(`
  seluler selular provider jaringan network pulsa resmi terdekat nearest official travel properti
  property asuransi insurance brilink ekspedisi kurir courier shipping pengiriman logistik jne tiki
  sicepat tua lain dalam luar number phone email address name nomor kontak contact alamat nama
`);
// Words that, shortly before the verb, turn the request around: "don't want", "tidak perlu".
const NEGATORS = set("not dont doesnt didnt never no tidak jangan bukan usah gausah without tanpa");
// Words that keep a negated phrase a wish: "why can't I chat with staff" still wants one.
const ABILITY = set("bisa can cant cannot could couldnt able dapat");
// A past-tense marker right before the verb reports an earlier talk, not a request.
const PAST = set("sudah pernah tadi kemarin already previously lalu yesterday earlier");

const talkRequest = new RegExp(
  `\\b${TALK_VERB} ${gap(REQUEST_GAP, 4)}(${STRONG_PERSON}|${WEAK_PERSON})${SUFFIX}\\b`,
  "g",
);
const wantRequest = new RegExp(
  `\\b${WANT_VERB} ${gap(REQUEST_GAP, 4)}(${STRONG_PERSON})${SUFFIX}\\b`,
  "g",
);
// After "want/minta + person" only politeness or a purpose may follow: "butuh CS sekarang",
// "need a human to help". Another word is a task for whoever reads the chat ("minta admin kirim
// invoice") or a different noun ("butuh operator forklift").
const WANT_TAIL = set(`
  dong saja ya sekarang langsung segera yang asli beneran juga please kak untuk buat sama ke deh
  sih lah nih now asap here urgently right to who that i pls thanks
`);
// "mau sama orang", "want with a person": the preposition makes even a weak noun a person.
const wantWithRequest = new RegExp(
  `\\b${WANT_VERB} (?:sama|dengan|with) (?:an? |some )?(${WEAK_PERSON})\\b`,
  "g",
);
// "is there a human I can talk to", "admin yang bisa diajak ngobrol".
const personThenTalk = new RegExp(
  `\\b(${STRONG_PERSON})${SUFFIX} ${gap("yang i we that who can could bisa dapat diajak saya aku", 4)}${TALK_VERB}\\b`,
  "g",
);
// "can someone from support call me", "tolong admin hubungi saya".
const personCallsMe = new RegExp(
  `\\b(${STRONG_PERSON}|${WEAK_PERSON})${SUFFIX} ${gap("from of your the team please can could bisa tolong segera to", 4)}${alt("call phone ring contact text reach_out_to get_back_to hubungi menghubungi telpon telepon nelpon menelepon")} ${alt("me us saya aku kami")}\\b`,
  "g",
);

// Refusing to talk to the machine is asking for a person: "tidak mau ngomong sama robot", "i dont
// want to talk to a bot", "males chat sama mesin". The talk verb is required so that "is this
// not an ai feature" stays a question.
const refuseBot = new RegExp(
  `\\b(?:tidak|dont|do not|not|no|males|malas|bosan|capek) ${gap("mau want wanna ingin pengen to", 2)}${TALK_VERB} ${gap("sama dengan with to a an the", 2)}(?:robot|bot|mesin|machine|ai|chatbot)s?\\b`,
);

// A message that is nothing but a person noun and politeness: "operator", "manusia dong".
const SHORT_FILLER = set(`
  please dong kak kakak ya yah saja now sekarang langsung the a an ke to ada any urgent segera asap
  mohon tolong help bantu lah deh sih nih yuk ayo cepat cepetan quick dulu saya yang
`);
const onlyPerson = new RegExp(`^${STRONG_PERSON}${SUFFIX}(?: ${STRONG_PERSON}${SUFFIX})*$`);

// ---------------------------------------------------------------------------------------------
// Opt-outs

// A message that is nothing but a stop word and politeness: "STOP", "berhenti aja", "unsub pls".
const onlyOptOut = new RegExp(
  `^${alt("stopp? stop_?all unsubscribe unsub unreg berhenti hentikan opt_?out (?:stop|berhenti)_(?:langganan|berlangganan)")}$`,
);
const OPT_OUT_FILLER = set(`
  please dong saja ya kak min now sekarang all semua sudah ok oke okay thanks thank you makasih it
  ini this lah deh sih me saya tolong mohon
`);

const MESSAGE_NOUN = alt(`
  messages? texts? sms emails? promos? promotions? notifications? broadcasts? newsletters? spam ads
  pesan(?:nya)? notif(?:ikasi)? iklan chat wa whatsapp
`);
const CONTACT_VERB = alt(`
  sending messaging texting contacting spamming emailing calling bothering pinging
  kirim kirimi kirimin mengirim mengirimi ngirim ngirimin hubungi menghubungi ganggu mengganggu
  spam nge_?spam chat nge_?chat sms wa whatsapp telpon nelpon dikirim dikirimi dihubungi dichat
  dispam diganggu
`);
const ME = alt("me us saya aku gue gw kami");
// Little words a customer puts before the messages they refuse: "marketing messages".
const MESSAGE_GAP = gap("marketing promotional promo any more your these those iklan", 3);
const DONT = alt("dont do_not never jangan tidak_usah usah");
const PRODUCT_NOUN = set(`
  plan paket package membership member premium subscription account akun layanan service kuota
  internet
`);

const optOutPhrases: readonly RegExp[] = [
  // "stop sending me messages", "berhenti kirim pesan", "stop spam".
  new RegExp(
    `\\b(?:stop|quit|cease|berhenti|hentikan|berhentiin|stopin|stopkan) ${CONTACT_VERB}\\b`,
  ),
  new RegExp(`\\b(?:berhentiin|stopin|stopkan) ${MESSAGE_NOUN}\\b`),
  // "jangan chat lagi", "ga usah spam", "jangan kirim lagi": the clause ends with the refusal.
  new RegExp(
    `\\b${DONT} ${CONTACT_VERB}(?: ${alt("lagi terus again anymore ya dong saya aku please ke_nomor_ini nomor_ini")})*$`,
  ),
  new RegExp(
    `\\b(?:stop|hentikan|berhenti) (?:${alt("the these all your semua")} )?${MESSAGE_NOUN}\\b`,
  ),
  // "don't contact me again", "jangan hubungi saya lagi": the clause ends there.
  new RegExp(
    `\\b${DONT} (?:${alt("send message text contact email call spam bother")}|${CONTACT_VERB}) ${ME}(?: ${alt("again anymore any_more ever lagi dong please ya")})*$`,
  ),
  // "don't send me any more promos", "jangan kirim pesan lagi".
  new RegExp(
    `\\b${DONT} ${alt("send text kirim kirimi kirimin ngirim mengirim mengirimi spam")}(?: ${ME})? ${MESSAGE_GAP}${MESSAGE_NOUN}\\b`,
  ),
  // "no more messages", "tidak mau terima pesan promo lagi".
  new RegExp(
    `\\b${alt("no_more dont_want do_not_want dont_need tidak_mau tidak_ingin tidak_pengen tidak_perlu keberatan")} ${gap("to receive get any more these your terima menerima dapat dapet dikirim dikirimi diganggu lagi marketing promotional promo", 3)}${MESSAGE_NOUN}\\b(?! (?:sama|dengan|with|ama) )`,
  ),
  // "remove me from your list", "hapus nomor saya dari broadcast", "please remove my number".
  new RegExp(
    `\\b${alt("remove take delete hapus keluarkan keluarin cabut")} ${alt("me my_number my_contact nomor_saya nomorku nomor_aku nomor_gue kontak_saya kontak_aku kontak_gue kontakku nomor kontak saya aku gue kami")}(?: ${alt("from off dari")}\\b|$)`,
  ),
  // "jangan di spam terus", "saya tidak mau dihubungi lagi": the passive of being contacted.
  new RegExp(
    `\\b${alt("jangan tidak_mau tidak_ingin tidak_usah usah dont_want")} ${alt("di_?spam di_?ganggu di_?hubungi di_?kirimi di_?chat di_?telpon")}(?: ${alt("terus lagi again anymore saya ya dong")})*$`,
  ),
];
// "unsubscribe me", "berhenti berlangganan": an opt-out unless a product is named right after.
const unsubscribe = new RegExp(
  `\\b${alt("unsubscribe unsub unreg opt_?out (?:stop|berhenti)_(?:langganan|berlangganan)")}\\b`,
  "g",
);

// ---------------------------------------------------------------------------------------------
// Instruction overrides

const OVERRIDE_VERB = alt(`
  ignore disregard forget skip override bypass drop discard abaikan lupakan lupain acuhkan
  hiraukan buang langgar tinggalkan
  (?:dont|do_not|jangan|stop)_(?:follow|following|obey|ikuti|ikut|patuhi|turuti|dengarkan|hiraukan)
`);
const OVERRIDE_GAP = `
  all any of the your my previous prior above earlier preceding initial original system existing
  current those these semua seluruh segala yang sebelumnya tadi kamu anda lama awal sistem
`;
const RULE_NOUN = alt(`
  instructions? rules? prompts? guidelines? directions directives? programming constraints?
  restrictions? guardrails? polic(?:y|ies) training settings? aturan peraturan instruksi perintah
  arahan pedoman batasan larangan ketentuan
`);
// Business states that make "you are now ..." an ordinary question: "you are now open?".
const BUSINESS_STATE = alt(`
  open closed available selling offering out shipping delivering accepting located able in_stock
  on_holiday
`);
const injectionPatterns: readonly RegExp[] = [
  new RegExp(`\\b${OVERRIDE_VERB} ${gap(OVERRIDE_GAP, 4)}${RULE_NOUN}${SUFFIX}\\b`),
  // "forget everything you were told", "ignore the above", "abaikan semua yang di atas".
  /\b(?:ignore|disregard|forget|abaikan|lupakan) (?:the |all |everything |semua |yang )*(?:above|di atas|you (?:were|have been|ve been) (?:told|given|taught)|yang (?:sudah )?(?:diajarkan|diberitahukan|dikatakan))\b/,
  new RegExp(`\\b(?:you are|youre|you re) now (?!${BUSINESS_STATE}\\b)\\w+`),
  /\bfrom now on (?:you|act|pretend|respond|answer)\b/,
  /\bpretend (?:you are|youre|you re|to be|that you|you)\b/,
  /\b(?:role ?play|act) as (?:an? )?(?:unrestricted|unfiltered|jailbroken|evil|different|new|dan)\b/,
  /\b(?:sekarang|mulai sekarang) (?:kamu|anda|kau|lu|lo) (?:adalah|jadi|menjadi|berperan|bertindak)\b/,
  /\b(?:kamu|anda|kau) sekarang (?:adalah|jadi|menjadi|berperan|bertindak)\b/,
  /\b(?:berpura pura|pura pura) (?:jadi|menjadi|sebagai|kamu|bahwa)\b/,
  /\b(?:berperan|bertindak|berlagak) sebagai (?:ai|asisten|bot|model) (?:lain|baru|bebas)\b/,
  /\b(?:system|developer|hidden|secret|initial) (?:prompt|message|instructions?)\b/,
  /\b(?:prompt|instruksi|pesan) (?:sistem|sistemmu|rahasia|awal)\b/,
  /\b(?:developer|dev|debug|god|admin|sudo|dan|unrestricted) mode\b/,
  /\bmode (?:developer|pengembang|bebas|dewa|tanpa batas)\b/,
  /\b(?:jailbreak|jailbroken|do anything now)\b/,
  /\b(?:new|updated) (?:instructions|system rules)\b/,
  /\b(?:instruksi|perintah) baru\b/,
  /\b(?:asisten|assistant|ai|bot|model) (?:yang )?(?:bebas )?(?:tanpa (?:batasan|batas|aturan|filter|sensor)|without (?:any )?(?:restrictions|limits|rules|filters)|unrestricted|unfiltered)\b/,
  /\b(?:reveal|show|print|repeat|leak|output) (?:me )?(?:your|the) (?:full |original |hidden )?(?:prompt|instructions|rules)\b/,
  /\b(?:tunjukkan|tampilkan|bocorkan|sebutkan|kasih tau|beritahu) (?:semua )?(?:prompt|instruksi|aturan)(?:mu|nya)?\b/,
];

// ---------------------------------------------------------------------------------------------

// Word look-ups around a match read only the words they return: slicing or splitting the rest of
// the clause at every match made a clause full of matches quadratic. Clauses are normalised
// (single spaces between words, none at the ends).

/** Up to `count` words ending before `index`, in order. */
function wordsBefore(clause: string, index: number, count: number): string[] {
  const out: string[] = [];
  let end = index;
  while (out.length < count) {
    while (end > 0 && clause[end - 1] === " ") end--;
    if (end === 0) break;
    const start = clause.lastIndexOf(" ", end - 1) + 1;
    out.unshift(clause.slice(start, end));
    end = start;
  }
  return out;
}

/** Up to `count` words starting at or after `index`, in order. */
function wordsAfter(clause: string, index: number, count: number): string[] {
  const out: string[] = [];
  let start = index;
  while (out.length < count) {
    while (start < clause.length && clause[start] === " ") start++;
    if (start >= clause.length) break;
    const space = clause.indexOf(" ", start);
    const end = space === -1 ? clause.length : space;
    out.push(clause.slice(start, end));
    start = end;
  }
  return out;
}

/** The word starting at or after `index`, or "" at the clause's end. */
const wordAfter = (clause: string, index: number): string => wordsAfter(clause, index, 1)[0] ?? "";

function isTurnedAround(clause: string, verbAt: number): boolean {
  const before = wordsBefore(clause, verbAt, 3);
  const last = before.at(-1);
  if (last !== undefined && PAST.has(last)) return true;
  const negAt = before.findIndex((w) => NEGATORS.has(w));
  return negAt !== -1 && !before.slice(negAt).some((w) => ABILITY.has(w));
}

function personIsSomethingElse(clause: string, personAt: number, personEnd: number): boolean {
  const before = wordsBefore(clause, personAt, 1)[0];
  const after = wordAfter(clause, personEnd);
  return (before !== undefined && PERSON_NEG_BEFORE.has(before)) || PERSON_NEG_AFTER.has(after);
}

// How a request pattern is laid out; with `tail`, the person must end the clause or be
// followed by one of its words.
interface RequestShape {
  verbFirst: boolean;
  tail?: ReadonlySet<string>;
}

// The first match of a request pattern whose person is a person and whose verb is a wish.
function findRequest(clause: string, pattern: RegExp, shape: RequestShape): string | null {
  for (const m of clause.matchAll(pattern)) {
    const person = m[1] ?? "";
    const personAt = shape.verbFirst ? m.index + m[0].length - person.length : m.index;
    // With the verb first, the person's suffix ("adminnya") ends the match.
    const personEnd = shape.verbFirst ? m.index + m[0].length : personAt + person.length;
    if (shape.verbFirst && isTurnedAround(clause, m.index)) continue;
    if (personIsSomethingElse(clause, personAt, personEnd)) continue;
    const next = wordAfter(clause, personEnd);
    if (shape.tail && next !== "" && !shape.tail.has(next)) continue;
    return m[0];
  }
  return null;
}

function detectHumanRequest(text: string, clauses: readonly string[]): TriggerMatch | null {
  const content = canonicalWords(text).filter((w) => !SHORT_FILLER.has(w));
  const joined = content.join(" ");
  if (content.length > 0 && content.length <= 4 && onlyPerson.test(joined)) {
    return { kind: "human_request", evidence: joined };
  }
  const refusal = refuseBot.exec(canonicalText(text));
  if (refusal) return { kind: "human_request", evidence: refusal[0] };
  for (const clause of clauses) {
    const evidence =
      findRequest(clause, talkRequest, { verbFirst: true }) ??
      findRequest(clause, wantRequest, { verbFirst: true, tail: WANT_TAIL }) ??
      findRequest(clause, wantWithRequest, { verbFirst: true, tail: WANT_TAIL }) ??
      findRequest(clause, personThenTalk, { verbFirst: false }) ??
      findRequest(clause, personCallsMe, { verbFirst: false });
    if (evidence !== null) return { kind: "human_request", evidence };
  }
  // The same intent read word by word (person-request.ts): noun phrases, presence questions,
  // a person addressed and asked to answer.
  const words = clauses.map((c) => c.split(" "));
  for (const clause of words) {
    const evidence = findPersonRequest(clause);
    if (evidence !== null) return { kind: "human_request", evidence };
  }
  const bare = isBarePersonRequest(words);
  return bare === null ? null : { kind: "human_request", evidence: bare };
}

function detectOptOut(text: string, clauses: readonly string[]): TriggerMatch | null {
  const content = canonicalWords(text)
    .filter((w) => !OPT_OUT_FILLER.has(w))
    .join(" ");
  if (onlyOptOut.test(content)) return { kind: "opt_out", evidence: content };
  for (const clause of clauses) {
    for (const pattern of optOutPhrases) {
      const m = pattern.exec(clause);
      if (m) return { kind: "opt_out", evidence: m[0] };
    }
    for (const m of clause.matchAll(unsubscribe)) {
      const next = wordsAfter(clause, m.index + m[0].length, 4);
      if (!next.some((w) => PRODUCT_NOUN.has(w))) return { kind: "opt_out", evidence: m[0] };
    }
  }
  return null;
}

// Over the whole text, not per clause: "from now on, you are ..." spans a comma on purpose.
function detectInjection(text: string): TriggerMatch | null {
  const normalized = canonicalText(text);
  for (const pattern of injectionPatterns) {
    const m = pattern.exec(normalized);
    if (m) return { kind: "injection", evidence: m[0] };
  }
  return null;
}

/**
 * The deterministic checks that run before any model call, in Indonesian and English: an
 * explicit request for a person, an opt-out, and an attempt to override the assistant's
 * instructions. Each is matched as an intent (a request verb with a person noun, a short
 * imperative stop, an override verb with a rule noun), not as a list of known sentences.
 * Reads the first `ANALYSIS_MAX_CHARS` characters (analysis-text.ts): the work per message
 * is bounded whatever its length.
 */
export function detectTriggers(message: string): TriggerResult {
  const text = analysisText(message);
  const clauses = canonicalClauses(text);
  return {
    humanRequest: detectHumanRequest(text, clauses),
    optOut: detectOptOut(text, clauses),
    injection: detectInjection(text),
  };
}
