// Build: minify the snippet, the loader and the script into widget/snippet/static/js/.
//
// Writes basketlift.<content hash>.js (served immutable), loader.js (served for minutes),
// snippet.js (the tag to paste, with __SITE_KEY__ and __LOADER_URL__ to fill in) and
// manifest.json naming the current script. `bundle()` builds in memory for the tests.

import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const HERE = dirname(fileURLToPath(import.meta.url));
export const OUT_DIR = join(HERE, '..', 'widget', 'snippet', 'static', 'js');
const TARGET = 'es2020';
const { version } = JSON.parse(readFileSync(join(HERE, 'package.json'), 'utf8'));

async function minify(file, define = {}) {
  let source = readFileSync(join(HERE, 'src', file), 'utf8');
  for (const [token, value] of Object.entries(define)) source = source.replaceAll(token, value);
  const result = await esbuild.transform(source, { minify: true, target: TARGET });
  return result.code.trim();
}

export async function bundle() {
  const result = await esbuild.build({
    entryPoints: [join(HERE, 'src', 'main.js')],
    bundle: true,
    minify: true,
    format: 'iife',
    target: TARGET,
    write: false,
    legalComments: 'none',
    define: {},
  });
  const script = result.outputFiles[0].text.replaceAll('__VERSION__', version);
  const hash = createHash('sha256').update(script).digest('hex').slice(0, 12);
  const scriptName = `basketlift.${hash}.js`;
  return {
    version,
    scriptName,
    script,
    integrity: 'sha384-' + createHash('sha384').update(script).digest('base64'),
    loader: await minify('loader.js', { __SCRIPT__: scriptName }),
    snippet: await minify('snippet.js'),
  };
}

// The snippet as a shop pastes it, for a site key and a loader URL.
export function pasteable(snippet, siteKey, loaderUrl) {
  return `<script>${snippet.replace('__SITE_KEY__', siteKey).replace('__LOADER_URL__', loaderUrl)}</script>`;
}

export const gzipSize = (text) => gzipSync(Buffer.from(text), { level: 9 }).length;

export async function build(outDir = OUT_DIR) {
  const built = await bundle();
  mkdirSync(outDir, { recursive: true });
  for (const name of readdirSync(outDir)) {
    if (/^basketlift\.[0-9a-f]+\.js$/.test(name) && name !== built.scriptName) unlinkSync(join(outDir, name));
  }
  writeFileSync(join(outDir, built.scriptName), built.script + '\n');
  writeFileSync(join(outDir, 'loader.js'), built.loader + '\n');
  writeFileSync(join(outDir, 'snippet.js'), built.snippet + '\n');
  const manifest = {
    version: built.version,
    script: built.scriptName,
    integrity: built.integrity,
    loader: 'loader.js',
    snippet: built.snippet,
    sizes: { script_gzip: gzipSize(built.script), snippet: Buffer.byteLength(built.snippet) },
  };
  writeFileSync(join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const manifest = await build();
  console.log(`${manifest.script}: ${manifest.sizes.script_gzip} bytes gzipped; snippet ${manifest.sizes.snippet} bytes`);
}
