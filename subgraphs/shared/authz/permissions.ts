import {
  getNamedType,
  isIntrospectionType,
  isObjectType,
  type GraphQLResolveInfo,
  type GraphQLSchema,
} from 'graphql';
import { applyMiddleware, middleware, type IMiddleware, type IMiddlewareGenerator } from 'graphql-middleware';
import { allow, deny, rule, shield, type IRules } from 'graphql-shield';
import { ErrorCode, codedError } from '../../../platform/errors/graphql-errors.js';
import { fieldRequirement, readAuthDirectives, type AuthPolicyMap } from '../../../platform/authz/directives.js';
import type { Principal } from '../../../platform/authz/principal.js';
import {
  ROW_FILTER_POLICIES,
  checkRequirement,
  describeRequirement,
  isEmptyRequirement,
  type AuthRequirement,
  type PolicyEvaluator,
} from '../../../platform/authz/requirements.js';

/** The part of a subgraph context the permissions read. */
export interface PermissionContext {
  /** The verified principal; null = unauthenticated. */
  principal: Principal | null;
}

/** Options of {@link createPermissions}. */
export interface PermissionsOptions {
  /**
   * Named `@policy` evaluators. Default: `partner_owns_customer` passes (it is a row filter the
   * data-access layer applies); any policy not listed denies.
   */
  policies?: Readonly<Record<string, PolicyEvaluator>>;
}

/** Root fields that are how the gateway talks to a subgraph. `_service` answers the SDL to anyone; `_entities` needs a principal and the entity fields are checked one by one. */
const FEDERATION_ROOT_FIELDS: Readonly<Record<string, AuthRequirement | 'allow'>> = {
  _service: 'allow',
  _entities: { authenticated: true, scopes: [], policies: [] },
};

function ruleName(req: AuthRequirement): string {
  return `c360:${JSON.stringify([req.authenticated, req.scopes, req.policies])}`;
}

type ShieldRule = typeof allow | typeof deny | ReturnType<ReturnType<typeof rule>>;
type IRuleFieldMap = Record<string, ShieldRule>;
type IRuleTypeMap = Record<string, IRuleFieldMap>;

interface RuleTree {
  tree: IRuleTypeMap;
  /** `Type.field` -> requirement of every field that carries a rule. */
  requirements: Map<string, AuthRequirement>;
  rootTypes: Set<string>;
}

/**
 * Builds the shield rule tree: every root field gets a rule (deny without directives), other
 * fields get one only when their directives (or their parent or return type's) demand something.
 */
function buildRuleTree(schema: GraphQLSchema, map: AuthPolicyMap, policies: Readonly<Record<string, PolicyEvaluator>>): RuleTree {
  const rules = new Map<string, ShieldRule>();
  const ruleFor = (req: AuthRequirement): ShieldRule => {
    const name = ruleName(req);
    let r = rules.get(name);
    if (!r) {
      // The decision depends on the principal alone, so one evaluation per request serves every field.
      r = rule(name, { cache: 'contextual' })((_parent, _args, ctx: PermissionContext) => checkRequirement(req, ctx.principal, policies) === 'ALLOWED');
      rules.set(name, r);
    }
    return r;
  };

  const rootTypes = new Set(
    [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].flatMap((t) => (t ? [t.name] : [])),
  );
  const tree: IRuleTypeMap = {};
  const requirements = new Map<string, AuthRequirement>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || isIntrospectionType(type)) continue;
    const isRoot = rootTypes.has(type.name);
    const fieldRules: IRuleFieldMap = {};
    for (const field of Object.values(type.getFields())) {
      const coordinate = `${type.name}.${field.name}`;
      const federation = isRoot && type.name === schema.getQueryType()?.name ? FEDERATION_ROOT_FIELDS[field.name] : undefined;
      if (federation === 'allow') {
        fieldRules[field.name] = allow;
        continue;
      }
      const req = federation ?? fieldRequirement(map, type.name, field.name, getNamedType(field.type).name);
      if (isEmptyRequirement(req)) {
        // Deny by default at the root: an operation without directives is open to nobody.
        if (isRoot) fieldRules[field.name] = deny;
        continue;
      }
      fieldRules[field.name] = ruleFor(req);
      requirements.set(coordinate, req);
    }
    if (Object.keys(fieldRules).length > 0) tree[type.name] = fieldRules;
  }
  return { tree, requirements, rootTypes };
}

/**
 * Keeps shield's middleware only where a rule decides something. Every root field except
 * `_service` needs a principal, so a field without directives below the root is only reachable
 * by an authenticated principal already: checking it again would only make each of them async.
 */
function prune(generated: IMiddleware, { requirements, rootTypes }: RuleTree): IMiddleware {
  if (typeof generated === 'function') return generated;
  const out: Record<string, Record<string, unknown>> = {};
  for (const [typeName, fields] of Object.entries(generated)) {
    if (typeof fields === 'function') continue;
    const kept: Record<string, unknown> = {};
    for (const [fieldName, mw] of Object.entries(fields)) {
      if (rootTypes.has(typeName) || requirements.has(`${typeName}.${fieldName}`)) kept[fieldName] = mw;
    }
    if (Object.keys(kept).length > 0) out[typeName] = kept;
  }
  return out as IMiddleware;
}

/**
 * The subgraph's graphql-shield permissions generated from the auth directives of its SDL:
 * deny by default at the root, `_service` and `_entities` allowed explicitly, coded
 * UNAUTHENTICATED/FORBIDDEN errors, resolver errors passed through with their codes.
 */
export function createPermissions(sdl: string, options: PermissionsOptions = {}): IMiddlewareGenerator<unknown, PermissionContext, unknown> {
  const map = readAuthDirectives(sdl);
  const policies = options.policies ?? ROW_FILTER_POLICIES;
  return middleware<unknown, PermissionContext, unknown>((schema) => {
    const ruleTree = buildRuleTree(schema, map, policies);
    const fallbackError = (_err: unknown, _parent: unknown, _args: unknown, ctx: PermissionContext, info: GraphQLResolveInfo) => {
      const coordinate = `${info.parentType.name}.${info.fieldName}`;
      if (!ctx?.principal) return codedError(ErrorCode.UNAUTHENTICATED, `Authentication required to access ${coordinate}`);
      const req = ruleTree.requirements.get(coordinate);
      return codedError(
        ErrorCode.FORBIDDEN,
        req ? `Not authorized to access ${coordinate}: requires ${describeRequirement(req)}` : `Not authorized to access ${coordinate}`,
      );
    };
    const generated = shield(ruleTree.tree as IRules, {
      fallbackRule: deny,
      fallbackError: fallbackError as never,
      allowExternalErrors: true,
      debug: false,
    }).generate(schema);
    return prune(generated, ruleTree);
  });
}

/** The schema with the permissions of {@link createPermissions} applied (graphql-middleware). */
export function applyPermissions(schema: GraphQLSchema, sdl: string, options: PermissionsOptions = {}): GraphQLSchema {
  return applyMiddleware(schema, createPermissions(sdl, options));
}
