import {
  getNamedType,
  getOperationAST,
  isAbstractType,
  isCompositeType,
  isObjectType,
  Kind,
  parse,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLObjectType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';

/**
 * The entity types of a supergraph (or subgraph) SDL: object types with a key, from
 * `@join__type(key: ...)` in a supergraph or `@key` in a subgraph.
 */
export function entityTypesOf(sdl: string): Set<string> {
  const types = new Set<string>();
  for (const definition of parse(sdl).definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    const keyed = definition.directives?.some(
      (d) => d.name.value === 'key' || (d.name.value === 'join__type' && d.arguments?.some((a) => a.name.value === 'key')),
    );
    if (keyed) types.add(definition.name.value);
  }
  return types;
}

/** The tag of entity `type` with id `id` (`Order:42`); `Type:*` stands for an entity whose id was not selected. */
export function entityTag(type: string, id: string | number | null | undefined): string {
  return `${type}:${id === null || id === undefined ? '*' : String(id)}`;
}

type Fragments = Map<string, FragmentDefinitionNode>;

function applies(schema: GraphQLSchema, condition: string | undefined, runtime: GraphQLObjectType | undefined): boolean {
  if (!condition || !runtime) return true;
  if (condition === runtime.name) return true;
  const type = schema.getType(condition);
  return !!type && isAbstractType(type) && schema.isSubType(type, runtime);
}

/**
 * The fields a selection set selects on an object of type `runtime`, fragments flattened. @skip and
 * @include are ignored on purpose: a skipped field is simply absent from the data, and tagging
 * errs towards more tags, never fewer. Without a runtime type every fragment counts.
 */
function collectFields(
  schema: GraphQLSchema,
  selectionSet: SelectionSetNode,
  runtime: GraphQLObjectType | undefined,
  fragments: Fragments,
  out: FieldNode[] = [],
  seen = new Set<string>(),
): FieldNode[] {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) out.push(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT) {
      if (applies(schema, selection.typeCondition?.name.value, runtime)) collectFields(schema, selection.selectionSet, runtime, fragments, out, seen);
    } else {
      const name = selection.name.value;
      const fragment = fragments.get(name);
      if (!fragment || seen.has(name)) continue;
      seen.add(name);
      if (applies(schema, fragment.typeCondition.name.value, runtime)) collectFields(schema, fragment.selectionSet, runtime, fragments, out, seen);
    }
  }
  return out;
}

/**
 * The entities a response holds, as tags `Type:id` (`Type:*` where the id was not selected), found
 * by walking the operation and the data together. Only types in `entityTypes` are tagged.
 */
export function responseTags(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | undefined,
  data: Record<string, unknown> | null | undefined,
  entityTypes: ReadonlySet<string>,
): Set<string> {
  const tags = new Set<string>();
  const operation = getOperationAST(document, operationName);
  if (!operation || !data) return tags;
  const root = schema.getRootType(operation.operation);
  if (!root) return tags;
  const fragments: Fragments = new Map();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);

  const walkObject = (declared: GraphQLCompositeType, selectionSet: SelectionSetNode, value: Record<string, unknown>) => {
    let runtime: GraphQLObjectType | undefined = isObjectType(declared) ? declared : undefined;
    if (!runtime && typeof value.__typename === 'string') {
      const named = schema.getType(value.__typename);
      if (isObjectType(named)) runtime = named;
    }
    const fields = collectFields(schema, selectionSet, runtime, fragments);
    if (runtime) {
      if (entityTypes.has(runtime.name)) {
        const idField = fields.find((f) => f.name.value === 'id');
        const id = idField ? value[idField.alias?.value ?? 'id'] : undefined;
        tags.add(entityTag(runtime.name, typeof id === 'string' || typeof id === 'number' ? id : undefined));
      }
    } else {
      // An abstract value without __typename: any entity it could be is tagged as a whole type.
      for (const possible of schema.getPossibleTypes(declared as Exclude<GraphQLCompositeType, GraphQLObjectType>)) {
        if (entityTypes.has(possible.name)) tags.add(entityTag(possible.name, undefined));
      }
    }
    for (const field of fields) {
      if (!field.selectionSet) continue;
      const owner = runtime ?? declared;
      const definition = 'getFields' in owner ? owner.getFields()[field.name.value] : undefined;
      if (!definition) continue;
      const type = getNamedType(definition.type);
      if (!isCompositeType(type)) continue;
      walkValue(type, field.selectionSet, value[field.alias?.value ?? field.name.value]);
    }
  };
  const walkValue = (type: GraphQLCompositeType, selectionSet: SelectionSetNode, value: unknown) => {
    if (value === null || value === undefined) return;
    if (Array.isArray(value)) {
      for (const item of value) walkValue(type, selectionSet, item);
      return;
    }
    if (typeof value === 'object') walkObject(type, selectionSet, value as Record<string, unknown>);
  };
  walkObject(root, operation.selectionSet, data);
  return tags;
}
