/**
 * STOP replies: a customer's text or button reply that is exactly one of these words (trimmed,
 * any case, inner spaces collapsed) opts them out of marketing; one of the opt-in words opts
 * them back in. Whole messages only: "please don't stop" is not an opt-out.
 */
export const DEFAULT_OPT_OUT_KEYWORDS: readonly string[] = [
  // English
  'STOP',
  'STOP ALL',
  'STOPALL',
  'UNSUBSCRIBE',
  'CANCEL',
  'END',
  'QUIT',
  'OPT OUT',
  'OPTOUT',
  // Hindi / Marathi (Devanagari), and as typed in Latin letters
  'रोकें',
  'रोको',
  'बंद',
  'बंद करें',
  'बंद करो',
  'BAND',
  'BAND KARO',
  'ROKO',
  // Bengali, Tamil, Telugu, Kannada, Malayalam, Gujarati, Punjabi
  'বন্ধ',
  'நிறுத்து',
  'ఆపు',
  'ನಿಲ್ಲಿಸು',
  'നിർത്തുക',
  'બંધ',
  'ਬੰਦ',
];

// Not "YES": a yes to some other question must not undo a STOP.
export const DEFAULT_OPT_IN_KEYWORDS: readonly string[] = ['START', 'SUBSCRIBE', 'UNSTOP', 'शुरू', 'चालू'];

export interface OptKeywords {
  optOut: readonly string[];
  optIn: readonly string[];
}

export const DEFAULT_OPT_KEYWORDS: OptKeywords = { optOut: DEFAULT_OPT_OUT_KEYWORDS, optIn: DEFAULT_OPT_IN_KEYWORDS };

/** How a message and a keyword are compared: NFC, trimmed, inner whitespace as one space, upper case. */
export function normalizeKeyword(text: string): string {
  return text.normalize('NFC').trim().replace(/\s+/g, ' ').toUpperCase();
}

/** The configured lists (config.contacts), each undefined for its default. */
export function optKeywordsOf(config: {
  optOutKeywords: string[] | undefined;
  optInKeywords: string[] | undefined;
}): OptKeywords {
  return {
    optOut: config.optOutKeywords ?? DEFAULT_OPT_OUT_KEYWORDS,
    optIn: config.optInKeywords ?? DEFAULT_OPT_IN_KEYWORDS,
  };
}

export interface OptChange {
  optedOut: boolean;
  /** The keyword as configured. */
  keyword: string;
}

/** Whether a reply's text is an opt-out or opt-in keyword (the keyword as configured), else null. */
export function optChangeOf(text: string, keywords: OptKeywords): OptChange | null {
  if (text.length > 64) return null;
  const said = normalizeKeyword(text);
  const out = keywords.optOut.find((k) => normalizeKeyword(k) === said);
  if (out !== undefined) return { optedOut: true, keyword: out };
  const back = keywords.optIn.find((k) => normalizeKeyword(k) === said);
  return back === undefined ? null : { optedOut: false, keyword: back };
}

/** What an inbound message (Meta's object) says about opting: its first word that is a keyword. */
export function optChangeOfReply(message: unknown, keywords: OptKeywords): OptChange | null {
  for (const words of replyWordsOf(message)) {
    const change = optChangeOf(words, keywords);
    if (change) return change;
  }
  return null;
}

/** The words of an inbound message that may be a keyword: a text's body, a button's payload or text. */
export function replyWordsOf(message: unknown): string[] {
  if (typeof message !== 'object' || message === null) return [];
  const m = message as {
    type?: unknown;
    text?: { body?: unknown };
    button?: { payload?: unknown; text?: unknown };
    interactive?: { button_reply?: { id?: unknown; title?: unknown } };
  };
  const words = [
    m.text?.body,
    m.button?.text,
    m.button?.payload,
    m.interactive?.button_reply?.title,
    m.interactive?.button_reply?.id,
  ];
  return words.filter((w): w is string => typeof w === 'string');
}
