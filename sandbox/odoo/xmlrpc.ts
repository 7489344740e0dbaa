/**
 * A small XML-RPC codec: parses `<methodCall>` documents (CDATA, entities, `<nil/>`, untyped
 * `<value>` as string, an empty `<value/>` as "") and writes `<methodResponse>` documents the
 * way Python's xmlrpc.client does (which is what Odoo answers with).
 */

/** Thrown for a document that is not well-formed XML-RPC. */
export class XmlRpcParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlRpcParseError';
  }
}

interface XmlNode {
  name: string;
  children: XmlNode[];
  text: string;
}

const MAX_DEPTH = 256;

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|lt|gt|amp|quot|apos);/g, (_m, e: string) => {
    if (e === 'lt') return '<';
    if (e === 'gt') return '>';
    if (e === 'amp') return '&';
    if (e === 'quot') return '"';
    if (e === 'apos') return "'";
    const code = e.startsWith('#x') ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    if (!Number.isFinite(code) || code > 0x10ffff) throw new XmlRpcParseError(`bad character reference &${e};`);
    return String.fromCodePoint(code);
  });
}

/** Parses XML into element nodes (no attributes kept: XML-RPC has none that matter). */
function parseXml(source: string): XmlNode {
  let pos = 0;
  const len = source.length;
  const fail = (msg: string): never => {
    throw new XmlRpcParseError(`${msg} at offset ${pos}`);
  };
  const skipMisc = () => {
    for (;;) {
      while (pos < len && /\s/.test(source[pos]!)) pos++;
      if (source.startsWith('<?', pos)) {
        const end = source.indexOf('?>', pos);
        if (end < 0) fail('unterminated processing instruction');
        pos = end + 2;
      } else if (source.startsWith('<!--', pos)) {
        const end = source.indexOf('-->', pos);
        if (end < 0) fail('unterminated comment');
        pos = end + 3;
      } else if (source.startsWith('<!DOCTYPE', pos)) {
        fail('DOCTYPE is not allowed');
      } else return;
    }
  };
  const element = (depth: number): XmlNode => {
    if (depth > MAX_DEPTH) fail('document nested too deeply');
    if (source[pos] !== '<') fail('expected an element');
    const m = /^<([A-Za-z_][\w.:-]*)((?:\s+[\w.:-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/.exec(source.slice(pos, pos + 512));
    if (!m) fail('malformed start tag');
    const name = m![1]!;
    pos += m![0].length;
    const node: XmlNode = { name, children: [], text: '' };
    if (m![3] === '/') return node;
    let text = '';
    for (;;) {
      if (pos >= len) fail(`unclosed element <${name}>`);
      if (source.startsWith('</', pos)) {
        const close = /^<\/([A-Za-z_][\w.:-]*)\s*>/.exec(source.slice(pos, pos + 256));
        if (!close || close[1] !== name) fail(`mismatched end tag, expected </${name}>`);
        pos += close![0].length;
        node.text = text;
        return node;
      }
      if (source.startsWith('<![CDATA[', pos)) {
        const end = source.indexOf(']]>', pos);
        if (end < 0) fail('unterminated CDATA section');
        text += source.slice(pos + 9, end);
        pos = end + 3;
        continue;
      }
      if (source.startsWith('<!--', pos)) {
        const end = source.indexOf('-->', pos);
        if (end < 0) fail('unterminated comment');
        pos = end + 3;
        continue;
      }
      if (source[pos] === '<') {
        node.children.push(element(depth + 1));
        continue;
      }
      const next = source.indexOf('<', pos);
      const chunk = source.slice(pos, next < 0 ? len : next);
      text += decodeEntities(chunk);
      pos = next < 0 ? len : next;
    }
  };
  skipMisc();
  const root = element(0);
  skipMisc();
  if (pos < len) fail('junk after document element');
  return root;
}

const only = (node: XmlNode, name: string): XmlNode => {
  const found = node.children.filter((c) => c.name === name);
  if (found.length !== 1) throw new XmlRpcParseError(`<${node.name}> must contain one <${name}>`);
  return found[0]!;
};

function decodeValue(node: XmlNode): unknown {
  if (node.name !== 'value') throw new XmlRpcParseError(`expected <value>, got <${node.name}>`);
  if (node.children.length === 0) return node.text; // untyped value: a string ("" when empty)
  if (node.children.length > 1) throw new XmlRpcParseError('<value> must hold one typed element');
  const typed = node.children[0]!;
  const text = typed.text;
  switch (typed.name) {
    case 'string':
      return text;
    case 'int':
    case 'i4':
    case 'i8': {
      if (!/^\s*[+-]?\d+\s*$/.test(text)) throw new XmlRpcParseError(`bad integer ${JSON.stringify(text)}`);
      return Number(text.trim());
    }
    case 'double': {
      const n = Number(text.trim());
      if (text.trim() === '' || !Number.isFinite(n)) throw new XmlRpcParseError(`bad double ${JSON.stringify(text)}`);
      return n;
    }
    case 'boolean': {
      const t = text.trim();
      if (t === '1' || t === 'true') return true;
      if (t === '0' || t === 'false') return false;
      throw new XmlRpcParseError(`bad boolean ${JSON.stringify(text)}`);
    }
    case 'nil':
      return null;
    case 'dateTime.iso8601':
      return text.trim();
    case 'base64':
      return Buffer.from(text.replace(/\s+/g, ''), 'base64').toString('utf8');
    case 'array': {
      const data = only(typed, 'data');
      return data.children.map(decodeValue);
    }
    case 'struct': {
      const out: Record<string, unknown> = {};
      for (const member of typed.children) {
        if (member.name !== 'member') throw new XmlRpcParseError('<struct> may only hold <member>');
        const name = only(member, 'name').text;
        out[name] = decodeValue(only(member, 'value'));
      }
      return out;
    }
    default:
      throw new XmlRpcParseError(`unknown type <${typed.name}>`);
  }
}

/** Parses a `<methodCall>` into its method name and params. */
export function parseMethodCall(body: string): { method: string; params: unknown[] } {
  const root = parseXml(body);
  if (root.name !== 'methodCall') throw new XmlRpcParseError(`expected <methodCall>, got <${root.name}>`);
  const method = only(root, 'methodName').text.trim();
  if (!method) throw new XmlRpcParseError('empty <methodName>');
  const paramsNode = root.children.find((c) => c.name === 'params');
  const params = paramsNode ? paramsNode.children.map((p) => (p.name === 'param' ? decodeValue(only(p, 'value')) : decodeValue(p))) : [];
  return { method, params };
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function encodeValue(value: unknown, out: string[]): void {
  if (value === null || value === undefined) {
    // Odoo marshals with allow_none=False; the ORM never returns None, so map it to False
    out.push('<value><boolean>0</boolean></value>');
  } else if (typeof value === 'boolean') out.push(`<value><boolean>${value ? 1 : 0}</boolean></value>`);
  else if (typeof value === 'number') {
    if (Number.isInteger(value) && Math.abs(value) <= 2147483647) out.push(`<value><int>${value}</int></value>`);
    else out.push(`<value><double>${Number.isFinite(value) ? value : 0}</double></value>`);
  } else if (typeof value === 'string') out.push(`<value><string>${escapeXml(value)}</string></value>`);
  else if (Array.isArray(value)) {
    out.push('<value><array><data>\n');
    for (const v of value) encodeValue(v, out), out.push('\n');
    out.push('</data></array></value>');
  } else if (typeof value === 'object') {
    out.push('<value><struct>\n');
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out.push(`<member>\n<name>${escapeXml(k)}</name>\n`);
      encodeValue(v, out);
      out.push('\n</member>\n');
    }
    out.push('</struct></value>');
  } else out.push(`<value><string>${escapeXml(String(value))}</string></value>`);
}

/** A `<methodResponse>` carrying one value. */
export function methodResponse(value: unknown): string {
  const out: string[] = ["<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n"];
  encodeValue(value, out);
  out.push('\n</param>\n</params>\n</methodResponse>\n');
  return out.join('');
}

/** A `<methodResponse>` carrying a fault. */
export function faultResponse(faultCode: number, faultString: string): string {
  const out: string[] = ["<?xml version='1.0'?>\n<methodResponse>\n<fault>\n"];
  encodeValue({ faultCode, faultString }, out);
  out.push('\n</fault>\n</methodResponse>\n');
  return out.join('');
}
