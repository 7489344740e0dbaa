/** The sObject metadata the sandbox serves: the fields of Account, Contact and User as describe reports them. */

/** Field types as Salesforce's describe names them (the subset the sandbox uses). */
export type SfFieldType =
  | 'id'
  | 'string'
  | 'textarea'
  | 'picklist'
  | 'phone'
  | 'url'
  | 'email'
  | 'reference'
  | 'currency'
  | 'int'
  | 'double'
  | 'boolean'
  | 'datetime';

/** One field of an sObject. */
export interface SfField {
  name: string;
  type: SfFieldType;
  label: string;
  length: number;
  nillable: boolean;
  createable: boolean;
  updateable: boolean;
  externalId: boolean;
  /** For references: the target object. */
  referenceTo?: string;
  /** For references: the relationship name used in SOQL paths (`Owner`, `Partner_Account__r`). */
  relationshipName?: string;
  /** Whether the field is required on create (REQUIRED_FIELD_MISSING when absent). */
  required?: boolean;
  /** Whether the field is a name-like text field SOSL `IN NAME FIELDS` searches. */
  nameField?: boolean;
  /** Whether `=` on this field is served from an index. */
  indexed?: boolean;
  /** For picklists: the active values, as describe lists them. */
  picklist?: readonly string[];
}

/** One sObject type. */
export interface SfObject {
  name: string;
  label: string;
  labelPlural: string;
  keyPrefix: string;
  fields: SfField[];
  /** Fields by lower-case name. */
  fieldsByLower: Map<string, SfField>;
  /** Reference fields by lower-case relationship name. */
  relationshipsByLower: Map<string, SfField>;
}

const TEXT_TYPES: ReadonlySet<SfFieldType> = new Set(['string', 'textarea', 'picklist', 'phone', 'url', 'email']);
const NUMBER_TYPES: ReadonlySet<SfFieldType> = new Set(['currency', 'int', 'double']);

/** Whether values of a field type are text (compared case-insensitively in SOQL). */
export function isTextType(type: SfFieldType): boolean {
  return TEXT_TYPES.has(type);
}

/** Whether values of a field type are numbers. */
export function isNumberType(type: SfFieldType): boolean {
  return NUMBER_TYPES.has(type);
}

/** Whether values of a field type are record ids. */
export function isIdType(type: SfFieldType): boolean {
  return type === 'id' || type === 'reference';
}

type FieldSpec = Partial<SfField> & Pick<SfField, 'name' | 'type'>;

function field(spec: FieldSpec): SfField {
  const system = spec.type === 'id' || spec.name === 'CreatedDate' || spec.name === 'LastModifiedDate' || spec.name === 'SystemModstamp' || spec.name === 'CreatedById' || spec.name === 'LastModifiedById';
  const defaultLength = spec.type === 'textarea' ? 32_000 : spec.type === 'phone' ? 40 : spec.type === 'id' || spec.type === 'reference' ? 18 : TEXT_TYPES.has(spec.type) ? 255 : 0;
  return {
    label: spec.name.replace(/__c$/, '').replace(/_/g, ' '),
    length: defaultLength,
    nillable: !system && !spec.required,
    createable: !system,
    updateable: !system,
    externalId: false,
    ...spec,
  };
}

/** Salesforce's standard Account Type values. */
const ACCOUNT_TYPES = ['Prospect', 'Customer - Direct', 'Customer - Channel', 'Channel Partner / Reseller', 'Installation Partner', 'Technology Partner', 'Other'];
/** Salesforce's standard Industry values. */
const INDUSTRIES = [
  'Agriculture', 'Apparel', 'Banking', 'Biotechnology', 'Chemicals', 'Communications', 'Construction', 'Consulting', 'Education', 'Electronics',
  'Energy', 'Engineering', 'Entertainment', 'Environmental', 'Finance', 'Food & Beverage', 'Government', 'Healthcare', 'Hospitality', 'Insurance',
  'Machinery', 'Manufacturing', 'Media', 'Not For Profit', 'Other', 'Recreation', 'Retail', 'Shipping', 'Technology', 'Telecommunications',
  'Transportation', 'Utilities',
];

const audit = (): FieldSpec[] => [
  { name: 'CreatedDate', type: 'datetime', label: 'Created Date' },
  { name: 'CreatedById', type: 'reference', label: 'Created By ID', referenceTo: 'User', relationshipName: 'CreatedBy' },
  { name: 'LastModifiedDate', type: 'datetime', label: 'Last Modified Date' },
  { name: 'LastModifiedById', type: 'reference', label: 'Last Modified By ID', referenceTo: 'User', relationshipName: 'LastModifiedBy' },
  { name: 'SystemModstamp', type: 'datetime', label: 'System Modstamp' },
];

function sobject(name: string, label: string, labelPlural: string, keyPrefix: string, specs: FieldSpec[]): SfObject {
  const fields = specs.map(field);
  return {
    name,
    label,
    labelPlural,
    keyPrefix,
    fields,
    fieldsByLower: new Map(fields.map((f) => [f.name.toLowerCase(), f])),
    relationshipsByLower: new Map(fields.filter((f) => f.relationshipName).map((f) => [f.relationshipName!.toLowerCase(), f])),
  };
}

/** The sObjects the sandbox knows, by name. */
export const SOBJECTS: ReadonlyMap<string, SfObject> = new Map(
  [
    sobject('Account', 'Account', 'Accounts', '001', [
      { name: 'Id', type: 'id', label: 'Account ID', indexed: true },
      { name: 'Name', type: 'string', label: 'Account Name', required: true, nameField: true },
      { name: 'AccountNumber', type: 'string', label: 'Account Number', length: 40 },
      { name: 'Type', type: 'picklist', label: 'Account Type', length: 255, picklist: ACCOUNT_TYPES },
      { name: 'Industry', type: 'picklist', label: 'Industry', picklist: INDUSTRIES },
      { name: 'Phone', type: 'phone', label: 'Account Phone' },
      { name: 'Fax', type: 'phone', label: 'Account Fax' },
      { name: 'Website', type: 'url', label: 'Website' },
      { name: 'BillingStreet', type: 'textarea', label: 'Billing Street', length: 255 },
      { name: 'BillingCity', type: 'string', label: 'Billing City', length: 40 },
      { name: 'BillingState', type: 'string', label: 'Billing State/Province', length: 80 },
      { name: 'BillingPostalCode', type: 'string', label: 'Billing Zip/Postal Code', length: 20 },
      { name: 'BillingCountry', type: 'string', label: 'Billing Country', length: 80 },
      { name: 'ShippingStreet', type: 'textarea', label: 'Shipping Street', length: 255 },
      { name: 'ShippingCity', type: 'string', label: 'Shipping City', length: 40 },
      { name: 'ShippingState', type: 'string', label: 'Shipping State/Province', length: 80 },
      { name: 'ShippingPostalCode', type: 'string', label: 'Shipping Zip/Postal Code', length: 20 },
      { name: 'ShippingCountry', type: 'string', label: 'Shipping Country', length: 80 },
      { name: 'ParentId', type: 'reference', label: 'Parent Account ID', referenceTo: 'Account', relationshipName: 'Parent' },
      { name: 'OwnerId', type: 'reference', label: 'Owner ID', referenceTo: 'User', relationshipName: 'Owner', nillable: false, indexed: true },
      { name: 'AnnualRevenue', type: 'currency', label: 'Annual Revenue' },
      { name: 'NumberOfEmployees', type: 'int', label: 'Employees' },
      { name: 'Description', type: 'textarea', label: 'Account Description' },
      { name: 'CurrencyIsoCode', type: 'picklist', label: 'Account Currency', length: 3 },
      { name: 'Partner_Account__c', type: 'reference', label: 'Partner Account', referenceTo: 'Account', relationshipName: 'Partner_Account__r', indexed: true },
      { name: 'ERP_Customer_Id__c', type: 'string', label: 'ERP Customer Id', length: 40, externalId: true, indexed: true },
      ...audit(),
    ]),
    sobject('Contact', 'Contact', 'Contacts', '003', [
      { name: 'Id', type: 'id', label: 'Contact ID', indexed: true },
      { name: 'AccountId', type: 'reference', label: 'Account ID', referenceTo: 'Account', relationshipName: 'Account', indexed: true },
      { name: 'FirstName', type: 'string', label: 'First Name', length: 40, nameField: true },
      { name: 'LastName', type: 'string', label: 'Last Name', length: 80, required: true, nameField: true },
      { name: 'Name', type: 'string', label: 'Full Name', length: 121, createable: false, updateable: false, nameField: true },
      { name: 'Email', type: 'email', label: 'Email', length: 80 },
      { name: 'Phone', type: 'phone', label: 'Business Phone' },
      { name: 'MobilePhone', type: 'phone', label: 'Mobile Phone' },
      { name: 'Title', type: 'string', label: 'Title', length: 128 },
      { name: 'OwnerId', type: 'reference', label: 'Owner ID', referenceTo: 'User', relationshipName: 'Owner', nillable: false },
      ...audit(),
    ]),
    sobject('User', 'User', 'Users', '005', [
      { name: 'Id', type: 'id', label: 'User ID', indexed: true },
      { name: 'Username', type: 'string', label: 'Username', length: 80, required: true },
      { name: 'FirstName', type: 'string', label: 'First Name', length: 40, nameField: true },
      { name: 'LastName', type: 'string', label: 'Last Name', length: 80, required: true, nameField: true },
      { name: 'Name', type: 'string', label: 'Full Name', length: 121, createable: false, updateable: false, nameField: true },
      { name: 'Email', type: 'email', label: 'Email', length: 128, required: true },
      { name: 'Title', type: 'string', label: 'Title', length: 80 },
      { name: 'Phone', type: 'phone', label: 'Phone' },
      { name: 'IsActive', type: 'boolean', label: 'Active', nillable: false },
      ...audit(),
    ]),
  ].map((o) => [o.name, o]),
);

/** Looks an sObject up by name, case-insensitively as Salesforce does. */
export function findSObject(name: string): SfObject | undefined {
  const exact = SOBJECTS.get(name);
  if (exact) return exact;
  const lower = name.toLowerCase();
  for (const o of SOBJECTS.values()) if (o.name.toLowerCase() === lower) return o;
  return undefined;
}

/** The sObject a record id belongs to, from its key prefix. */
export function sobjectForId(id: string): SfObject | undefined {
  const prefix = id.slice(0, 3);
  for (const o of SOBJECTS.values()) if (o.keyPrefix === prefix) return o;
  return undefined;
}

/** Describe answer (`GET /sobjects/<Object>/describe`), with what jsforce and typical tools read. */
export function describeSObject(o: SfObject, base: string): Record<string, unknown> {
  return {
    ...globalEntry(o, base),
    actionOverrides: [],
    childRelationships: o.name === 'Account'
      ? [
          { childSObject: 'Contact', field: 'AccountId', relationshipName: 'Contacts', cascadeDelete: true },
          { childSObject: 'Account', field: 'Partner_Account__c', relationshipName: 'Partner_Accounts__r', cascadeDelete: false },
        ]
      : [],
    compactLayoutable: true,
    fields: o.fields.map((f) => ({
      name: f.name,
      label: f.label,
      type: f.type,
      length: f.length,
      byteLength: f.length * 3,
      precision: f.type === 'currency' ? 18 : f.type === 'int' ? 8 : 0,
      scale: 0,
      digits: f.type === 'int' ? 8 : 0,
      nillable: f.nillable,
      createable: f.createable,
      updateable: f.updateable,
      filterable: f.type !== 'textarea',
      sortable: f.type !== 'textarea',
      groupable: f.type !== 'textarea' && f.type !== 'currency',
      unique: f.type === 'id',
      externalId: f.externalId,
      idLookup: f.type === 'id' || f.externalId,
      nameField: f.name === 'Name',
      custom: f.name.endsWith('__c'),
      calculated: false,
      defaultedOnCreate: f.type === 'id' || f.name === 'OwnerId' || f.name.endsWith('Date') || f.name === 'SystemModstamp' || f.name.endsWith('ById'),
      referenceTo: f.referenceTo ? [f.referenceTo] : [],
      relationshipName: f.relationshipName ?? null,
      picklistValues: (f.picklist ?? []).map((value) => ({ active: true, defaultValue: false, label: value, validFor: null, value })),
      soapType: soapType(f.type),
    })),
    listviewable: true,
    lookupLayoutable: true,
    namedLayoutInfos: [],
    networkScopeFieldName: null,
    recordTypeInfos: [],
    searchLayoutable: true,
    supportedScopes: [{ label: 'All accounts', name: 'everything' }],
  };
}

/** One entry of `GET /sobjects`. */
export function globalEntry(o: SfObject, base: string): Record<string, unknown> {
  return {
    name: o.name,
    label: o.label,
    labelPlural: o.labelPlural,
    keyPrefix: o.keyPrefix,
    custom: false,
    createable: o.name !== 'User',
    updateable: true,
    deletable: o.name !== 'User',
    queryable: true,
    retrieveable: true,
    searchable: true,
    layoutable: true,
    undeletable: o.name !== 'User',
    urls: {
      sobject: `${base}/sobjects/${o.name}`,
      describe: `${base}/sobjects/${o.name}/describe`,
      rowTemplate: `${base}/sobjects/${o.name}/{ID}`,
    },
  };
}

function soapType(type: SfFieldType): string {
  switch (type) {
    case 'id':
    case 'reference':
      return 'tns:ID';
    case 'currency':
    case 'double':
      return 'xsd:double';
    case 'int':
      return 'xsd:int';
    case 'boolean':
      return 'xsd:boolean';
    case 'datetime':
      return 'xsd:dateTime';
    default:
      return 'xsd:string';
  }
}
