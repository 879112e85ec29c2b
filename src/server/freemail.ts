/**
 * Free-mail domains: anyone can have an address there, so an address on one says nothing about
 * which company the requester works for. A match that rests on one (or on the company name
 * alone) asks the agent to verify who this is. The config's `freemail:` adds domains.
 */
import { domainAndParents, normalizeDomain } from './normalize';

/** Common free-mail and mobile-carrier domains (Japan and worldwide). */
export const FREEMAIL_DOMAINS: readonly string[] = [
  // worldwide
  'gmail.com', 'googlemail.com', 'outlook.com', 'outlook.jp', 'hotmail.com', 'hotmail.co.jp', 'hotmail.co.uk', 'live.com', 'live.jp',
  'msn.com', 'yahoo.com', 'yahoo.co.jp', 'yahoo.co.uk', 'ymail.com', 'icloud.com', 'me.com', 'mac.com', 'aol.com',
  'proton.me', 'protonmail.com', 'pm.me', 'gmx.com', 'gmx.de', 'gmx.net', 'web.de', 'mail.com', 'zoho.com', 'yandex.com',
  'yandex.ru', 'mail.ru', 'qq.com', '163.com', '126.com', 'naver.com', 'daum.net', 'hanmail.net', 'fastmail.com', 'tutanota.com',
  'hey.com', 'orange.fr', 'free.fr', 'laposte.net', 'libero.it', 't-online.de',
  // Japan: portals, ISPs people use privately, mobile carriers
  'nifty.com', 'excite.co.jp', 'livedoor.com', 'infoseek.jp', 'goo.jp', 'docomo.ne.jp', 'ezweb.ne.jp', 'au.com',
  'softbank.ne.jp', 'i.softbank.jp', 'ymobile.ne.jp', 'rakuten.jp', 'uqmobile.jp', 'biglobe.ne.jp', 'so-net.ne.jp', 'ocn.ne.jp',
];

/** A free-mail test built from the built-in list and the config's additions. */
export function freemailTest(extra: readonly string[] = []): (domain: string) => boolean {
  const set = new Set([...FREEMAIL_DOMAINS, ...extra].map(normalizeDomain).filter(Boolean));
  return (domain) => {
    const d = normalizeDomain(domain);
    return d !== '' && domainAndParents(d).some((x) => set.has(x));
  };
}
