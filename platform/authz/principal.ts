/**
 * The verified caller, as the gateway forwards it to the subgraphs. Read-only: the gateway hands
 * every request of one token the same principal.
 */
export interface Principal {
  /** Subject of the verified token. */
  readonly sub: string;
  readonly roles: readonly string[];
  /** Granted scopes (`customer:read`, ...). */
  scopes: ReadonlySet<string>;
  /** For reseller principals: their own Salesforce Account Id. Rows of other customers are invisible. */
  readonly partnerId?: string;
}

/** A set that refuses changes once made: the scopes of a principal many requests share. */
export class ReadOnlySet<T> extends Set<T> {
  readonly #sealed: boolean;

  constructor(values: Iterable<T> = []) {
    super();
    for (const value of values) super.add(value);
    this.#sealed = true;
  }

  override add(value: T): this {
    if (this.#sealed) throw new TypeError('a read-only set cannot be changed');
    return super.add(value);
  }

  override delete(_value: T): boolean {
    throw new TypeError('a read-only set cannot be changed');
  }

  override clear(): void {
    throw new TypeError('a read-only set cannot be changed');
  }
}

/** A principal that cannot be changed (its roles, its scopes, itself), to be shared among requests. */
export function readOnlyPrincipal(principal: Principal): Principal {
  return Object.freeze({ ...principal, roles: Object.freeze([...principal.roles]), scopes: new ReadOnlySet(principal.scopes) });
}

/** Whether the principal holds a scope. */
export function hasScope(principal: Principal | null | undefined, scope: string): boolean {
  return !!principal && principal.scopes.has(scope);
}
