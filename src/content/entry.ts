/**
 * Content script entry for loopback and the self-hosted origins the agent granted (built as
 * content/all.js): every built-in adapter is tried by URL and markup. Each hosted desk gets its
 * own entry with only its adapter (vite.config.ts builds those from deskEntry()).
 */
import { builtinAdapters } from './helpdesks/index';
import { main } from './main';

void main({ adapters: builtinAdapters }).catch((e: unknown) => console.debug('[Baton]', e));
