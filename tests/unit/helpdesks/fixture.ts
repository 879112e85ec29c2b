/**
 * Test helper: load a help-desk fixture into a Document (happy-dom's DOMParser, no scripts run), with
 * declarative shadow roots (`<template shadowrootmode="open">`) attached the way a browser does.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';

export const FIXTURES = resolve(import.meta.dirname, '../../fixtures/helpdesks') + '/';
export const ADAPTERS_DIR = resolve(import.meta.dirname, '../../../src/content/helpdesks') + '/';

/** Every fixture file name in the folder (other people's too: rt, demo, rt-live …). */
export function fixtureFiles(): string[] {
  return readdirSync(FIXTURES).filter((f) => f.endsWith('.html')).sort();
}

/** The adapter a fixture belongs to: `zammad.html` → zammad, `rt-live.html` → rt. */
export function fixtureOwner(file: string): string {
  return file.replace(/\.html$/, '').split(/[-.]/)[0]!;
}

export function loadFixture(file: string): Document {
  // Stylesheets are not needed to read markup; renaming the rel keeps happy-dom from fetching them.
  const html = readFileSync(FIXTURES + file, 'utf8').replace(/(<link\b[^>]*\brel=["']?)stylesheet/gi, '$1x-stylesheet');
  const doc = new DOMParser().parseFromString(html, 'text/html');
  attachDeclarativeShadowRoots(doc);
  return doc;
}

function attachDeclarativeShadowRoots(root: ParentNode): void {
  for (const tpl of [...root.querySelectorAll<HTMLTemplateElement>('template[shadowrootmode]')]) {
    const host = tpl.parentElement;
    if (!host) continue;
    const mode = tpl.getAttribute('shadowrootmode') === 'closed' ? 'closed' : 'open';
    const shadow = host.shadowRoot ?? host.attachShadow({ mode });
    shadow.append(tpl.content.cloneNode(true));
    tpl.remove();
    attachDeclarativeShadowRoots(shadow);
  }
}
