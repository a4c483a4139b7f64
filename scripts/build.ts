// `pnpm build`: every process's entry point compiled into one JavaScript file that plain
// `node` runs, no TypeScript loader (`node apps/api/dist/main.js`).
//
// esbuild bundles the workspace's own packages (@dak/*, TypeScript source with extensionless
// imports that node cannot load) into each entry; every third-party package stays an import
// that node resolves from the installed node_modules at run time. So the packages that read
// their own files (swagger-ui-dist's assets, pino's worker threads, bullmq, pg's optional
// native binding, msgpackr's prebuilt extension) run exactly as they do under tsx. pnpm links
// a package's dependencies into its own node_modules only, so each entry's package must list
// every third-party package its bundle imports; the build checks that, so a missing one fails
// here instead of in production.
import { readFile, rm } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

interface Entry {
  source: string;
  outfile: string;
  /** The package whose node_modules the bundle's third-party imports resolve from. */
  owner: string;
  /**
   * Third-party packages bundled too, so the file needs nothing installed: only for a one-shot
   * tool whose packages are plain JavaScript.
   */
  selfContained?: true;
}

const ENTRIES: Entry[] = [
  ...['api', 'worker', 'webhooks', 'meta-sim'].map((app) => ({
    source: `apps/${app}/src/main.ts`,
    outfile: `apps/${app}/dist/main.js`,
    owner: `apps/${app}`,
  })),
  { source: 'packages/db/src/migrate-cli.ts', outfile: 'packages/db/dist/migrate-cli.js', owner: 'packages/db' },
  // The demo seed of docker-compose's local profile: it lives outside the workspace packages,
  // and needs only zod and commander (through @dak/cli's admin client).
  { source: 'scripts/seed-demo.ts', outfile: 'scripts/dist/seed-demo.js', owner: '.', selfContained: true },
];

const thirdPartyStaysExternal: Plugin = {
  name: 'third-party-stays-external',
  setup(builder) {
    builder.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith('@dak/') ? undefined : { path: args.path, external: true },
    );
  },
};

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

async function dependenciesOf(owner: string): Promise<Set<string>> {
  const manifest = JSON.parse(await readFile(join(root, owner, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  return new Set(Object.keys(manifest.dependencies ?? {}));
}

async function buildEntry(entry: Entry): Promise<{ outfile: string; bytes: number; problem: string | undefined }> {
  const outfile = join(root, entry.outfile);
  const result = await build({
    absWorkingDir: root,
    entryPoints: [join(root, entry.source)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Class names stay as written (error classes, pino's `err.type`) although the bundle
    // renames clashing top-level symbols.
    keepNames: true,
    sourcemap: 'linked',
    sourcesContent: false,
    metafile: true,
    logLevel: 'warning',
    ...(entry.selfContained
      ? // Bundled CommonJS packages call require(), which an ES module lacks.
        {
          banner: {
            js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
          },
        }
      : { plugins: [thirdPartyStaysExternal] }),
  });
  const output = result.metafile.outputs[relative(root, outfile)]!;
  const imported = new Set(
    output.imports.filter((i) => i.external && !isBuiltin(i.path)).map((i) => packageName(i.path)),
  );
  const listed = await dependenciesOf(entry.owner);
  const missing = [...imported].filter((name) => !listed.has(name)).sort();
  const problem =
    missing.length === 0
      ? undefined
      : `${entry.outfile} imports ${missing.join(', ')}: list ${missing.length === 1 ? 'it' : 'them'} in ${join(entry.owner, 'package.json')} "dependencies", or a production install leaves ${missing.length === 1 ? 'it' : 'them'} out`;
  return { outfile: entry.outfile, bytes: output.bytes, problem };
}

await Promise.all(ENTRIES.map((entry) => rm(dirname(join(root, entry.outfile)), { recursive: true, force: true })));
const built = await Promise.all(ENTRIES.map(buildEntry));
for (const { outfile, bytes } of built) console.log(`${outfile}  ${(bytes / 1024).toFixed(0)} KiB`);
const problems = built.flatMap(({ problem }) => (problem ? [problem] : []));
if (problems.length > 0) {
  console.error(`\nThe build is not runnable in production:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exitCode = 1;
}
