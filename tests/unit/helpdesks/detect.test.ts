// @vitest-environment happy-dom
// @vitest-environment-options {"settings":{"disableCSSFileLoading":true,"disableJavaScriptFileLoading":true,"disableJavaScriptEvaluation":true,"disableIframePageLoading":true}}
/**
 * On loopback every adapter is tried, so detect() must be specific: every adapter × every fixture in
 * tests/fixtures/helpdesks/ (rt, demo and other people's fixtures included) — true only on its own.
 */
import { describe, expect, it } from 'vitest';
import { builtinAdapters } from '../../../src/content/helpdesks/index';
import { fixtureFiles, fixtureOwner, loadFixture } from './fixture';

const files = fixtureFiles();

describe.each(files)('fixture %s', (file) => {
  const doc = loadFixture(file);
  const owner = fixtureOwner(file);

  it.each(builtinAdapters.map((a) => [a.id, a] as const))('%s.detect()', (id, adapter) => {
    expect(adapter.detect(doc)).toBe(id === owner);
  });
});

it('every adapter detects at least one fixture', () => {
  const owners = new Set(files.map(fixtureOwner));
  for (const a of builtinAdapters) expect(owners.has(a.id), a.id).toBe(true);
});
