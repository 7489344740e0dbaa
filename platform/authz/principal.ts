/** The verified caller, as the gateway forwards it to the subgraphs. */
export interface Principal {
  /** Subject of the verified token. */
  sub: string;
  roles: string[];
  /** Granted scopes (`customer:read`, ...). */
  scopes: ReadonlySet<string>;
  /** For reseller principals: their own Salesforce Account Id. Rows of other customers are invisible. */
  partnerId?: string;
}

/** Whether the principal holds a scope. */
export function hasScope(principal: Principal | null | undefined, scope: string): boolean {
  return !!principal && principal.scopes.has(scope);
}
