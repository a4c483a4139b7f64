import type { buildTemplateComponents } from '../../src/templates';

type BuildResult = ReturnType<typeof buildTemplateComponents>;

/** The error messages of a build that must fail; a success fails the test with what was built. */
export function errorsOf(result: BuildResult): string[] {
  if (result.ok) throw new Error(`expected errors, got components ${JSON.stringify(result.components)}`);
  return result.errors.map((e) => e.message);
}

/** The components of a build that must succeed; a failure fails the test with its errors. */
export function componentsOf(result: BuildResult) {
  if (!result.ok) throw new Error(`expected components, got ${JSON.stringify(result.errors)}`);
  return result.components;
}
