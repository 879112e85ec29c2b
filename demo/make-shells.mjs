#!/usr/bin/env node
/**
 * The demo desk routes on the client (/demo/tickets/<id>), but the API serves /demo/ as plain
 * static files: a deep link or a reload on a ticket needs a file there. This writes
 * demo/desk/tickets/<id>/index.html, a copy of the desk's index.html, for every ticket.
 * Run after changing index.html or the tickets: node demo/make-shells.mjs
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const desk = join(dirname(fileURLToPath(import.meta.url)), 'desk');
const { tickets } = await import(join(desk, 'tickets.js'));
const shell = readFileSync(join(desk, 'index.html'), 'utf8');
const dir = join(desk, 'tickets');
rmSync(dir, { recursive: true, force: true });
for (const t of tickets) {
  mkdirSync(join(dir, String(t.id)), { recursive: true });
  writeFileSync(join(dir, String(t.id), 'index.html'), shell);
}
console.log(`wrote ${readdirSync(dir).length} ticket pages under ${dir}`);
