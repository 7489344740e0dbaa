import {
  Kind,
  parse,
  type ConstDirectiveNode,
  type ConstValueNode,
  type DefinitionNode,
  type DocumentNode,
  type FieldDefinitionNode,
} from 'graphql';
import { andRequirements, type AuthRequirement } from './requirements.js';

export type { AuthRequirement } from './requirements.js';

/** The auth directives of a schema: by type name, and by field coordinate `Type.field`. */
export interface AuthPolicyMap {
  /** Directives on types (object, interface, scalar, enum): they apply to every field returning the type. */
  types: Map<string, AuthRequirement>;
  /** Directives on fields, keyed `Type.field`. */
  fields: Map<string, AuthRequirement>;
}

type AuthDirective = 'authenticated' | 'requiresScopes' | 'policy';
const AUTH_DIRECTIVES: readonly AuthDirective[] = ['authenticated', 'requiresScopes', 'policy'];

function isAuthDirective(name: string): name is AuthDirective {
  return (AUTH_DIRECTIVES as readonly string[]).includes(name);
}

function stringArg(directive: ConstDirectiveNode, name: string): string | undefined {
  const arg = directive.arguments?.find((a) => a.name.value === name);
  return arg?.value.kind === Kind.STRING ? arg.value.value : undefined;
}

/**
 * Maps local directive names to the auth directive they stand for, following `@link`: imports of
 * the federation spec (with `as` renames), `federation__x` namespaced names, and the supergraph's
 * own `requiresScopes`/`policy`/`authenticated` feature links.
 */
function directiveNames(doc: DocumentNode): Map<string, AuthDirective> {
  const names = new Map<string, AuthDirective>(AUTH_DIRECTIVES.map((d) => [d, d]));
  for (const def of doc.definitions) {
    if (def.kind !== Kind.SCHEMA_DEFINITION && def.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const link of def.directives ?? []) {
      if (link.name.value !== 'link') continue;
      const url = stringArg(link, 'url');
      if (!url) continue;
      const match = /\/([A-Za-z_]+)\/v\d+\.\d+\/?$/.exec(url);
      const feature = match?.[1];
      if (!feature) continue;
      const namespace = (stringArg(link, 'as') ?? feature).replace(/^@/, '');
      if (isAuthDirective(feature)) names.set(namespace, feature);
      for (const d of AUTH_DIRECTIVES) names.set(`${namespace}__${d}`, d);
      const imports = link.arguments?.find((a) => a.name.value === 'import')?.value;
      if (imports?.kind !== Kind.LIST) continue;
      for (const item of imports.values) {
        let name: string | undefined;
        let alias: string | undefined;
        if (item.kind === Kind.STRING) name = item.value;
        else if (item.kind === Kind.OBJECT) {
          for (const f of item.fields) {
            if (f.value.kind !== Kind.STRING) continue;
            if (f.name.value === 'name') name = f.value.value;
            if (f.name.value === 'as') alias = f.value.value;
          }
        }
        const bare = name?.replace(/^@/, '');
        if (bare && isAuthDirective(bare)) names.set((alias ?? bare).replace(/^@/, ''), bare);
      }
    }
  }
  return names;
}

/** Reads `[[String]]` with GraphQL input coercion: a lone item becomes a one-element list. */
function nestedStrings(value: ConstValueNode | undefined, coordinate: string): string[][] {
  if (!value) return [];
  const outer = value.kind === Kind.LIST ? value.values : [value];
  return outer.map((inner) => {
    const items = inner.kind === Kind.LIST ? inner.values : [inner];
    return items.map((item) => {
      if (item.kind !== Kind.STRING) throw new TypeError(`auth directive on ${coordinate}: expected strings`);
      return item.value;
    });
  });
}

function requirementOf(directives: readonly ConstDirectiveNode[] | undefined, names: Map<string, AuthDirective>, coordinate: string): AuthRequirement | undefined {
  let req: AuthRequirement | undefined;
  for (const directive of directives ?? []) {
    const kind = names.get(directive.name.value);
    if (!kind) continue;
    const one: AuthRequirement = { authenticated: false, scopes: [], policies: [] };
    if (kind === 'authenticated') one.authenticated = true;
    else if (kind === 'requiresScopes') {
      one.scopes = nestedStrings(directive.arguments?.find((a) => a.name.value === 'scopes')?.value, coordinate);
      // An empty OR can be satisfied by nobody; keep the field closed rather than open.
      if (one.scopes.length === 0) one.scopes = [['\u0000unsatisfiable']];
    } else {
      one.policies = nestedStrings(directive.arguments?.find((a) => a.name.value === 'policies')?.value, coordinate);
      if (one.policies.length === 0) one.policies = [['\u0000unsatisfiable']];
    }
    req = andRequirements(req, one);
  }
  return req;
}

function fieldsOf(def: DefinitionNode): readonly FieldDefinitionNode[] {
  switch (def.kind) {
    case Kind.OBJECT_TYPE_DEFINITION:
    case Kind.OBJECT_TYPE_EXTENSION:
    case Kind.INTERFACE_TYPE_DEFINITION:
    case Kind.INTERFACE_TYPE_EXTENSION:
      return def.fields ?? [];
    default:
      return [];
  }
}

function merge(map: Map<string, AuthRequirement>, key: string, req: AuthRequirement | undefined): void {
  if (!req) return;
  // Definitions and extensions of one type add up: every occurrence must hold.
  map.set(key, andRequirements(map.get(key), req));
}

/** Reads the auth directives (`@authenticated`, `@requiresScopes`, `@policy`) of a subgraph or supergraph SDL. */
export function readAuthDirectives(sdl: string | DocumentNode): AuthPolicyMap {
  const doc = typeof sdl === 'string' ? parse(sdl) : sdl;
  const names = directiveNames(doc);
  const map: AuthPolicyMap = { types: new Map(), fields: new Map() };
  for (const def of doc.definitions) {
    switch (def.kind) {
      case Kind.OBJECT_TYPE_DEFINITION:
      case Kind.OBJECT_TYPE_EXTENSION:
      case Kind.INTERFACE_TYPE_DEFINITION:
      case Kind.INTERFACE_TYPE_EXTENSION:
      case Kind.SCALAR_TYPE_DEFINITION:
      case Kind.SCALAR_TYPE_EXTENSION:
      case Kind.ENUM_TYPE_DEFINITION:
      case Kind.ENUM_TYPE_EXTENSION: {
        const typeName = def.name.value;
        merge(map.types, typeName, requirementOf(def.directives, names, typeName));
        for (const field of fieldsOf(def)) {
          const coordinate = `${typeName}.${field.name.value}`;
          merge(map.fields, coordinate, requirementOf(field.directives, names, coordinate));
        }
        break;
      }
      default:
        break;
    }
  }
  return map;
}

/**
 * The whole requirement of a field: its own directives, its parent type's and its return type's
 * (a type-level directive applies to every field returning the type and to the type's fields).
 */
export function fieldRequirement(map: AuthPolicyMap, parentType: string, fieldName: string, returnType?: string): AuthRequirement {
  return andRequirements(
    map.fields.get(`${parentType}.${fieldName}`),
    map.types.get(parentType),
    returnType === undefined ? undefined : map.types.get(returnType),
  );
}
