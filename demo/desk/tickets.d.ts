/** Types of tickets.js (the demo desk is plain JS; tests import it). */
export interface DemoTicket {
  id: number;
  status: string;
  received: string;
  subject: string;
  requester: { name: string; email: string; org: string };
  /** How the requester matches the demo config: email, domain, org or none. */
  expect: 'email' | 'domain' | 'org' | 'none';
  thread: string[];
  /** The desk's tags on the ticket (the demo adapter reads them: product areas match on them). */
  tags?: string[];
}
export declare const tickets: DemoTicket[];
