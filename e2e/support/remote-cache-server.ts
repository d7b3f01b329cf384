import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo, createServer as createTcpServer } from 'node:net';

/** One request the server answered. */
export interface CacheRequest {
  method: string;
  hash: string;
  /** Which token was presented: a name from `tokens`, `none` or `invalid`. */
  token: string;
  status: number;
  bytes: number;
  contentType?: string;
}

/**
 * A fault the server plays until it is changed (`server.fault = ...`):
 * - `slow`: every answer is sent `delayMs` late (the request is still answered correctly);
 * - `garbage`: every GET answers 200 `application/octet-stream` with bytes that are not a tar
 *   archive (even for a hash it never stored), PUTs are answered as usual;
 * - `reject-token`: every request is refused with 401, whatever the token;
 * - `read-only`: every PUT is refused with 403, whatever the token.
 * A server that is down is `closedPortUrl()`.
 */
export type CacheFault = { kind: 'none' } | { kind: 'slow'; delayMs: number } | { kind: 'garbage' } | { kind: 'reject-token' } | { kind: 'read-only' };

/** The bytes the `garbage` fault answers with. */
export const GARBAGE_BODY = Buffer.from('<html><body>502 Bad Gateway (this is not a tar archive)</body></html>\n'.repeat(40));

export interface RemoteCacheServer {
  /** `http://127.0.0.1:<port>`, for NX_SELF_HOSTED_REMOTE_CACHE_SERVER. */
  url: string;
  /** The fault played now; `{ kind: 'none' }` by default. */
  fault: CacheFault;
  /** Every request in arrival order. */
  requests: CacheRequest[];
  /** Stored entries by hash. */
  entries: Map<string, Buffer>;
  close(): Promise<void>;
}

/** A bearer token and whether it may write. */
export interface CacheToken {
  name: string;
  token: string;
  write: boolean;
}

/**
 * A remote cache that follows Nx's self-hosted cache OpenAPI spec (Nx 20.8+,
 * https://nx.dev/docs/guides/tasks--caching/self-hosted-caching): `GET /v1/cache/{hash}`
 * answers 200 with the stored tar as application/octet-stream, or 404; `PUT /v1/cache/{hash}`
 * (Content-Length required, else 400) stores it and answers 200, 409 when the hash already
 * exists (entries are never overwritten), 403 for a read-only token. A missing or unknown
 * bearer token is 401 on both. Listens on 127.0.0.1 on a random port.
 */
export async function startRemoteCacheServer(tokens: CacheToken[]): Promise<RemoteCacheServer> {
  const entries = new Map<string, Buffer>();
  const requests: CacheRequest[] = [];

  const state = { fault: { kind: 'none' } as CacheFault };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body: Buffer[] = [];
    for await (const chunk of req) body.push(chunk as Buffer);
    const data = Buffer.concat(body);
    const fault = state.fault;
    if (fault.kind === 'slow') await new Promise((resolve) => setTimeout(resolve, fault.delayMs).unref());
    if (res.destroyed) return;
    const m = /^\/v1\/cache\/([A-Za-z0-9_-]+)$/.exec(req.url ?? '');
    const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const token = auth === undefined ? undefined : tokens.find((t) => t.token === auth);
    const record = (status: number, contentType?: string) =>
      requests.push({ method: req.method ?? '', hash: m?.[1] ?? req.url ?? '', token: token?.name ?? (auth === undefined ? 'none' : 'invalid'), status, bytes: data.length, contentType });
    const reply = (status: number, text?: string) => {
      record(status, req.headers['content-type']);
      res.writeHead(status, text ? { 'content-type': 'text/plain' } : {});
      res.end(text);
    };

    if (!m) return reply(404, 'not found');
    if (!token || fault.kind === 'reject-token') return reply(401, 'Missing or invalid authentication token.');
    const hash = m[1];
    if (req.method === 'GET' && fault.kind === 'garbage') {
      record(200, 'garbage');
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': GARBAGE_BODY.length });
      return res.end(GARBAGE_BODY);
    }
    if (req.method === 'GET') {
      const entry = entries.get(hash);
      if (!entry) return reply(404);
      record(200);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': entry.length });
      return res.end(entry);
    }
    if (req.method === 'PUT') {
      if (!token.write || fault.kind === 'read-only') return reply(403, 'Access forbidden: this token is read-only.');
      const length = Number(req.headers['content-length']);
      if (!Number.isInteger(length) || length !== data.length) return reply(400, 'Missing or invalid Content-Length header.');
      if (entries.has(hash)) return reply(409, 'Cannot override an existing record.');
      entries.set(hash, data);
      return reply(200);
    }
    return reply(405, 'method not allowed');
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      res.writeHead(500);
      res.end(String(e));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get fault() {
      return state.fault;
    },
    set fault(f: CacheFault) {
      state.fault = f;
    },
    requests,
    entries,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}

/** A URL on 127.0.0.1 where nothing listens (a port just bound and released): a cache server that is down. */
export async function closedPortUrl(): Promise<string> {
  const probe = createTcpServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
