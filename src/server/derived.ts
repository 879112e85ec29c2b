/**
 * What requests need from a loaded config beyond the matching index, computed once per loaded
 * config on first use (kept beside it in a WeakMap, so a reload starts afresh and nothing here
 * changes how a config is loaded): the free-mail test, the product-area matchers, accounts by id.
 */
import type { AccountConfig } from '../shared/config';
import type { LoadedConfig } from './config';
import { freemailTest } from './freemail';
import { compileProducts, type ProductMatcher } from './products';

export interface Derived {
  isFreemail(domain: string): boolean;
  products: ProductMatcher[];
  accountById: Map<string, AccountConfig>;
}

const memo = new WeakMap<LoadedConfig, Derived>();

export function derived(loaded: LoadedConfig): Derived {
  let d = memo.get(loaded);
  if (!d) {
    d = {
      isFreemail: freemailTest(loaded.config.freemail),
      products: compileProducts(loaded.config.products),
      accountById: new Map(loaded.config.accounts.map((a) => [a.id, a])),
    };
    memo.set(loaded, d);
  }
  return d;
}
