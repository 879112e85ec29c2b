/**
 * The before/after peer: the project's own previous commit, measured in the same run beside this
 * tree. Which commit: `--base REF` when given; else, when this tree has uncommitted changes to
 * the server (src/server, src/shared, bin), HEAD; else the first parent of the
 * last commit on the first-parent line that changed them (for a merge: main before it). Its
 * files come from `git archive` into the run's scratch directory (no worktree is registered, so
 * a clean clone works and nothing in .git changes); it runs on this tree's node_modules.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './procs';

export interface BaseTree {
  dir: string;
  commit: string;
  subject: string;
  /** Why this commit: "the parent of 1a2b3c4 (Imports: …), the last commit that changed the server". */
  why: string;
  dependenciesDiffer: boolean;
}

/** What the server runs: a commit that changes none of these (bench, tests, docs, dev dependencies) cannot move its numbers. */
const SERVER_PATHS = ['src/server', 'src/shared', 'bin'];

function git(args: string[], input?: Buffer): { ok: boolean; out: string; buf: Buffer } {
  const r = spawnSync('git', args, { cwd: ROOT, maxBuffer: 1 << 30, ...(input ? { input } : {}) });
  return { ok: r.status === 0, out: r.stdout?.toString().trim() ?? '', buf: r.stdout ?? Buffer.alloc(0) };
}

export async function prepareBase(dir: string, ref?: string): Promise<BaseTree | { unavailable: string }> {
  if (!git(['rev-parse', '--git-dir']).ok) return { unavailable: 'not a git checkout' };
  let commit: string;
  let why: string;
  if (ref) {
    const r = git(['rev-parse', '--verify', `${ref}^{commit}`]);
    if (!r.ok) return { unavailable: `--base ${ref}: no such commit here` };
    commit = r.out;
    why = `--base ${ref}`;
  } else if (git(['status', '--porcelain', '--', ...SERVER_PATHS]).out !== '') {
    commit = git(['rev-parse', 'HEAD']).out;
    why = 'HEAD: this tree has uncommitted changes to the server';
  } else {
    const last = git(['rev-list', '-1', '--first-parent', 'HEAD', '--', ...SERVER_PATHS]).out;
    if (!last) return { unavailable: 'no commit changed the server' };
    const parent = git(['rev-parse', '--verify', `${last}^1`]);
    if (!parent.ok) return { unavailable: `${last.slice(0, 10)} has no parent here (a shallow clone? git fetch --unshallow)` };
    commit = parent.out;
    why = `the parent of ${last.slice(0, 10)} (${git(['log', '-1', '--format=%s', last]).out.slice(0, 90)}), the last commit that changed the server`;
  }
  const subject = git(['log', '-1', '--format=%s', commit]).out;
  const archive = git(['archive', '--format=tar', commit]);
  if (!archive.ok) return { unavailable: `git archive ${commit.slice(0, 10)} failed` };
  mkdirSync(dir, { recursive: true });
  const tar = spawnSync('tar', ['-x', '-C', dir], { input: archive.buf });
  if (tar.status !== 0) return { unavailable: `tar: ${tar.stderr?.toString()}` };
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const dependenciesDiffer = spawnSync('git', ['diff', '--quiet', commit, '--', 'package-lock.json'], { cwd: ROOT }).status !== 0;
  return { dir, commit, subject, why, dependenciesDiffer };
}
