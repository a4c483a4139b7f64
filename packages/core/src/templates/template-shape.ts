import type {
  MetaBodyComponent,
  MetaButtonsComponent,
  MetaHeaderComponent,
  MetaMediaFormat,
  MetaTemplate,
  MetaTemplateButton,
  ParameterFormat,
} from './meta-template';
import { extractPlaceholders, formatPlaceholder, inferParameterFormat } from './placeholders';

// What a template asks of a sender, derived once from Meta's components. It is both what
// `get-template-by-id` shows (hence snake_case, like the rest of the API's JSON) and what
// buildTemplateComponents checks variables against, so the two can never disagree.

export interface PlaceholderDescription {
  /** Without braces: `1`, `first_name`. */
  name: string;
  /** As written in the template: `{{1}}`, `{{first_name}}`. */
  placeholder: string;
  /** Meta's example value, or null when the template carries none. */
  example: string | null;
}

export type MediaType = 'image' | 'video' | 'document';

export type HeaderDescription =
  | { format: 'TEXT'; text: string; placeholders: PlaceholderDescription[] }
  | { format: MetaMediaFormat; media_type: MediaType; example: string | null }
  | { format: 'LOCATION' };

export interface BodyDescription {
  text: string;
  placeholders: PlaceholderDescription[];
}

/** What a button's `values` carry at send time. */
export type ButtonInput =
  'url_suffix' | 'payload' | 'coupon_code' | 'otp_code' | 'flow_token' | 'nothing' | 'unsupported';

export type ButtonSubType = 'url' | 'quick_reply' | 'copy_code' | 'flow' | 'phone_number';

export interface ButtonDescription {
  index: number;
  /** Meta's button type as in the template (an authentication code button is usually `URL`). */
  type: string;
  /** The `sub_type` of the send component, null for a type Dak does not support. */
  sub_type: ButtonSubType | null;
  text: string;
  takes: ButtonInput;
  /** Whether the send must carry a value for this button (an OTP button is filled from the body). */
  required: boolean;
  url?: string;
  phone_number?: string;
  /** The value to send, from Meta's example (a URL button's example minus its static part). */
  example: string | null;
}

export interface TemplateShape {
  parameter_format: ParameterFormat;
  header: HeaderDescription | null;
  body: BodyDescription | null;
  buttons: ButtonDescription[];
}

const MEDIA_TYPES: Record<MetaMediaFormat, MediaType> = { IMAGE: 'image', VIDEO: 'video', DOCUMENT: 'document' };

export function templateShape(template: MetaTemplate): TemplateShape {
  const header = template.components.find((c): c is MetaHeaderComponent => c.type === 'HEADER');
  const body = template.components.find((c): c is MetaBodyComponent => c.type === 'BODY');
  const buttons = template.components.find((c): c is MetaButtonsComponent => c.type === 'BUTTONS');
  const headerText = header?.format === 'TEXT' ? header.text : '';
  const format = inferParameterFormat(template.parameter_format, [headerText, body?.text ?? '']);
  const isAuthentication = template.category === 'AUTHENTICATION';
  return {
    parameter_format: format,
    header: header ? describeHeader(header) : null,
    body: body ? describeBody(body) : null,
    buttons: (buttons?.buttons ?? []).map((button, index) =>
      describeButton(button, index, isAuthentication, body?.example?.body_text?.[0]?.[0] ?? null),
    ),
  };
}

function describeHeader(header: MetaHeaderComponent): HeaderDescription {
  switch (header.format) {
    case 'TEXT': {
      const positional = header.example?.header_text ?? [];
      const named = header.example?.header_text_named_params ?? [];
      return {
        format: 'TEXT',
        text: header.text,
        placeholders: extractPlaceholders(header.text).map((name, i) =>
          placeholder(name, named.find((p) => p.param_name === name)?.example ?? positional[i]),
        ),
      };
    }
    case 'LOCATION':
      return { format: 'LOCATION' };
    default:
      return {
        format: header.format,
        media_type: MEDIA_TYPES[header.format],
        example: header.example?.header_handle?.[0] ?? null,
      };
  }
}

function describeBody(body: MetaBodyComponent): BodyDescription {
  const positional = body.example?.body_text?.[0] ?? [];
  const named = body.example?.body_text_named_params ?? [];
  return {
    text: body.text,
    placeholders: extractPlaceholders(body.text).map((name, i) =>
      placeholder(name, named.find((p) => p.param_name === name)?.example ?? positional[i]),
    ),
  };
}

function placeholder(name: string, example: string | undefined): PlaceholderDescription {
  return { name, placeholder: formatPlaceholder(name), example: example ?? null };
}

function describeButton(
  button: MetaTemplateButton,
  index: number,
  isAuthentication: boolean,
  otpExample: string | null,
): ButtonDescription {
  // Typed wide on purpose: a synced template may carry button types Dak does not know.
  const base: { index: number; type: string; text: string } = { index, type: button.type, text: button.text ?? '' };
  // An authentication template's code button comes back from Meta as a URL button whose
  // `{{1}}` is the code (META.md: "OTP (stored as URL)"); the code also fills the body.
  if (button.type === 'OTP' || (isAuthentication && button.type === 'URL')) {
    const url = button.url ? { url: button.url } : {};
    return { ...base, sub_type: 'url', ...url, takes: 'otp_code', required: false, example: otpExample };
  }
  switch (button.type) {
    case 'URL': {
      const placeholderAt = button.url.indexOf('{{1}}');
      if (placeholderAt < 0) {
        return { ...base, sub_type: 'url', url: button.url, takes: 'nothing', required: false, example: null };
      }
      // Meta's example is the whole URL; the caller sends only what replaces `{{1}}`.
      const prefix = button.url.slice(0, placeholderAt);
      const example = button.example?.[0];
      const suffix = example?.startsWith(prefix) ? example.slice(prefix.length) : null;
      return { ...base, sub_type: 'url', url: button.url, takes: 'url_suffix', required: true, example: suffix };
    }
    case 'QUICK_REPLY':
      return { ...base, sub_type: 'quick_reply', takes: 'payload', required: false, example: null };
    case 'COPY_CODE': {
      const example = Array.isArray(button.example) ? button.example[0] : button.example;
      return { ...base, sub_type: 'copy_code', takes: 'coupon_code', required: true, example: example ?? null };
    }
    case 'PHONE_NUMBER':
      return {
        ...base,
        sub_type: 'phone_number',
        phone_number: button.phone_number,
        takes: 'nothing',
        required: false,
        example: null,
      };
    case 'FLOW':
      return { ...base, sub_type: 'flow', takes: 'flow_token', required: false, example: null };
    default:
      // Types Meta has that Dak does not fill (CATALOG, MPM, …): say so instead of guessing.
      return { ...base, sub_type: null, takes: 'unsupported', required: false, example: null };
  }
}
