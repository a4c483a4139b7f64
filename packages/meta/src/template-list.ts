import { DakError, ServiceUnavailableError, type MetaTemplate } from '@dak/core';
import { ForeignPagingError, GraphApiError, type GraphClient } from './graph-client';

/**
 * Every template of a WABA (all pages), for a template sync, with Meta's failures told as
 * Dak's errors: DakError `meta_refused` (Meta answered 4xx: WABA id or token is wrong)
 * or `foreign_next_page` (a page pointed off the Graph API's origin), and
 * ServiceUnavailableError when Meta did not answer (or answered something unreadable); the
 * original error is its `cause`.
 */
export async function fetchTemplateList(
  graph: GraphClient,
  wabaId: string,
  accessToken: string,
): Promise<MetaTemplate[]> {
  try {
    return await graph.listTemplates(wabaId, accessToken);
  } catch (error) {
    if (error instanceof ForeignPagingError) {
      throw new DakError(
        'foreign_next_page',
        `Meta's template list pointed its next page at ${error.nextOrigin}, not at the Graph API (${error.graphOrigin}); Dak stopped so the access token is not sent there, and stored nothing. Check META_GRAPH_URL.`,
        { next_origin: error.nextOrigin, graph_origin: error.graphOrigin },
      );
    }
    if (error instanceof GraphApiError && error.httpStatus < 500) {
      throw new DakError(
        'meta_refused',
        `Meta refused the template list: ${error.error?.message ?? `HTTP ${error.httpStatus}`}. Check the WABA id and access token.`,
        { meta_error: error.error },
      );
    }
    const unavailable = new ServiceUnavailableError(
      'The Cloud API did not answer the template list. Retry shortly.',
      30,
    );
    unavailable.cause = error;
    throw unavailable;
  }
}
