// Requests for a person, read over canonical words (morphology.ts) rather than as one regular
// expression per sentence shape. A message asks for a person when a *person mention* (a noun
// phrase naming someone on the business side: "admin", "staf bagian pengiriman", "a real person",
// "customer service kalian") stands in one of four relations:
//
// - after a verb of talking or being connected ("ngobrol sama ...", "transfer me to ..."),
// - after a verb of wanting or summoning, with nothing but politeness or a purpose after it
//   ("butuh bantuan staf ...", "panggilin adminnya dong"; "minta admin cek pesanan" is a task),
// - after a question of presence ("ada orang ga?", "is there a live agent available", "mana CS nya"),
// - first in the clause, addressed and asked to answer ("admin tolong bales", "CS online ga?").
//
// The same mention is *not* a person when the words around it make it something else ("admin
// fee", "biaya admin", "jadi agen", "operator seluler", "orang tua", "untuk 5 orang"), and the
// request is turned around by a negation or a past marker just before its verb ("tidak perlu
// admin", "ga usah cs", "sudah bicara dengan admin"). Each check reads a bounded window of words
// around one position, so the work is linear in the text.

const set = (list: string): ReadonlySet<string> => new Set(list.trim().split(/\s+/));

// Single words naming a person on the business side.
const STRONG_NOUN = set(`
  admin cs operator petugas staf karyawan pegawai agen agent agents human humans manusia
  representative rep supervisor manager atasan pimpinan owner penjual seller perwakilan helpdesk
  orangnya
`);
// Two-word person nouns (first word → allowed second words).
const COMPOUND: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ["customer", set("service support care success")],
  ["layanan", set("pelanggan")],
  ["pelayanan", set("pelanggan")],
  ["call", set("center centre")],
  ["help", set("desk")],
  ["pemilik", set("toko usaha")],
  ["pihak", set("toko penjual perusahaan kantor kalian manajemen cs")],
  ["support", set("staf team agent")],
  ["tim", set("cs support")],
  ["team", set("cs support")],
  ["bagian", set("cs")],
]);
// Words that name a person only with help: "someone" in "talk to someone", "orang" in "orang
// beneran", never in "untuk 5 orang".
const WEAK_NOUN = set("orang person people someone somebody anyone anybody seseorang support");
// Nouns of a human being: enough after "butuh ... asap" ("butuh orang asap"), where "support"
// (help in general) is not.
const HUMAN_BEING = set("orang person someone somebody seseorang");
// Units of the business: with the word after them they name the people in it ("bagian
// keuangan", "tim teknis"), which counts after a verb of talking.
const DEPARTMENT = set("bagian tim team divisi departemen department");
// Modifiers that make a weak noun a person on their own: "orang asli", "a real person".
const REAL = set("beneran asli sungguhan betulan real actual live genuine nyata hidup");
// Words that may continue a person noun phrase: "admin toko ini", "staf bagian pengiriman",
// "a staff member", "customer service kalian yang asli".
const NP_CONTINUES = set(`
  kalian toko ini itu kamu anda your member members bagian pengiriman gudang teknis jaga cs
  service support layanan pelanggan tersebut asli beneran sungguhan betulan real
`);

// After "yang", words that keep the phrase a person: "admin yang bertugas".
const ON_DUTY = set("bertugas jaga online asli beneran sungguhan betulan piket standby");

// Verbs of talking or being connected: any person may follow, nothing is asked of what follows.
const TALK = set(`
  talk speak chat chatting chatan converse connect reconnect escalate redirect reach complain
  bicara berbicara ngomong omong ngobrol mengobrol berbincang diskusi berdiskusi konsultasi telpon
  nelpon menelepon komplain mengadu ngadu sambung disambung sambungkan disambungkan menyambungkan
  nyambung hubungkan dihubungkan menghubungkan alihkan dialihkan mengalihkan oper dioper teruskan
  diteruskan meneruskan pindahkan dipindahkan konekkan dikonekkan eskalasi eskalasikan
`);
// Verbs that connect only with a pronoun after them: "transfer me to", not "transfer ke admin"
// (a bank transfer), "get me a human", not "get a discount".
const TALK_WITH_PRONOUN = set("transfer put pass switch hand forward get give bring fetch find");
const PRONOUN = set("me us saya aku gue");
// Verbs of wanting, summoning or asking for help: a strong person (or a real/accompanied weak
// one) must follow, and only politeness or a purpose after it.
const WANT = set(`
  want wanna need needs prefer request demand like mau ingin pengen pingin minta butuh perlu
  panggil panggilkan panggilin cari mencari nyari dilayani dibantu bantuan help assistance ketemu
  bertemu menemui have
`);
// Questions of presence: "ada ...", "mana ...", "is there ...".
const PRESENCE = set("ada mana dimana kemana there any");
// Little words allowed between a cue and the person.
const GAP = set(`
  to with a an the some your one of me us i you my this it please directly right now just only
  again saya aku gue ke sama dengan kepada pada dong tolong langsung saja yang salah satu seorang
  para dari ini kalian ya kak bisa can could sebentar bentar lagi sekarang dulu segera urgent mas
  mbak bapak ibu from is are bagian pihak tim team store toko shop
`);
// After a wanted person: politeness, a purpose or the end. "butuh operator forklift" is a job.
const WANT_TAIL = set(`
  dong saja ya sekarang langsung segera yang juga please kak untuk buat sama ke deh sih lah nih
  now asap here urgently right to who that i thanks thank you min sis bro gan immediately needed
  required available around on disini di sini tolong bisa can could please pls plz urgent
`);
// What a person present may do for the customer: "ada orang yang bisa bantu?".
const HELPS = set(`
  bantu membantu dibantu diajak dihubungi ngobrol bicara jawab balas bales melayani dilayani help
  talk chat speak answer assist
`);
// After a person asked about: "ada orang ga?", "is there an agent available".
const PRESENCE_TAIL = set(`
  tidak online disini sini here available around now sekarang kah dong sih ya kak min deh nih
  yang i who that on which tolong please pls ready standby segera saja kalian
`);
// Verbs a person is asked to do for the customer: "admin tolong bales", "CS bisa telpon saya".
const ANSWER_ME = set(`
  bales balas jawab respon hubungi telpon call contact text help bantu respond reply answer get
  take tolong
`);
// After an answer verb, what makes it about the customer rather than a task ("bantu cek ...").
const ANSWER_TAIL = set(`
  saya aku gue me us back over chat pesan langsung directly dong ya please kak min sekarang now
  segera asap sih deh lah tolong saja
`);
// Address and greeting words that may open a clause before the person.
const OPENER = set(`
  halo hallo hai hi hello hey permisi maaf sorry excuse me kak kakak min bro sis gan pagi siang
  sore malam assalamualaikum ok oke look please pls tolong mas mbak
`);
// Before a person asked to answer, also: "can someone from your team help me".
const ASKING = set("can could would will bisa");
// Pleas after an addressed person: "admin tolong dong", "CS please".
const PLEA = set("tolong please pls dong asap needed required segera sekarang now urgent");
// A message that is only a person and these is a request: "operator", "a manager needed now".
const ONLY_FILLER = set(`
  please dong kak kakak ya yah saja now sekarang langsung the a an ke to ada any urgent segera
  asap mohon tolong help bantu lah deh sih nih yuk ayo cepat cepetan quick dulu saya yang needed
  required right immediately thanks thank you pls juga min online tidak
`);
// Who receives money, not calls: "transfer ke admin" is a payment.
const PAYEE = set("admin owner penjual seller pemilik pihak");
// Words around a person noun that make it something else.
const NOT_PERSON_BEFORE = set(`
  mobile cellular network telco which what travel insurance estate become jadi menjadi sebagai
  daftar mendaftar register pulsa sim biaya fee potongan lowongan melamar syarat account
  dedicated nomor number email alamat contact nama no
`);
const NOT_PERSON_AFTER = set(`
  seluler selular provider jaringan network pulsa resmi terdekat nearest official travel properti
  property asuransi insurance brilink ekspedisi kurir courier shipping pengiriman logistik jne tiki
  sicepat tua lain dalam luar number phone email address name nomor contact alamat nama fee fees
  panel grup group resources khusus rumah forklift
`);
// Words shortly before a cue that turn the request around.
const NEGATOR = set("not dont doesnt didnt never no tidak jangan bukan usah without tanpa");
const ABILITY = set("bisa can cant cannot could couldnt able dapat");
const PAST = set("sudah pernah tadi kemarin already previously lalu yesterday earlier");
// A mention of the machine: "gausah bot, orang aja" asks for a person.
const MACHINE = set("bot robot mesin machine chatbot ai botnya");

/** A person noun phrase found in a clause: words [start, end). */
interface Mention {
  start: number;
  end: number;
  /** names a person on its own (admin, CS, a real person), not only with help (orang) */
  strong: boolean;
}

// The person mention starting at word i, if any.
function mentionAt(words: readonly string[], i: number): Mention | null {
  const w = words[i] ?? "";
  let end = i + 1;
  let strong: boolean;
  const second = COMPOUND.get(w);
  if (second?.has(words[i + 1] ?? "")) {
    end = i + 2;
    strong = true;
  } else if (STRONG_NOUN.has(w)) strong = true;
  else if (WEAK_NOUN.has(w)) strong = REAL.has(words[i - 1] ?? "") || REAL.has(words[i + 1] ?? "");
  else if (w === "yang" && words[i + 1] === "punya" && words[i + 2] === "toko") {
    // "yang punya toko": the owner.
    end = i + 3;
    strong = true;
  } else if (DEPARTMENT.has(w) && (words[i + 1] ?? "") !== "") {
    // "bagian customer service": the person noun after the unit is the mention.
    if (mentionAt(words, i + 1) !== null) return null;
    end = i + 2;
    strong = false;
  } else if (
    REAL.has(w) &&
    (STRONG_NOUN.has(words[i + 1] ?? "") || WEAK_NOUN.has(words[i + 1] ?? ""))
  ) {
    // "real person", "live agent": the modifier opens the phrase.
    end = i + 2;
    strong = true;
  } else return null;
  // "someone from support", "orang dari tim kalian".
  if (!strong && (words[end] === "from" || words[end] === "dari")) {
    const k = words[end + 1] === "your" || words[end + 1] === "the" ? end + 2 : end + 1;
    const next = words[k] ?? "";
    if (next === "support" || next === "team" || next === "tim" || STRONG_NOUN.has(next)) {
      strong = true;
      end = k + 1;
    }
  }
  // The phrase goes on over further person nouns and modifiers: "agen cs", "staf bagian
  // pengiriman", "admin toko ini".
  for (let k = 0; k < 4 && end < words.length; k++) {
    const next = words[end] ?? "";
    if (COMPOUND.get(next)?.has(words[end + 1] ?? "")) {
      strong = true;
      end += 2;
    } else if (NP_CONTINUES.has(next) || STRONG_NOUN.has(next) || REAL.has(next)) {
      if (REAL.has(next) || STRONG_NOUN.has(next)) strong = true;
      end++;
    } else if (next === "yang" && ON_DUTY.has(words[end + 1] ?? "")) {
      // "admin yang bertugas", "cs yang asli", "tim cs yang online".
      if (REAL.has(words[end + 1] ?? "")) strong = true;
      end += 2;
    } else break;
  }
  if (NOT_PERSON_BEFORE.has(words[i - 1] ?? "")) return null;
  if (NOT_PERSON_AFTER.has(words[i + 1] ?? "") && !PRONOUN.has(words[i + 2] ?? "")) return null;
  // "customer service contact number" is a number; "agent contact me" is a person.
  if (NOT_PERSON_AFTER.has(words[end] ?? "") && !PRONOUN.has(words[end + 1] ?? "")) return null;
  // "untuk 5 orang", "per person", "2 people".
  if (
    !strong &&
    /^(?:\d+|per|untuk|buat|for|dua|tiga|empat|lima|how|many)$/.test(words[i - 1] ?? "")
  ) {
    return null;
  }
  return { start: i, end, strong };
}

function isTurnedAround(words: readonly string[], cueAt: number): boolean {
  const before = words.slice(Math.max(0, cueAt - 3), cueAt);
  const last = before.at(-1);
  if (last !== undefined && PAST.has(last)) return true;
  const negAt = before.findIndex((w) => NEGATOR.has(w));
  return negAt !== -1 && !before.slice(negAt).some((w) => ABILITY.has(w));
}

type Cue = "talk" | "want" | "presence";

// The cue a person mention follows, looking back over little words only.
function cueBefore(words: readonly string[], m: Mention): { kind: Cue; at: number } | null {
  let found: { kind: Cue; at: number } | null = null;
  for (let k = m.start - 1; k >= 0 && k >= m.start - 7; k--) {
    const w = words[k] ?? "";
    let kind: Cue | null = null;
    if (TALK.has(w)) kind = "talk";
    else if (TALK_WITH_PRONOUN.has(w) && PRONOUN.has(words[k + 1] ?? "")) kind = "talk";
    // "transfer to the admin" (English) or "transfer ke manusia"; "transfer ke admin" pays.
    else if (w === "transfer" && (words[k + 1] !== "ke" || !PAYEE.has(words[m.start] ?? ""))) {
      kind = "talk";
    }
    // "can i get a human", "may i have an agent".
    else if ((w === "get" || w === "have") && words[k - 1] === "i") kind = "want";
    else if (WANT.has(w)) kind = "want";
    else if (PRESENCE.has(w)) kind = "presence";
    if (kind !== null) {
      // The strongest cue wins: a talk verb anywhere in the window makes it a talk request.
      if (found === null || kind === "talk") found = { kind, at: k };
      continue;
    }
    if (!GAP.has(w)) break;
  }
  return found;
}

const wordAt = (words: readonly string[], i: number): string => words[i] ?? "";

// After a presence question: "ga", "online", "yang bisa bantu", or nothing.
function presenceTailOk(words: readonly string[], end: number): boolean {
  const next = wordAt(words, end);
  if (next === "") return true;
  if (next === "yang" || next === "who" || next === "that" || next === "i") {
    // "yang bisa bantu", "who can help", "i can talk to"; not "yang jual lebih murah" nor "yang
    // bisa ambil paket".
    const after = wordAt(words, end + 1);
    if (/^(?:online|bertugas|jaga|available|standby|asli|beneran)$/.test(after)) return true;
    return /^(?:bisa|dapat|can|could)$/.test(after) && HELPS.has(wordAt(words, end + 2));
  }
  // "ada admin di sini?"; not "ada admin di cabang bandung?".
  if (next === "di") return /^(?:sini|situ|sana|chat|whatsapp|wa)$/.test(wordAt(words, end + 1));
  return PRESENCE_TAIL.has(next) || ANSWER_ME.has(next);
}

// "admin tolong bales", "CS bisa telpon saya", "a manager needed right now".
function answersMe(words: readonly string[], end: number): boolean {
  let k = end;
  while (
    k < words.length &&
    /^(?:tolong|bisa|can|could|please|pls|segera|ya|dong)$/.test(wordAt(words, k))
  ) {
    k++;
  }
  const verb = wordAt(words, k);
  if (!ANSWER_ME.has(verb) || verb === "tolong") return false;
  const after = wordAt(words, k + 1);
  return after === "" || ANSWER_TAIL.has(after) || (verb === "get" && after === "back");
}

// Words naming a unit before its person: "bagian customer service", "pihak cs".
const UNIT = set("bagian pihak tim team");

// How many words open the clause before anything is said ("halo min, bagian ..."): a person
// starting within them is addressed. Computed once per clause, so the check is O(1).
function openingLength(words: readonly string[]): number {
  let k = 0;
  while (k < words.length && (OPENER.has(wordAt(words, k)) || UNIT.has(wordAt(words, k)))) k++;
  return k;
}

/** The evidence of a request for a person in one clause of canonical words, or `null`. */
export function findPersonRequest(words: readonly string[]): string | null {
  const opening = openingLength(words);
  for (let i = 0; i < words.length; i++) {
    const m = mentionAt(words, i);
    if (m === null) continue;
    const cue = cueBefore(words, m);
    const evidenceFrom = (from: number) => words.slice(from, m.end).join(" ");
    if (cue !== null && !isTurnedAround(words, cue.at)) {
      const next = wordAt(words, m.end);
      // Weak nouns: a talk verb, a preposition of company, or a presence question.
      // "mau sama orang", "help from a person", "i need a person".
      const before = wordAt(words, m.start - 1);
      const accompanied =
        /^(?:sama|dengan|with|ama|from|dari)$/.test(before) ||
        (/^(?:a|an|some)$/.test(before) &&
          /^(?:person|someone|somebody)$/.test(wordAt(words, m.start)));
      // After a talk verb any person counts: "talk to someone", "ngobrol sama orang".
      if (cue.kind === "talk") return evidenceFrom(cue.at);
      // "dilayani orang", "butuh orang asap"; not "butuh orang untuk kerja".
      const served = /^(?:dilayani|dibantu|bantuan)$/.test(wordAt(words, cue.at));
      const pleaded = HUMAN_BEING.has(wordAt(words, m.start)) && (next === "" || PLEA.has(next));
      if (cue.kind === "want" && (m.strong || accompanied || served || pleaded)) {
        if (next === "" || WANT_TAIL.has(next) || answersMe(words, m.end)) {
          return evidenceFrom(cue.at);
        }
      }
      if (cue.kind === "presence" && presenceTailOk(words, m.end)) return evidenceFrom(cue.at);
    }
    // "can a person help me", "could your supervisor take over".
    const article = /^(?:a|an|the|some|your)$/.test(wordAt(words, m.start - 1));
    const asked = ASKING.has(wordAt(words, m.start - (article ? 2 : 1)));
    const english = /^(?:person|someone|somebody)$/.test(wordAt(words, m.start));
    if ((m.strong || english) && asked && answersMe(words, m.end)) {
      return words.slice(m.start).join(" ");
    }
    if (m.strong && m.start <= opening) {
      if (answersMe(words, m.end)) return words.slice(m.start).join(" ");
      const rest = words.slice(m.end);
      if (rest.some((w) => PLEA.has(w)) && rest.every((w) => ONLY_FILLER.has(w) || PLEA.has(w))) {
        return words.slice(m.start).join(" ");
      }
      const next = wordAt(words, m.end);
      const presence =
        (next === "ada" ||
          next === "online" ||
          next === "mana" ||
          next === "dimana" ||
          next === "kemana") &&
        words.slice(m.end + 1).every((w) => ONLY_FILLER.has(w) || PRESENCE_TAIL.has(w));
      if (presence) return words.slice(m.start).join(" ");
    }
    i = m.end - 1;
  }
  return null;
}

/**
 * A message that is nothing but a person and politeness ("operator", "a manager needed right
 * now", "CS nya mana???"), or that refuses the machine and names a person in a clause of its
 * own ("gausah bot, langsung orang aja"). `clauses` are canonical words per clause.
 */
export function isBarePersonRequest(clauses: readonly (readonly string[])[]): string | null {
  const all = clauses
    .flat()
    .filter((w) => !ONLY_FILLER.has(w) && !OPENER.has(w) && w !== "your" && w !== "my");
  const m = all.length > 0 && all.length <= 5 ? mentionAt(all, 0) : null;
  if (m !== null && m.end === all.length) return all.join(" ");
  if (!clauses.some((c) => c.some((w) => MACHINE.has(w)))) return null;
  for (const clause of clauses) {
    const content = clause.filter((w) => !ONLY_FILLER.has(w) && !OPENER.has(w));
    if (content.length === 0 || content.length > 3) continue;
    const p = mentionAt(content, 0);
    if (p !== null && p.end === content.length) return content.join(" ");
  }
  return null;
}
