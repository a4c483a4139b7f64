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
