import type { TemplateVariableError } from './errors';
import { checkParameterText, fillPlaceholders } from './fill-placeholders';
import { HEADER_TEXT_MAX } from './limits';
import type { MetaHeaderParameter, MetaHeaderSendComponent } from './meta-send-components';
import type { ParameterFormat } from './meta-template';
import { characterCount, hydrate } from './placeholders';
import type { HeaderLocation, HeaderMedia, HeaderVariable } from './send-variables';
import type { HeaderDescription, MediaType } from './template-shape';

const ARTICLE: Record<MediaType, string> = { image: 'an image', video: 'a video', document: 'a document' };

/** The header send component, or null when the template's header needs none. */
export function buildHeader(
  header: HeaderDescription | null,
  format: ParameterFormat,
  entry: HeaderVariable | undefined,
  errors: TemplateVariableError[],
): MetaHeaderSendComponent | null {
  if (!header) {
    if (entry) errors.push({ component: 'header', message: 'the template has no header; remove the header entry' });
    return null;
  }
  switch (header.format) {
    case 'TEXT':
      return buildTextHeader(header, format, entry, errors);
    case 'LOCATION': {
      if (!entry?.location) {
        errors.push({
          component: 'header',
          message: `header expects a location (template header format LOCATION), got ${received(entry)}`,
          expected: 'location',
          received: received(entry),
        });
        return null;
      }
      const location = checkLocation(entry.location, errors);
      return location ? { type: 'header', parameters: [{ type: 'location', location }] } : null;
    }
    default: {
      const expected = header.media_type;
      if (entry?.media?.type !== expected) {
        errors.push({
          component: 'header',
          message: `header expects ${ARTICLE[expected]} (template header format ${header.format}), got ${received(entry)}`,
          expected,
          received: received(entry),
        });
        return null;
      }
      const parameter = mediaParameter(entry.media, errors);
      return parameter ? { type: 'header', parameters: [parameter] } : null;
    }
  }
}

function received(entry: HeaderVariable | undefined): string {
  if (!entry) return 'none';
  if (entry.media) return ARTICLE[entry.media.type];
  if (entry.location) return 'a location';
  return 'text values';
}

function buildTextHeader(
  header: Extract<HeaderDescription, { format: 'TEXT' }>,
  format: ParameterFormat,
  entry: HeaderVariable | undefined,
  errors: TemplateVariableError[],
): MetaHeaderSendComponent | null {
  if (entry && !entry.values) {
    const list = header.placeholders.map((p) => p.placeholder);
    errors.push({
      component: 'header',
      message:
        list.length === 0
          ? `header expects no values (its text has no placeholders), got ${received(entry)}`
          : `header expects 1 value (${list.join(', ')}), got ${received(entry)}`,
      expected: list,
      received: received(entry),
    });
    return null;
  }
  const filled = fillPlaceholders('header', header.placeholders, format, entry?.values, errors);
  if (!filled || filled.length === 0) return null;
  const valid = filled.every(({ placeholder, value }) =>
    checkParameterText(
      value,
      `header ${placeholder.placeholder}`,
      { component: 'header', placeholder: placeholder.placeholder },
      errors,
    ),
  );
  if (!valid) return null;
  const length = characterCount(
    hydrate(header.text, new Map(filled.map(({ placeholder, value }) => [placeholder.name, value]))),
  );
  if (length > HEADER_TEXT_MAX) {
    errors.push({
      component: 'header',
      placeholder: filled[0]!.placeholder.placeholder,
      message: `header is ${length} characters once filled; Meta allows at most ${HEADER_TEXT_MAX}`,
      expected: HEADER_TEXT_MAX,
      received: length,
    });
    return null;
  }
  return {
    type: 'header',
    parameters: filled.map(({ placeholder, value }) => ({
      type: 'text',
      text: value,
      ...(format === 'NAMED' ? { parameter_name: placeholder.name } : {}),
    })),
  };
}

function mediaParameter(media: HeaderMedia, errors: TemplateVariableError[]): MetaHeaderParameter | null {
  const where = `header ${media.type}`;
  const before = errors.length;
  const fail = (message: string, receivedValue?: unknown) =>
    errors.push({ component: 'header', message, ...(receivedValue === undefined ? {} : { received: receivedValue }) });
  if (media.link !== undefined && media.id !== undefined) fail(`${where} takes a link or an id, not both`);
  else if (media.link === undefined && media.id === undefined) fail(`${where} needs a link or an id`);
  else if (media.link !== undefined && !isHttpUrl(media.link)) {
    fail(`${where} link must be an http(s) URL, got "${media.link}"`, media.link);
  } else if (media.id !== undefined && !/^\S+$/.test(media.id)) {
    fail(`${where} id must be a media id from Meta's upload, got "${media.id}"`, media.id);
  }
  if (media.filename !== undefined) {
    if (media.type !== 'document') fail(`${where} takes no filename (only documents do)`);
    else if (media.filename.trim() === '') fail(`${where} filename is empty`);
  }
  if (errors.length > before) return null;
  const object = media.link !== undefined ? { link: media.link } : { id: media.id! };
  switch (media.type) {
    case 'image':
      return { type: 'image', image: object };
    case 'video':
      return { type: 'video', video: object };
    case 'document':
      return {
        type: 'document',
        document: { ...object, ...(media.filename !== undefined ? { filename: media.filename } : {}) },
      };
  }
}

function checkLocation(location: HeaderLocation, errors: TemplateVariableError[]): HeaderLocation | null {
  let valid = true;
  for (const field of ['name', 'address'] as const) {
    if (location[field] !== undefined && location[field].trim() === '') {
      errors.push({ component: 'header', message: `header location ${field} is empty; leave it out instead` });
      valid = false;
    }
  }
  if (!valid) return null;
  return {
    latitude: location.latitude,
    longitude: location.longitude,
    ...(location.name !== undefined ? { name: location.name } : {}),
    ...(location.address !== undefined ? { address: location.address } : {}),
  };
}

/** Meta fetches media links itself and only over http(s). */
export function isHttpUrl(value: string): boolean {
  if (/\s/.test(value)) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}
