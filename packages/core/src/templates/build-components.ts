import { buildBody } from './build-body';
import { buildButtons } from './build-buttons';
import { buildHeader } from './build-header';
import type { TemplateVariableError } from './errors';
import type { MetaSendComponent } from './meta-send-components';
import type { MetaTemplate } from './meta-template';
import type { BodyVariable, ButtonVariable, HeaderVariable, SendVariable } from './send-variables';
import { templateShape } from './template-shape';

export type BuildTemplateComponentsResult =
  { ok: true; components: MetaSendComponent[] } | { ok: false; errors: TemplateVariableError[] };

/**
 * Checks a send's variables against the template and turns them into the `components` of
 * Meta's send request, exactly as Meta accepts them: header, body, then buttons by index,
 * with no entry for a part that needs no parameter. Every mismatch is reported, not just
 * the first.
 */
export function buildTemplateComponents(
  template: MetaTemplate,
  variables: SendVariable[],
): BuildTemplateComponentsResult {
  const shape = templateShape(template);
  const errors: TemplateVariableError[] = [];
  const entries = groupVariables(variables, errors);
  const isAuthentication = template.category === 'AUTHENTICATION';

  const header = entries.skip.has('header')
    ? null
    : buildHeader(shape.header, shape.parameter_format, entries.header, errors);
  const body = entries.skip.has('body')
    ? { component: null, firstText: null }
    : buildBody(shape.body, shape.parameter_format, entries.body, isAuthentication, errors);
  const buttons = buildButtons(
    shape.buttons,
    entries.buttons,
    entries.skipButtons,
    isAuthentication ? body.firstText : null,
    errors,
  );

  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    components: [...(header ? [header] : []), ...(body.component ? [body.component] : []), ...buttons],
  };
}

interface GroupedVariables {
  header?: HeaderVariable;
  body?: BodyVariable;
  buttons: Map<number, ButtonVariable>;
  /** Components given twice: reported once here and not checked further. */
  skip: Set<'header' | 'body'>;
  skipButtons: Set<number>;
}

function groupVariables(variables: SendVariable[], errors: TemplateVariableError[]): GroupedVariables {
  const grouped: GroupedVariables = { buttons: new Map(), skip: new Set(), skipButtons: new Set() };
  variables.forEach((variable, position) => {
    if (variable.type === 'button') {
      if (!grouped.buttons.has(variable.index)) {
        grouped.buttons.set(variable.index, variable);
      } else if (!grouped.skipButtons.has(variable.index)) {
        grouped.skipButtons.add(variable.index);
        errors.push({
          component: 'variables',
          index: position,
          message: `variables has more than one entry for button ${variable.index}; give one`,
        });
      }
      return;
    }
    if (grouped[variable.type] === undefined) {
      if (variable.type === 'header') grouped.header = variable;
      else grouped.body = variable;
    } else if (!grouped.skip.has(variable.type)) {
      grouped.skip.add(variable.type);
      errors.push({
        component: 'variables',
        index: position,
        message: `variables has more than one ${variable.type} entry; give one`,
      });
    }
  });
  return grouped;
}
