// The `template.components` of Meta's send request (META.md, "Sending a template"): what
// buildTemplateComponents returns, stored with the message and sent by the worker as-is.

export interface MetaCurrency {
  fallback_value: string;
  /** ISO 4217, e.g. "INR". */
  code: string;
  /** The amount multiplied by 1000: ₹1,299.00 is 1299000. */
  amount_1000: number;
}

export interface MetaDateTime {
  fallback_value: string;
}

/** `parameter_name` is set only for NAMED templates. */
export interface MetaTextParameter {
  type: 'text';
  text: string;
  parameter_name?: string;
}

export interface MetaCurrencyParameter {
  type: 'currency';
  currency: MetaCurrency;
  parameter_name?: string;
}

export interface MetaDateTimeParameter {
  type: 'date_time';
  date_time: MetaDateTime;
  parameter_name?: string;
}

export interface MetaMediaObject {
  link?: string;
  id?: string;
}

export interface MetaDocumentObject extends MetaMediaObject {
  filename?: string;
}

export interface MetaLocation {
  latitude: number;
  longitude: number;
  name?: string;
  address?: string;
}

export type MetaHeaderParameter =
  | MetaTextParameter
  | { type: 'image'; image: MetaMediaObject }
  | { type: 'video'; video: MetaMediaObject }
  | { type: 'document'; document: MetaDocumentObject }
  | { type: 'location'; location: MetaLocation };

export type MetaBodyParameter = MetaTextParameter | MetaCurrencyParameter | MetaDateTimeParameter;

export interface MetaHeaderSendComponent {
  type: 'header';
  parameters: MetaHeaderParameter[];
}

export interface MetaBodySendComponent {
  type: 'body';
  parameters: MetaBodyParameter[];
}

export type MetaButtonSendComponent =
  | { type: 'button'; sub_type: 'url'; index: string; parameters: [{ type: 'text'; text: string }] }
  | { type: 'button'; sub_type: 'quick_reply'; index: string; parameters: [{ type: 'payload'; payload: string }] }
  | {
      type: 'button';
      sub_type: 'copy_code';
      index: string;
      parameters: [{ type: 'coupon_code'; coupon_code: string }];
    }
  | {
      type: 'button';
      sub_type: 'flow';
      index: string;
      parameters: [{ type: 'action'; action: { flow_token: string } }];
    };

export type MetaSendComponent = MetaHeaderSendComponent | MetaBodySendComponent | MetaButtonSendComponent;
