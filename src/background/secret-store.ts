/**
 * Where the background keeps the token the agent types: the extension origin's IndexedDB.
 * storage.local is readable by the extension's content scripts, which run inside help-desk
 * pages; IndexedDB is per origin, and a content script only ever opens the page's. The
 * service worker (Chrome), the background page (Firefox) and the extension's own pages share
 * this one. A tiny promise wrapper, no dependency.
 */

/** Named string secrets (`token`). `get` gives undefined for one never set. */
export interface SecretStore {
  get(name: string): Promise<string | undefined>;
  set(name: string, value: string): Promise<void>;
  delete(name: string): Promise<void>;
}

export const SECRET_DB = 'baton-secrets';
const STORE = 'secrets';

const done = <T>(req: IDBRequest<T>) =>
  new Promise<T>((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });

/** The secrets in IndexedDB database `name` (one object store, values keyed by secret name). */
export function idbSecretStore(factory: IDBFactory | undefined = globalThis.indexedDB, name = SECRET_DB): SecretStore {
  let db: Promise<IDBDatabase> | null = null;
  const open = (): Promise<IDBDatabase> => {
    if (!factory) return Promise.reject(new Error('IndexedDB is not available here'));
    db ??= new Promise<IDBDatabase>((resolve, reject) => {
      const req = factory.open(name, 1);
      req.onupgradeneeded = () => {
        if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE);
      };
      req.onsuccess = () => {
        const conn = req.result;
        // Closed by the browser (storage cleared) or asked to for an upgrade: open again next time.
        conn.onclose = () => (db = null);
        conn.onversionchange = () => {
          conn.close();
          db = null;
        };
        resolve(conn);
      };
      req.onerror = () => reject(req.error ?? new Error(`IndexedDB ${name} did not open`));
      req.onblocked = () => reject(new Error(`IndexedDB ${name} is blocked by another connection`));
    }).catch((e: unknown) => {
      db = null;
      throw e;
    });
    return db;
  };
  /** One request in its own transaction; resolves when the transaction commits. */
  const run = async <T>(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> => {
    const tx = (await open()).transaction(STORE, mode);
    const committed = new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
    });
    const [result] = await Promise.all([done(fn(tx.objectStore(STORE))), committed]);
    return result;
  };
  return {
    async get(key) {
      const v = await run('readonly', (s) => s.get(key) as IDBRequest<unknown>);
      return typeof v === 'string' ? v : undefined;
    },
    async set(key, value) {
      await run('readwrite', (s) => s.put(value, key));
    },
    async delete(key) {
      await run('readwrite', (s) => s.delete(key));
    },
  };
}

/** Secrets in memory only (tests, and a background built without a persistent store). */
export function memorySecretStore(initial: Record<string, string> = {}): SecretStore {
  const m = new Map(Object.entries(initial));
  return {
    get: async (k) => m.get(k),
    set: async (k, v) => void m.set(k, v),
    delete: async (k) => void m.delete(k),
  };
}

let lastPrint: { secret: string; print: Promise<string> } | null = null;

/** SHA-256 hex of a secret: tells one token from another where the token must not be kept. */
export function secretFingerprint(secret: string): Promise<string> {
  if (lastPrint?.secret !== secret) {
    const print = crypto.subtle
      .digest('SHA-256', new TextEncoder().encode(secret))
      .then((b) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, '0')).join(''));
    lastPrint = { secret, print };
  }
  return lastPrint.print;
}
