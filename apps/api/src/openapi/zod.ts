import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

// `.openapi()` (examples, parameter descriptions, component names) exists once zod is extended;
// the OpenAPI modules import zod from here so the extension always runs first.
extendZodWithOpenApi(z);

export { z };
