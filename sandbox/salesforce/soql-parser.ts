/**
 * A SOQL (and SOSL `FIND`) lexer and parser producing an AST with field paths still unresolved.
 * String literals are decoded exactly as Salesforce does: `\' \\ \" \n \r \t \b \f` (and their
 * upper-case forms) everywhere, `\%` and `\_` only inside LIKE; any other backslash sequence is
 * a MALFORMED_QUERY.
 */

/** An error Salesforce reports as `[{errorCode, message}]` with HTTP 400. */
export class SoqlError extends Error {
  readonly errorCode: string;
  constructor(errorCode: string, message: string) {
    super(message);
    this.errorCode = errorCode;
  }
}

type TokenKind = 'ident' | 'string' | 'number' | 'date' | 'datetime' | 'punct' | 'op' | 'search' | 'eof';

interface Token {
  kind: TokenKind;
  /** Source text (for strings: the raw content between the quotes, escapes undecoded). */
  text: string;
  pos: number;
}

/** A literal as written. */
export type Literal =
  | { kind: 'string'; raw: string; value: string; pos: number }
  | { kind: 'number'; value: number; text: string; pos: number }
  | { kind: 'null'; pos: number }
  | { kind: 'boolean'; value: boolean; pos: number }
  /** A date (`2026-01-15`) or date word (`TODAY`, `LAST_N_DAYS:7`): a range of instants. */
  | { kind: 'dateRange'; text: string; resolve: (now: Date) => { start: number; end: number }; pos: number }
  | { kind: 'datetime'; value: number; text: string; pos: number };

export type CompareOp = '=' | '!=' | '<' | '>' | '<=' | '>=';

/** A WHERE condition. */
export type Condition =
  | { kind: 'and' | 'or'; items: Condition[] }
  | { kind: 'not'; item: Condition }
  | { kind: 'compare'; path: string[]; pathPos: number; op: CompareOp; value: Literal }
  | { kind: 'in'; path: string[]; pathPos: number; negated: boolean; values: Literal[] }
  | { kind: 'like'; path: string[]; pathPos: number; pattern: RegExp; raw: string };

export interface OrderItem {
  path: string[];
  pathPos: number;
  descending: boolean;
  nullsLast: boolean;
}

export interface FieldRef {
  path: string[];
  pos: number;
}

/** A parsed `SELECT`. */
export interface SelectStatement {
  /** Null for `SELECT COUNT()`. */
  fields: FieldRef[] | null;
  object: string;
  objectPos: number;
  where?: Condition;
  orderBy: OrderItem[];
  limit?: number;
  offset?: number;
  source: string;
}

/** One `RETURNING` entry of a SOSL search. */
export interface SearchReturning {
  object: string;
  objectPos: number;
  fields: FieldRef[];
  where?: Condition;
  orderBy: OrderItem[];
  limit?: number;
}

/** A parsed SOSL `FIND`. */
export interface SearchStatement {
  text: string;
  scope: 'ALL' | 'NAME' | 'EMAIL' | 'PHONE';
  returning: SearchReturning[];
  limit?: number;
  source: string;
}

const ESCAPES: Record<string, string> = {
  "'": "'",
  '"': '"',
  '\\': '\\',
  n: '\n',
  N: '\n',
  r: '\r',
  R: '\r',
  t: '\t',
  T: '\t',
  b: '\b',
  B: '\b',
  f: '\f',
  F: '\f',
};

const DATETIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}(?![\dT])/;
const NUMBER_RE = /^-?\d+(\.\d+)?/;
const IDENT_RE = /^[A-Za-z_][A-Za-z0-9_]*/;
const DAY = 86_400_000;

/** Salesforce's `ERROR at Row:R:Column:C` for an offset of a query. */
export function errorPosition(source: string, pos: number): string {
  let row = 1;
  let col = 1;
  for (let i = 0; i < pos && i < source.length; i++) {
    if (source[i] === '\n') {
      row++;
      col = 1;
    } else col++;
  }
  return `ERROR at Row:${row}:Column:${col}`;
}

function malformed(source: string, pos: number, detail: string): SoqlError {
  return new SoqlError('MALFORMED_QUERY', `\n${source.slice(0, 200)}\n${errorPosition(source, pos)}\n${detail}`);
}

/** Decodes a string literal's raw content (not inside LIKE). */
export function decodeStringLiteral(raw: string, onError: (offset: number, seq: string) => never): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = raw[i + 1];
    const decoded = next === undefined ? undefined : ESCAPES[next];
    if (decoded === undefined) onError(i, `\\${next ?? ''}`);
    out += decoded;
    i++;
  }
  return out;
}

/** Compiles a LIKE pattern's raw content: `%` any run, `_` one character, `\%`/`\_` literal; case-insensitive, whole value. */
export function compileLikePattern(raw: string, onError: (offset: number, seq: string) => never): RegExp {
  let re = '';
  const lit = (ch: string) => ch.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '%') re += '[\\s\\S]*';
    else if (c === '_') re += '[\\s\\S]';
    else if (c === '\\') {
      const next = raw[i + 1];
      if (next === '%' || next === '_') re += lit(next);
      else {
        const decoded = next === undefined ? undefined : ESCAPES[next];
        if (decoded === undefined) onError(i, `\\${next ?? ''}`);
        re += lit(decoded);
      }
      i++;
    } else re += lit(c);
  }
  return new RegExp(`^${re}$`, 'i');
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const rest = source.slice(i, i + 40);
    if (c === "'") {
      let j = i + 1;
      while (j < source.length && source[j] !== "'") j += source[j] === '\\' ? 2 : 1;
      if (j >= source.length) throw malformed(source, i, 'Unterminated string literal');
      tokens.push({ kind: 'string', text: source.slice(i + 1, j), pos: i });
      i = j + 1;
      continue;
    }
    if (c === '{') {
      let j = i + 1;
      while (j < source.length && source[j] !== '}') j += source[j] === '\\' ? 2 : 1;
      if (j >= source.length) throw malformed(source, i, 'Unterminated search term');
      tokens.push({ kind: 'search', text: source.slice(i + 1, j), pos: i });
      i = j + 1;
      continue;
    }
    let m = DATETIME_RE.exec(rest);
    if (m) {
      tokens.push({ kind: 'datetime', text: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    m = DATE_RE.exec(rest);
    if (m) {
      tokens.push({ kind: 'date', text: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    m = NUMBER_RE.exec(rest);
    if (m && (c !== '-' || tokens.at(-1)?.kind === 'op' || tokens.at(-1)?.text === '(' || tokens.at(-1)?.text === ',')) {
      tokens.push({ kind: 'number', text: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    m = IDENT_RE.exec(source.slice(i));
    if (m) {
      let text = m[0];
      // Date words with a number: LAST_N_DAYS:30
      const n = /^:\d+/.exec(source.slice(i + text.length));
      if (n && /_N_/i.test(text)) text += n[0];
      tokens.push({ kind: 'ident', text, pos: i });
      i += text.length;
      continue;
    }
    const two = source.slice(i, i + 2);
    if (two === '!=' || two === '<>' || two === '<=' || two === '>=') {
      tokens.push({ kind: 'op', text: two === '<>' ? '!=' : two, pos: i });
      i += 2;
      continue;
    }
    if (c === '=' || c === '<' || c === '>') {
      tokens.push({ kind: 'op', text: c, pos: i });
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === ',' || c === '.') {
      tokens.push({ kind: 'punct', text: c, pos: i });
      i++;
      continue;
    }
    throw malformed(source, i, `unexpected token: '${c}'`);
  }
  tokens.push({ kind: 'eof', text: '<EOF>', pos: source.length });
  return tokens;
}

function dateWord(word: string): ((now: Date) => { start: number; end: number }) | undefined {
  const startOfDay = (now: Date) => Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const upper = word.toUpperCase();
  const withN = /^(LAST|NEXT)_N_DAYS:(\d+)$/.exec(upper);
  if (withN) {
    const n = Number(withN[2]);
    return withN[1] === 'LAST'
      ? (now) => ({ start: startOfDay(now) - n * DAY, end: startOfDay(now) + DAY })
      : (now) => ({ start: startOfDay(now), end: startOfDay(now) + (n + 1) * DAY });
  }
  switch (upper) {
    case 'TODAY':
      return (now) => ({ start: startOfDay(now), end: startOfDay(now) + DAY });
    case 'YESTERDAY':
      return (now) => ({ start: startOfDay(now) - DAY, end: startOfDay(now) });
    case 'TOMORROW':
      return (now) => ({ start: startOfDay(now) + DAY, end: startOfDay(now) + 2 * DAY });
    case 'THIS_YEAR':
      return (now) => ({ start: Date.UTC(now.getUTCFullYear(), 0, 1), end: Date.UTC(now.getUTCFullYear() + 1, 0, 1) });
    case 'LAST_YEAR':
      return (now) => ({ start: Date.UTC(now.getUTCFullYear() - 1, 0, 1), end: Date.UTC(now.getUTCFullYear(), 0, 1) });
    default:
      return undefined;
  }
}

const RESERVED = new Set(['SELECT', 'FROM', 'WHERE', 'AND', 'OR', 'NOT', 'IN', 'LIKE', 'NULL', 'TRUE', 'FALSE', 'ORDER', 'BY', 'LIMIT', 'OFFSET', 'GROUP', 'HAVING', 'WITH', 'FOR', 'USING', 'RETURNING', 'FIND', 'ASC', 'DESC', 'NULLS']);

class Parser {
  private readonly tokens: Token[];
  private i = 0;
  constructor(readonly source: string) {
    this.tokens = tokenize(source);
  }

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.i++;
    return t;
  }

  private isKeyword(word: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'ident' && t.text.toUpperCase() === word;
  }

  private acceptKeyword(word: string): boolean {
    if (!this.isKeyword(word)) return false;
    this.i++;
    return true;
  }

  private fail(t: Token = this.peek()): never {
    throw malformed(this.source, t.pos, `unexpected token: ${t.kind === 'eof' ? '<EOF>' : `'${t.kind === 'string' ? `'${t.text}'` : t.text}'`}`);
  }

  private expectKeyword(word: string): void {
    if (!this.acceptKeyword(word)) this.fail();
  }

  private expectPunct(p: string): void {
    const t = this.next();
    if (t.kind !== 'punct' || t.text !== p) this.fail(t);
  }

  private isPunct(p: string): boolean {
    const t = this.peek();
    return t.kind === 'punct' && t.text === p;
  }

  expectEof(): void {
    if (this.peek().kind !== 'eof') this.fail();
  }

  private identifier(): Token {
    const t = this.next();
    if (t.kind !== 'ident' || RESERVED.has(t.text.toUpperCase())) this.fail(t);
    return t;
  }

  private fieldPath(): FieldRef {
    const first = this.identifier();
    const path = [first.text];
    while (this.isPunct('.')) {
      this.i++;
      path.push(this.identifier().text);
    }
    return { path, pos: first.pos };
  }

  private fieldList(): FieldRef[] {
    const fields = [this.fieldPath()];
    while (this.isPunct(',')) {
      this.i++;
      fields.push(this.fieldPath());
    }
    return fields;
  }

  private integer(): number {
    const t = this.next();
    if (t.kind !== 'number' || !/^\d+$/.test(t.text)) this.fail(t);
    return Number(t.text);
  }

  parseSelect(): SelectStatement {
    this.expectKeyword('SELECT');
    let fields: FieldRef[] | null;
    if (this.isKeyword('COUNT') && this.peek(1).text === '(') {
      this.i += 2;
      if (!this.isPunct(')')) throw malformed(this.source, this.peek().pos, 'only COUNT() without a field is supported');
      this.i++;
      fields = null;
    } else fields = this.fieldList();
    this.expectKeyword('FROM');
    const objectToken = this.identifier();
    const stmt: SelectStatement = { fields, object: objectToken.text, objectPos: objectToken.pos, orderBy: [], source: this.source };
    Object.assign(stmt, this.tail(true));
    this.expectEof();
    return stmt;
  }

  /** WHERE / ORDER BY / LIMIT / OFFSET, shared by SOQL and SOSL RETURNING clauses. */
  private tail(allowOffset: boolean): Pick<SelectStatement, 'where' | 'orderBy' | 'limit' | 'offset'> {
    const out: Pick<SelectStatement, 'where' | 'orderBy' | 'limit' | 'offset'> = { orderBy: [] };
    if (this.acceptKeyword('WHERE')) out.where = this.condition();
    if (this.acceptKeyword('ORDER')) {
      this.expectKeyword('BY');
      do {
        if (out.orderBy.length) this.i++;
        const ref = this.fieldPath();
        let descending = false;
        if (this.acceptKeyword('DESC')) descending = true;
        else this.acceptKeyword('ASC');
        let nullsLast = descending;
        if (this.acceptKeyword('NULLS')) {
          if (this.acceptKeyword('LAST')) nullsLast = true;
          else if (this.acceptKeyword('FIRST')) nullsLast = false;
          else this.fail();
        }
        out.orderBy.push({ path: ref.path, pathPos: ref.pos, descending, nullsLast });
      } while (this.isPunct(','));
    }
    if (this.acceptKeyword('LIMIT')) out.limit = this.integer();
    if (allowOffset && this.acceptKeyword('OFFSET')) out.offset = this.integer();
    return out;
  }

  private condition(): Condition {
    const items = [this.conjunction()];
    while (this.acceptKeyword('OR')) items.push(this.conjunction());
    return items.length === 1 ? items[0]! : { kind: 'or', items };
  }

  private conjunction(): Condition {
    const items = [this.negation()];
    while (this.acceptKeyword('AND')) items.push(this.negation());
    return items.length === 1 ? items[0]! : { kind: 'and', items };
  }

  private negation(): Condition {
    if (this.acceptKeyword('NOT')) return { kind: 'not', item: this.negation() };
    if (this.isPunct('(')) {
      this.i++;
      const inner = this.condition();
      this.expectPunct(')');
      return inner;
    }
    return this.comparison();
  }

  private comparison(): Condition {
    const ref = this.fieldPath();
    const t = this.peek();
    if (t.kind === 'op') {
      this.i++;
      return { kind: 'compare', path: ref.path, pathPos: ref.pos, op: t.text as CompareOp, value: this.literal() };
    }
    if (this.isKeyword('LIKE')) {
      this.i++;
      const s = this.next();
      if (s.kind !== 'string') this.fail(s);
      const pattern = compileLikePattern(s.text, (offset, seq) => {
        throw malformed(this.source, s.pos + 1 + offset, `Invalid string literal '${s.text}'. Illegal character sequence '${seq}' in string literal.`);
      });
      return { kind: 'like', path: ref.path, pathPos: ref.pos, pattern, raw: s.text };
    }
    let negated = false;
    if (this.isKeyword('NOT') && this.isKeyword('IN', 1)) {
      this.i++;
      negated = true;
    }
    if (this.acceptKeyword('IN')) {
      this.expectPunct('(');
      if (this.isKeyword('SELECT')) throw malformed(this.source, this.peek().pos, 'semi-join sub-selects are not supported by this sandbox');
      const values = [this.literal()];
      while (this.isPunct(',')) {
        this.i++;
        values.push(this.literal());
      }
      this.expectPunct(')');
      return { kind: 'in', path: ref.path, pathPos: ref.pos, negated, values };
    }
    return this.fail();
  }

  private literal(): Literal {
    const t = this.next();
    switch (t.kind) {
      case 'string': {
        const value = decodeStringLiteral(t.text, (offset, seq) => {
          throw malformed(this.source, t.pos + 1 + offset, `Invalid string literal '${t.text}'. Illegal character sequence '${seq}' in string literal.`);
        });
        return { kind: 'string', raw: t.text, value, pos: t.pos };
      }
      case 'number':
        return { kind: 'number', value: Number(t.text), text: t.text, pos: t.pos };
      case 'date': {
        const start = Date.parse(`${t.text}T00:00:00Z`);
        if (Number.isNaN(start)) this.fail(t);
        return { kind: 'dateRange', text: t.text, resolve: () => ({ start, end: start + DAY }), pos: t.pos };
      }
      case 'datetime': {
        const normalized = t.text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
        const value = Date.parse(normalized);
        if (Number.isNaN(value)) this.fail(t);
        return { kind: 'datetime', value, text: t.text, pos: t.pos };
      }
      case 'ident': {
        const upper = t.text.toUpperCase();
        if (upper === 'NULL') return { kind: 'null', pos: t.pos };
        if (upper === 'TRUE' || upper === 'FALSE') return { kind: 'boolean', value: upper === 'TRUE', pos: t.pos };
        const resolve = dateWord(t.text);
        if (resolve) return { kind: 'dateRange', text: t.text, resolve, pos: t.pos };
        return this.fail(t);
      }
      default:
        return this.fail(t);
    }
  }

  parseSearch(): SearchStatement {
    this.expectKeyword('FIND');
    const term = this.next();
    if (term.kind !== 'search') this.fail(term);
    const text = term.text.replace(/\\(.)/g, '$1');
    let scope: SearchStatement['scope'] = 'ALL';
    if (this.acceptKeyword('IN')) {
      const s = this.identifier().text.toUpperCase();
      if (s !== 'ALL' && s !== 'NAME' && s !== 'EMAIL' && s !== 'PHONE') this.fail(this.tokens[this.i - 1]);
      scope = s;
      this.expectKeyword('FIELDS');
    }
    const returning: SearchReturning[] = [];
    if (this.acceptKeyword('RETURNING')) {
      do {
        if (returning.length) this.i++;
        const objectToken = this.identifier();
        const entry: SearchReturning = { object: objectToken.text, objectPos: objectToken.pos, fields: [], orderBy: [] };
        if (this.isPunct('(')) {
          this.i++;
          entry.fields = this.fieldList();
          const tail = this.tail(false);
          Object.assign(entry, tail);
          this.expectPunct(')');
        }
        returning.push(entry);
      } while (this.isPunct(','));
    }
    const stmt: SearchStatement = { text, scope, returning, source: this.source };
    if (this.acceptKeyword('LIMIT')) stmt.limit = this.integer();
    this.expectEof();
    return stmt;
  }
}

/** Parses a SOQL SELECT; throws SoqlError (MALFORMED_QUERY) on a syntax error. */
export function parseSoql(source: string): SelectStatement {
  return new Parser(source).parseSelect();
}

/** Parses a SOSL FIND; throws SoqlError (MALFORMED_QUERY) on a syntax error. */
export function parseSosl(source: string): SearchStatement {
  try {
    return new Parser(source).parseSearch();
  } catch (err) {
    if (err instanceof SoqlError && err.errorCode === 'MALFORMED_QUERY') throw new SoqlError('MALFORMED_SEARCH', err.message);
    throw err;
  }
}
