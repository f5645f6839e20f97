// GET /debug/explain?name=<name>&type=<type>: the explanation as JSON (type defaults to A).
import type { IncomingMessage } from 'node:http';
import { typeCode } from '../metrics/labels.js';
import type { Reply, RouteHandler } from '../server.js';
import { explain, splitName, type ExplainDeps } from './explain.js';

const json = (status: number, body: unknown): Reply => ({ status, contentType: 'application/json', body: `${JSON.stringify(body, null, 2)}\n` });

export function explainRoute(deps: ExplainDeps): RouteHandler {
  return async (req: IncomingMessage) => {
    const params = new URL(req.url ?? '/', 'http://admin').searchParams;
    const name = params.get('name');
    if (name === null || name.trim() === '') return json(400, { error: 'name is required: /debug/explain?name=web.default.svc.cluster.local&type=A' });
    const labels = splitName(name);
    if (labels === null) return json(400, { error: `"${name}" is not a valid DNS name` });
    const typeText = params.get('type') ?? 'A';
    const type = typeCode(typeText);
    if (type === null) return json(400, { error: `"${typeText}" is not a DNS type (A, AAAA, SRV, PTR, TXT, ... or a number)` });
    return json(200, await explain(deps, labels, type));
  };
}
