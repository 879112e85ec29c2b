/**
 * `npx baton import --from CRM PATH --stages role=stage,… [--config FILE] [--out FILE]`: runs one
 * import as the server would, prints its report, and with --out writes the result as a config
 * file `npx baton check` accepts (for admins who review or hand-edit what the CRM gave).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import yaml from 'js-yaml';
import * as v from 'valibot';
import { ImportConfigSchema, IMPORT_SOURCES, type AccountConfig, type BatonConfig, type StageConfig } from '../../shared/config';
import { formatConfigError, parseConfig } from '../config';
import { normalizeCompany } from '../normalize';
import { runImport } from './index';
import { reportLines } from './report';

export interface CommandIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export const IMPORT_HELP = `  npx baton import --from CRM PATH --stages ROLE=STAGE,…   read a CRM export, print its report
      --from CRM       ${IMPORT_SOURCES.join(' | ')}
      --stages LIST    source=…,lead-owner=…,deal-owner=…,account-owner=… (stage ids)
      --config FILE    take stages and people from this config (people are matched by email/name)
      --columns LIST   'Header=field,…' for custom or renamed headers
      --employees COL  the column that says how many people use the product
      --encoding ENC   auto (default) | utf-8 | cp932 | utf-16le
      --out FILE       also write the result as a config file (npx baton check accepts it)
`;

/** "a=b,c=d" → { a: 'b', c: 'd' } (a value may hold "=", a key may be quoted 'team:Role'). */
function pairs(list: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (list ?? '').split(',')) {
    const i = part.lastIndexOf('=');
    if (i <= 0) continue;
    out[part.slice(0, i).trim().replace(/^'(.*)'$/, '$1')] = part.slice(i + 1).trim();
  }
  return out;
}

/** Drops empty text, empty lists and zero counts (the schema's defaults) for a readable file. */
function compact<T>(x: T): T {
  if (Array.isArray(x)) return x.map(compact) as T;
  if (x && typeof x === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(x)) {
      if (val === '' || val === undefined || (Array.isArray(val) && val.length === 0) || (k === 'employees' && val === 0) || (k === 'members' && val === 0)) continue;
      out[k] = compact(val);
    }
    return out as T;
  }
  return x;
}

export async function importCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      from: { type: 'string' },
      stages: { type: 'string' },
      config: { type: 'string' },
      columns: { type: 'string' },
      employees: { type: 'string' },
      encoding: { type: 'string' },
      out: { type: 'string' },
    },
  });
  const path = positionals[0];
  if (!values.from || !path || !values.stages) {
    io.stderr(`import: give --from, the export's PATH and --stages, e.g.\n  npx baton import --from hubspot exports/hubspot/ --stages source=marketing,deal-owner=sales\n`);
    return 2;
  }
  const parsed = v.safeParse(ImportConfigSchema, {
    from: values.from,
    path,
    stages: pairs(values.stages),
    columns: pairs(values.columns),
    ...(values.employees ? { employees: values.employees } : {}),
    ...(values.encoding ? { encoding: values.encoding } : {}),
  });
  if (!parsed.success) {
    for (const issue of parsed.issues) io.stderr(`import: --${String(issue.path?.[0]?.key ?? '')}: ${issue.message}\n`);
    return 2;
  }
  const imp = parsed.output;

  let base: Pick<BatonConfig, 'organization' | 'stages' | 'people'>;
  if (values.config) {
    // The config's own stages and people (its imports are not run).
    let text: string;
    try {
      text = await readFile(values.config, 'utf8');
    } catch (err) {
      io.stderr(`import: cannot read ${values.config}: ${(err as Error).message}\n`);
      return 1;
    }
    const loaded = parseConfig(text.replace(/^\uFEFF/, ''), values.config);
    if (!loaded.ok) {
      for (const e of loaded.errors) io.stderr(`${formatConfigError(e)}\n`);
      return 1;
    }
    base = loaded.loaded.config;
  } else {
    const stages: StageConfig[] = [];
    for (const [role, id] of Object.entries(imp.stages)) {
      if (!stages.some((s) => s.id === id)) stages.push({ id, side: role === 'account-owner' ? 'after' : 'before', label: { en: id, ja: id } });
    }
    base = { organization: { name: `Imported from ${imp.from}`, defaultLocale: 'en' }, stages, people: [] };
  }
  const unknown = Object.entries(imp.stages).filter(([, id]) => !base.stages.some((s) => s.id === id));
  if (unknown.length > 0) {
    io.stderr(`import: ${unknown.map(([r, id]) => `${r}=${id}`).join(', ')}: no such stage in ${values.config}\n`);
    return 2;
  }

  const result = await runImport(imp, 0, base, { baseDir: process.cwd(), displayDir: '' });
  if (!result.ok) {
    const e = result.error;
    io.stderr(`${e.file ? `${e.file}:${e.row}` : path}: ${e.message}\n`);
    return 1;
  }
  io.stdout(reportLines(result.report).map((l) => `${l}\n`).join(''));
  if (!values.out) return 0;

  // Two CRM accounts whose names read the same would fail `check`: the later one keeps its CRM id in its name.
  const names = new Set<string>();
  const accounts: AccountConfig[] = result.built.accounts.map((a) => {
    const key = normalizeCompany(a.name);
    if (!names.has(key)) {
      names.add(key);
      return a;
    }
    io.stderr(`import: account ${a.id}'s name "${a.name}" reads the same as another's: written as "${a.name} (${a.id})"\n`);
    return { ...a, name: `${a.name} (${a.id})` };
  });
  const file = {
    version: 1,
    organization: base.organization,
    stages: base.stages,
    people: [...base.people, ...result.built.people],
    accounts,
  };
  const header = `# Imported from the ${imp.from} export ${path} by \`npx baton import\` on ${new Date().toISOString().slice(0, 10)}.\n# Check it with: npx baton check ${values.out}\n`;
  await writeFile(values.out, header + yaml.dump(compact(file), { lineWidth: -1, noRefs: true, flowLevel: 4 }));
  io.stdout(`wrote ${values.out}: ${accounts.length} account${accounts.length === 1 ? '' : 's'}, ${file.people.length} people\n`);
  return 0;
}
