import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

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

export interface RemoteCacheServer {
  /** `http://127.0.0.1:<port>`, for NX_SELF_HOSTED_REMOTE_CACHE_SERVER. */
  url: string;
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

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body: Buffer[] = [];
    for await (const chunk of req) body.push(chunk as Buffer);
    const data = Buffer.concat(body);
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
    if (!token) return reply(401, 'Missing or invalid authentication token.');
    const hash = m[1];
    if (req.method === 'GET') {
      const entry = entries.get(hash);
      if (!entry) return reply(404);
      record(200);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': entry.length });
      return res.end(entry);
    }
    if (req.method === 'PUT') {
      if (!token.write) return reply(403, 'Access forbidden: this token is read-only.');
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
    requests,
    entries,
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}
