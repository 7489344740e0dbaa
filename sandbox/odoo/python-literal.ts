/**
 * Python literals as Odoo stores and sends them: a parser for domain strings such as
 * `[('sale_warn', '=', 'block')]` (automation rule filters), and `json.dumps(..., sort_keys=True)`
 * as Python prints it (the body of an automation webhook).
 */

/** Parses a Python literal (lists, tuples, strings, numbers, True/False/None); throws a SyntaxError naming the position. */
export function parsePythonLiteral(text: string): unknown {
  let i = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at position ${i} of ${JSON.stringify(text)}`);
  };
  const space = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const value = (): unknown => {
    space();
    const c = text[i];
    if (c === '[' || c === '(') {
      const close = c === '[' ? ']' : ')';
      i++;
      const items: unknown[] = [];
      space();
      while (text[i] !== close) {
        items.push(value());
        space();
        if (text[i] === ',') i++;
        else if (text[i] !== close) fail(`expected "," or "${close}"`);
        space();
      }
      i++;
      return items;
    }
    if (c === "'" || c === '"') {
      i++;
      let out = '';
      while (i < text.length && text[i] !== c) {
        if (text[i] === '\\') {
          const n = text[++i];
          out += n === 'n' ? '\n' : n === 't' ? '\t' : n === 'r' ? '\r' : (n ?? '');
        } else out += text[i];
        i++;
      }
      if (text[i] !== c) fail('unterminated string');
      i++;
      return out;
    }
    const word = /^(True|False|None|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)/.exec(text.slice(i));
    if (!word) return fail('unexpected character');
    i += word[1]!.length;
    if (word[1] === 'True') return true;
    if (word[1] === 'False') return false;
    if (word[1] === 'None') return null;
    return Number(word[1]);
  };
  const out = value();
  space();
  if (i < text.length) fail('unexpected trailing text');
  return out;
}

/** Python's `repr` of a float (`10.0`, `0.1`, `1e-07`, `1e+16`). */
function floatRepr(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
  const abs = Math.abs(v);
  if (abs !== 0 && (abs >= 1e16 || abs < 1e-4)) {
    const [mantissa, exp] = v.toExponential().split('e') as [string, string];
    const sign = exp.startsWith('-') ? '-' : '+';
    return `${mantissa}e${sign}${exp.replace(/^[-+]/, '').padStart(2, '0')}`;
  }
  return Number.isInteger(v) ? `${v}.0` : String(v);
}

/** A JSON string as Python's json module writes it (`ensure_ascii`: every non-ASCII character escaped). */
function pyString(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, (ch) => (ch === '\u007f' ? ch : `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

/**
 * `json.dumps(value, sort_keys=True)`: `", "` and `": "` separators, sorted keys, ASCII only;
 * the top-level keys in `floatKeys` hold Python floats (printed `10.0`, not `10`).
 */
export function pythonJsonDumps(value: unknown, floatKeys: ReadonlySet<string> = new Set()): string {
  const dump = (v: unknown, isFloat: boolean): string => {
    if (v === null || v === undefined) return 'null';
    if (v === true) return 'true';
    if (v === false) return 'false';
    if (typeof v === 'number') return isFloat ? floatRepr(v) : Number.isInteger(v) ? String(v) : floatRepr(v);
    if (typeof v === 'string') return pyString(v);
    if (Array.isArray(v)) return `[${v.map((x) => dump(x, false)).join(', ')}]`;
    if (typeof v === 'object') {
      const keys = Object.keys(v as Record<string, unknown>).sort();
      return `{${keys.map((k) => `${pyString(k)}: ${dump((v as Record<string, unknown>)[k], false)}`).join(', ')}}`;
    }
    return pyString(String(v));
  };
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj).sort();
    return `{${keys.map((k) => `${pyString(k)}: ${dump(obj[k], floatKeys.has(k))}`).join(', ')}}`;
  }
  return dump(value, false);
}
