// Meta's message template object as returned by `GET /{waba_id}/message_templates` and
// `GET /{template_id}` (see META.md, "Templates"). Only the fields Dak reads are typed; synced
// rows may carry more (e.g. `previous_category`), which is harmless.

export type ParameterFormat = 'POSITIONAL' | 'NAMED';

export interface MetaTemplate {
  id: string;
  name: string;
  language: string;
  status: string;
  category: string;
  parameter_format?: ParameterFormat;
  sub_category?: string;
  message_send_ttl_seconds?: number;
  components: MetaTemplateComponent[];
}

export interface MetaNamedParamExample {
  param_name: string;
  example: string;
}

export interface MetaHeaderTextComponent {
  type: 'HEADER';
  format: 'TEXT';
  text: string;
  example?: { header_text?: string[]; header_text_named_params?: MetaNamedParamExample[] };
}

export type MetaMediaFormat = 'IMAGE' | 'VIDEO' | 'DOCUMENT';

export interface MetaHeaderMediaComponent {
  type: 'HEADER';
  format: MetaMediaFormat;
  /** `header_handle` holds the sample media Meta reviewed (a scontent.whatsapp.net URL once approved). */
  example?: { header_handle?: string[] };
}

export interface MetaHeaderLocationComponent {
  type: 'HEADER';
  format: 'LOCATION';
}

export type MetaHeaderComponent = MetaHeaderTextComponent | MetaHeaderMediaComponent | MetaHeaderLocationComponent;

export interface MetaBodyComponent {
  type: 'BODY';
  text: string;
  add_security_recommendation?: boolean;
  /** Positional examples are one row per sample message: `body_text: [["John", "ORD-1"]]`. */
  example?: { body_text?: string[][]; body_text_named_params?: MetaNamedParamExample[] };
}

export interface MetaFooterComponent {
  type: 'FOOTER';
  text: string;
  code_expiration_minutes?: number;
}

export interface MetaQuickReplyButton {
  type: 'QUICK_REPLY';
  text: string;
}

export interface MetaUrlButton {
  type: 'URL';
  text: string;
  /** May end with `{{1}}`, filled by the suffix given at send time. */
  url: string;
  /** The full example URL, suffix included. */
  example?: string[];
}

export interface MetaPhoneNumberButton {
  type: 'PHONE_NUMBER';
  text: string;
  phone_number: string;
}

export interface MetaCopyCodeButton {
  type: 'COPY_CODE';
  text?: string;
  /** Meta answers with an array; templates created by hand sometimes carry a bare string. */
  example?: string | string[];
}

/** How an authentication template's button is created; Meta usually returns it as a URL button. */
export interface MetaOtpButton {
  type: 'OTP';
  otp_type: 'COPY_CODE' | 'ONE_TAP' | 'ZERO_TAP';
  text?: string;
  url?: string;
  example?: string[];
}

export interface MetaFlowButton {
  type: 'FLOW';
  text: string;
  flow_id?: string | number;
  flow_name?: string;
  flow_action?: 'NAVIGATE' | 'DATA_EXCHANGE';
  navigate_screen?: string;
}

export type MetaTemplateButton =
  MetaQuickReplyButton | MetaUrlButton | MetaPhoneNumberButton | MetaCopyCodeButton | MetaOtpButton | MetaFlowButton;

export interface MetaButtonsComponent {
  type: 'BUTTONS';
  buttons: MetaTemplateButton[];
}

export type MetaTemplateComponent =
  MetaHeaderComponent | MetaBodyComponent | MetaFooterComponent | MetaButtonsComponent;
