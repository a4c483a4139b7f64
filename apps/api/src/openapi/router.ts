import { Router } from 'express';
import swaggerUi from 'swagger-ui-express';
import packageJson from '../../package.json' with { type: 'json' };
import { buildOpenApiDocument } from './document';

export const OPENAPI_PATH = '/openapi.json';
export const DOCS_PATH = '/docs';

// swagger-ui-express serves swagger-ui-dist's own files, so the page works without internet.
// The validator badge is off: it would send the document to validator.swagger.io.
const docsOptions = {
  customSiteTitle: 'Dak API',
  swaggerUrl: OPENAPI_PATH,
  swaggerOptions: { validatorUrl: null, persistAuthorization: true, displayOperationId: true },
};

/** `GET /openapi.json` (the document) and `GET /docs` (Swagger UI rendering it); no auth, they hold no secrets. */
export function openapiRouter(): Router {
  const document = buildOpenApiDocument(packageJson.version);
  const router = Router();
  router.get(OPENAPI_PATH, (_req, res) => {
    res.json(document);
  });
  router.use(DOCS_PATH, swaggerUi.serveFiles(undefined, docsOptions), swaggerUi.setup(undefined, docsOptions));
  return router;
}
