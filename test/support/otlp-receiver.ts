import { createServer } from 'node:http';
import { listen } from '../../platform/http/listen.js';

/** One span as an OTLP/HTTP JSON export carries it, ids in hex. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, string | number | boolean>;
  serviceName?: string;
}

type OtlpValue = { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean };
type OtlpAttribute = { key: string; value: OtlpValue };

/** An id as hex, whether the exporter wrote hex or base64. */
function hexId(id: string | undefined): string | undefined {
  if (!id) return undefined;
  if (/^[0-9a-f]+$/i.test(id) && (id.length === 32 || id.length === 16)) return id.toLowerCase();
  return Buffer.from(id, 'base64').toString('hex');
}

function attributesOf(list: OtlpAttribute[] | undefined): ReceivedSpan['attributes'] {
  const out: ReceivedSpan['attributes'] = {};
  for (const { key, value } of list ?? []) {
    const v = value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : undefined) ?? value.doubleValue ?? value.boolValue;
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/** An in-process OTLP/HTTP receiver of JSON trace exports (`POST /v1/traces`), for tests. */
export async function startOtlpReceiver(): Promise<{ endpoint: string; spans: ReceivedSpan[]; close(): Promise<void> }> {
  const spans: ReceivedSpan[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/traces' && req.method === 'POST') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          resourceSpans?: { resource?: { attributes?: OtlpAttribute[] }; scopeSpans?: { spans?: (Omit<ReceivedSpan, 'attributes'> & { attributes?: OtlpAttribute[] })[] }[] }[];
        };
        for (const rs of body.resourceSpans ?? []) {
          const serviceName = attributesOf(rs.resource?.attributes)['service.name'] as string | undefined;
          for (const ss of rs.scopeSpans ?? []) {
            for (const s of ss.spans ?? []) spans.push({ ...s, traceId: hexId(s.traceId)!, spanId: hexId(s.spanId)!, parentSpanId: hexId(s.parentSpanId), attributes: attributesOf(s.attributes), serviceName });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  const listening = await listen(server, 0, '127.0.0.1');
  return { endpoint: listening.origin, spans, close: () => listening.close() };
}

/** The spans of one trace as a tree: each span's parent, and whether a span has another among its ancestors. */
export function spanTree(spans: readonly ReceivedSpan[]): { parentOf(span: ReceivedSpan): ReceivedSpan | undefined; descends(span: ReceivedSpan, ancestor: ReceivedSpan): boolean } {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const parentOf = (span: ReceivedSpan) => (span.parentSpanId ? byId.get(span.parentSpanId) : undefined);
  return {
    parentOf,
    descends(span, ancestor) {
      for (let at = parentOf(span); at; at = parentOf(at)) if (at === ancestor) return true;
      return false;
    },
  };
}
