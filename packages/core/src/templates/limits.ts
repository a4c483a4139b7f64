// Meta's limits that Dak checks before accepting a send, so a request Meta would refuse is a
// 422 that costs nothing instead of a `failed` message. Sources: META.md and Meta's template
// and send references; where Meta publishes no figure the choice is Dak's and says so.

/** A TEXT header, placeholder filled, is at most 60 characters (META.md). */
export const HEADER_TEXT_MAX = 60;

/** The body, placeholders filled, is at most 1024 characters; past it Meta answers 132005. */
export const BODY_TEXT_MAX = 1024;

/** A copy-code button's coupon is at most 15 characters (META.md). */
export const COUPON_CODE_MAX = 15;

/** An authentication template's one-time code is at most 15 characters (Meta's OTP reference). */
export const OTP_CODE_MAX = 15;

/**
 * Meta publishes no limit for a quick-reply payload. Dak takes 256, Meta's documented limit
 * for the id of an interactive reply button (the same "echoed back when tapped" role), so a
 * payload accepted here is never one Meta would cut or refuse.
 */
export const QUICK_REPLY_PAYLOAD_MAX = 256;

/** A URL button's URL, suffix included, is at most 2000 characters (Meta's template reference). */
export const BUTTON_URL_MAX = 2000;

/**
 * A flow token is opaque to Meta and echoed back with the flow's response; Meta publishes no
 * limit, so Dak takes the same 256 as for payloads.
 */
export const FLOW_TOKEN_MAX = 256;

/** Meta allows at most 10 buttons, so indexes run 0–9. */
export const BUTTON_INDEX_MAX = 9;

// Caps on what a send request may carry at all, checked by the `variables` schema before
// anything else looks at the values, so an oversized request is a cheap 400 that names the
// limit instead of work proportional to its size.

/** Meta's limit for one text parameter of a header (the header itself is at most 60). */
export const HEADER_PARAMETER_MAX = HEADER_TEXT_MAX;

/** Meta's limit for one text parameter of the body (also currency and date_time fallbacks). */
export const BODY_PARAMETER_MAX = BODY_TEXT_MAX;

/** A button value is a URL suffix at most: the whole URL is at most 2000 characters. */
export const BUTTON_PARAMETER_MAX = BUTTON_URL_MAX;

/** Media links are URLs; Dak takes the 2000 characters Meta allows for a button URL. */
export const MEDIA_LINK_MAX = 2000;

/** Meta's media ids are numeric strings of about 16 digits; 128 leaves room and bounds the input. */
export const MEDIA_ID_MAX = 128;

/** Meta publishes no limit for a document's filename; 240 fits every common file system. */
export const MEDIA_FILENAME_MAX = 240;

/** Meta publishes no limits for a location's name and address; Dak takes the body's 1024. */
export const LOCATION_NAME_MAX = BODY_TEXT_MAX;
export const LOCATION_ADDRESS_MAX = BODY_TEXT_MAX;

/** One header, one body and at most 10 buttons. */
export const VARIABLE_ENTRIES_MAX = 2 + BUTTON_INDEX_MAX + 1;

/** A body of 1024 characters holds at most 204 placeholders (`{{1}}` is 5 characters). */
export const VALUES_PER_ENTRY_MAX = Math.floor(BODY_TEXT_MAX / '{{1}}'.length);

/** A placeholder name fits in the body with its braces. */
export const PARAMETER_NAME_MAX = BODY_TEXT_MAX - '{{}}'.length;
