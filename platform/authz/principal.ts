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

/** Whether the principal is a reseller limited to its own customers. */
export function isPartner(principal: Principal | null | undefined): principal is Principal & { partnerId: string } {
  return !!principal?.partnerId;
}
