import type { z } from 'zod';
import type { Template } from '@dak/db';
import type { templateSchema } from './schema';

export function presentTemplate(template: Template): z.infer<typeof templateSchema> {
  return {
    id: template.id,
    name: template.name,
    language: template.language,
    category: template.category,
    status: template.status,
    parameter_format: template.parameter_format as z.infer<typeof templateSchema>['parameter_format'],
    components: template.components as Record<string, unknown>[],
  };
}
