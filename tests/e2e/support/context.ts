// What the e2e global setup hands to every test file (`inject('e2e')`), and the RT tickets
// it creates. Requestors are contacts of the demo config (baton.config.yaml).
import { inject } from 'vitest';
import { RT_TICKETS } from './rt-tickets';

export { RT_TICKETS };

export interface E2eContext {
  root: string;
  /** Unpacked test builds (BATON_SHADOW=open). */
  extension: { chrome: string; firefox: string };
  /** Unpacked production builds (closed shadow root, no demo defaults). */
  production: { chrome: string; firefox: string };
  /** Why the test build is missing, or null. */
  extensionError: string | null;
  rt: { url: string; password: string; tickets: Record<keyof typeof RT_TICKETS, number> } | null;
  rtError: string | null;
}

declare module 'vitest' {
  export interface ProvidedContext {
    e2e: E2eContext;
  }
}

/** The run's context; throws with the setup's own error when the build or RT is missing. */
export function e2eContext(need: { extension?: boolean; rt?: boolean } = { extension: true, rt: true }) {
  const ctx = inject('e2e');
  if (!ctx) throw new Error('no e2e context: run through the vitest `e2e` project (tests/e2e/support/global-setup.ts)');
  if (need.extension !== false && ctx.extensionError) {
    throw new Error(`the test extension could not be built: ${ctx.extensionError}`);
  }
  if (need.rt && !ctx.rt) throw new Error(`Request Tracker 5 did not start: ${ctx.rtError}`);
  return ctx as E2eContext & { rt: NonNullable<E2eContext['rt']> };
}

/** A logged-in RT page URL (RT takes user/pass from any page's query string). */
export function rtTicketUrl(rt: NonNullable<E2eContext['rt']>, id: number): string {
  return `${rt.url}/Ticket/Display.html?id=${id}&user=root&pass=${encodeURIComponent(rt.password)}`;
}

/** The email address of an RT ticket's requestor (`Real Name <email>`). */
export function rtRequestorEmail(key: keyof typeof RT_TICKETS): string {
  const m = /<([^>]+)>/.exec(RT_TICKETS[key].requestor);
  return m ? m[1]! : RT_TICKETS[key].requestor;
}
