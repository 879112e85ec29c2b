/**
 * A parse worker (parse.ts starts them for a large export): decodes and parses one file per
 * message and posts the table back, its buffers transferred.
 */
import { parentPort } from 'node:worker_threads';
import { parseFile, type ParseReply, type ParseRequest } from './parse';

parentPort!.on('message', ({ index, file, encoding }: ParseRequest) => {
  let reply: ParseReply;
  try {
    reply = { index, parsed: parseFile(file, encoding) };
  } catch (err) {
    reply = { index, crash: (err as Error).stack ?? String(err) };
  }
  const p = 'parsed' in reply && reply.parsed.ok ? reply.parsed : null;
  parentPort!.postMessage(reply, p ? [p.table.ends.buffer as ArrayBuffer, p.table.starts.buffer as ArrayBuffer, p.table.rowNumbers.buffer as ArrayBuffer] : []);
});
