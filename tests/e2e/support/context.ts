// What the e2e global setup hands to every test file (`inject('e2e')`), and the RT tickets
// it creates. Requestors are contacts of the demo config (baton.config.yaml).
import { inject } from 'vitest';
import type { RtTicketInput } from './rt';

export interface E2eContext {
  root: string;
  /** Unpacked test builds (BATON_SHADOW=open). */
  extension: { chrome: string; firefox: string };
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

export const RT_TICKETS = {
  aiko: {
    subject: 'サーベイ結果のCSVが文字化けします',
    requestor: 'Aiko Tanaka <aiko.tanaka@acme.example.jp>',
    content: 'CSVで出力した部署名がExcelで文字化けします。回避方法を教えてください。',
  },
  emma: {
    subject: 'Pulse survey reminders did not reach the warehouse team',
    requestor: 'Emma Clark <emma.clark@northwind.example.com>',
    content: 'None of the warehouse staff got the reminder email this quarter.',
  },
  kenji: {
    subject: '鉄道システム事業部だけ回答画面が開けません',
    requestor: 'Kenji Ota <kenji.ota@minato-denki.example.jp>',
    content: '鉄道システム事業部の社員だけ、サーベイの回答画面がタイムアウトします。',
  },
} satisfies Record<string, RtTicketInput>;

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
