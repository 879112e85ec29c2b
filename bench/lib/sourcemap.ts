/**
 * Positions in a profile of code that tsx compiled (tsx's esbuild output is one line per file)
 * back to the TypeScript source: the file is compiled again with tsx's esbuild options, and the
 * source map of that gives the line. A file where a named function's line does not hold that name
 * is marked as not located (the compile differed from tsx's), never guessed.
 */
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';

const maps = new Map<string, { map: SourceMap; lines: string[] } | null>();
const unreliable = new Set<string>();

function compile(path: string) {
  if (!maps.has(path)) {
    try {
      const source = readFileSync(path, 'utf8');
      const tsconfig = JSON.parse(readFileSync(new URL('../../tsconfig.json', import.meta.url), 'utf8')) as { compilerOptions?: object };
      const out = transformSync(source, {
        loader: path.endsWith('.tsx') ? 'tsx' : 'ts',
        format: 'esm',
        target: `node${process.versions.node}`,
        sourcemap: 'external',
        sourcefile: path,
        minifyWhitespace: true,
        keepNames: true,
        tsconfigRaw: { compilerOptions: tsconfig.compilerOptions ?? {} } as never,
      });
      maps.set(path, { map: new SourceMap(JSON.parse(out.map) as never), lines: source.split('\n') });
    } catch {
      maps.set(path, null);
    }
  }
  return maps.get(path) ?? null;
}

/** 1-based line in the TypeScript source, or null when it cannot be told for sure. */
export function sourceLine(url: string, line: number, column: number, functionName: string): number | null {
  if (!url.startsWith('file://') || !/\.tsx?$/.test(url)) return null;
  const path = fileURLToPath(url);
  if (unreliable.has(path)) return null;
  const m = compile(path);
  if (!m) return null;
  const entry = m.map.findEntry(line, column) as { originalLine?: number };
  if (entry.originalLine === undefined) return null;
  // Check the name where one is given: a function's own line (or the one before, for decorators
  // and multi-line signatures) holds it.
  const bare = functionName.split('.').pop() ?? '';
  if (bare && !bare.startsWith('(') && /^[\w$#]+$/.test(bare)) {
    const near = [m.lines[entry.originalLine], m.lines[entry.originalLine - 1]].join('\n');
    if (!near.includes(bare.replace(/^#/, ''))) {
      unreliable.add(path);
      return null;
    }
  }
  return entry.originalLine + 1;
}
