import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { WORLD_NOW } from '../world/skeleton.js';
import { executeSoql, executeSosl, type QueryContext } from './soql-engine.js';
import { decodeStringLiteral, parseSoql, SoqlError } from './soql-parser.js';
import { buildSalesforceWorld } from './world.js';
import { insertRecord } from './records.js';
import { SOBJECTS } from './schema.js';

const world = buildSalesforceWorld({ customers: 60 });
const ctx: QueryContext = { stores: world.stores, now: WORLD_NOW, apiBase: '/services/data/v62.0' };
const run = (soql: string) => executeSoql(ctx, soql);
const errorCode = (soql: string): string | undefined => {
  try {
    run(soql);
    return undefined;
  } catch (err) {
    if (err instanceof SoqlError) return err.errorCode;
    throw err;
  }
};
const account = SOBJECTS.get('Account')!;
const tricky = [
  "O'Brien \\ Sons",
  'Percent 100% _Under_',
  "x' OR Name != 'x",
  'Quote "double" Tab\tNew\nLine',
];
const trickyIds = tricky.map((Name) => insertRecord(world, account, { Name, Type: 'Customer - Direct' }, WORLD_NOW, world.integrationUserId));
const soqlQuote = (value: string) =>
  value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t').replace(/\f/g, '\\f').replace(/\x08/g, '\\b');
const likeQuote = (value: string) => soqlQuote(value).replace(/%/g, '\\%').replace(/_/g, '\\_');

describe('SOQL string literals', () => {
  it.each([
    ["\\'", "'"],
    ['\\\\', '\\'],
    ['\\"', '"'],
    ['\\n', '\n'],
    ['\\r', '\r'],
    ['\\t', '\t'],
    ['\\b', '\b'],
    ['\\f', '\f'],
    ['\\N', '\n'],
  ])('decodes %s', (raw, decoded) => {
    expect(decodeStringLiteral(raw, () => { throw new Error('rejected'); })).toBe(decoded);
  });

  it.each(['\\x', '\\u0041', '\\%', '\\_', '\\0', '\\ '])('rejects %s outside LIKE with MALFORMED_QUERY', (seq) => {
    expect(errorCode(`SELECT Id FROM Account WHERE Name = 'a${seq}b'`)).toBe('MALFORMED_QUERY');
  });

  it('accepts \\% and \\_ inside LIKE as literal characters', () => {
    const r = run(`SELECT Id FROM Account WHERE Name LIKE '%100\\% \\_Under\\_%'`);
    expect(r.records.map((x) => x.Id)).toEqual([trickyIds[1]]);
    // An unescaped _ is a wildcard and matches more.
    expect(run(`SELECT Id FROM Account WHERE Name LIKE 'Percent 100% _Under_'`).totalSize).toBe(1);
    expect(errorCode(`SELECT Id FROM Account WHERE Name LIKE 'a\\qb'`)).toBe('MALFORMED_QUERY');
  });

  it('matches each hostile name exactly when escaped, and nothing else', () => {
    for (const [i, name] of tricky.entries()) {
      expect(run(`SELECT Id FROM Account WHERE Name = '${soqlQuote(name)}'`).records.map((r) => r.Id)).toEqual([trickyIds[i]]);
      expect(run(`SELECT Id FROM Account WHERE Name LIKE '%${likeQuote(name)}%'`).records.map((r) => r.Id)).toEqual([trickyIds[i]]);
    }
  });

  it("keeps ' OR Name != ' inside the literal when escaped", () => {
    const injected = "' OR Name != '";
    expect(run(`SELECT Id FROM Account WHERE Name LIKE '%${likeQuote(injected)}%'`).records.map((r) => r.Id)).toEqual([trickyIds[2]]);
    // Unescaped, the same text changes the query: this is what escaping prevents.
    expect(run(`SELECT Id FROM Account WHERE Name LIKE '%${injected}%'`).totalSize).toBeGreaterThan(1);
  });

  it('round-trips any string through the escape (property)', () => {
    const name = 'Prop Probe';
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (s) => {
        const r = run(`SELECT COUNT() FROM Account WHERE Name = '${soqlQuote(name + s)}'`);
        return r.totalSize === 0 || s === '';
      }),
      { numRuns: 200 },
    );
  });

  it('never throws anything but a SoqlError on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (s) => {
        try {
          run(`SELECT Id FROM Account WHERE ${s}`);
        } catch (err) {
          if (!(err instanceof SoqlError)) throw err;
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('SOQL queries', () => {
  const customers = world.skeleton.customers;

  it('reads relationship fields as nested objects, null when the lookup is empty', () => {
    const direct = customers.find((c) => c.resellerIndex === null)!;
    const channel = customers.find((c) => c.resellerIndex !== null)!;
    const r = run(`SELECT Id, Name, Owner.Name, Owner.Email, Partner_Account__r.Name FROM Account WHERE Id IN ('${direct.accountId}', '${channel.accountId}') ORDER BY Id`);
    const [d, c] = r.records;
    expect(d).toMatchObject({ Id: direct.accountId, Owner: { attributes: { type: 'User' }, Name: world.skeleton.salesReps[direct.ownerIndex]!.name }, Partner_Account__r: null });
    expect(c).toMatchObject({ Partner_Account__r: { attributes: { type: 'Account' }, Name: world.skeleton.resellers[channel.resellerIndex!]!.name } });
    expect(Object.keys(d!)).toEqual(['attributes', 'Id', 'Name', 'Owner', 'Partner_Account__r']);
    const contact = run(`SELECT Id, Account.Name, Account.Owner.Name FROM Contact WHERE AccountId = '${direct.accountId}' LIMIT 1`).records[0]!;
    expect(contact).toMatchObject({ Account: { Name: direct.name, Owner: { Name: world.skeleton.salesReps[direct.ownerIndex]!.name } } });
  });

  it('filters on relationship fields', () => {
    const reseller = world.skeleton.resellers[0]!;
    const expected = customers.filter((c) => c.resellerIndex === 0).length;
    expect(run(`SELECT COUNT() FROM Account WHERE Partner_Account__r.Name = '${reseller.name}'`).totalSize).toBe(expected);
  });

  it('counts with COUNT() and returns no records', () => {
    const r = run(`SELECT COUNT() FROM Account WHERE Type != 'Channel Partner / Reseller'`);
    expect(r.totalSize).toBe(customers.length + tricky.length);
    expect(r.records).toEqual([]);
  });

  it('orders by several fields, with nulls first or last, and pages with LIMIT and OFFSET', () => {
    const all = run(`SELECT Id, Name FROM Account ORDER BY Name ASC, Id DESC`).records.map((r) => String(r.Name).toLowerCase());
    expect(all).toEqual([...all].sort());
    const page = run(`SELECT Id FROM Account ORDER BY Name, Id LIMIT 5 OFFSET 3`).records.map((r) => r.Id);
    const full = run(`SELECT Id FROM Account ORDER BY Name, Id`).records.map((r) => r.Id);
    expect(page).toEqual(full.slice(3, 8));
    const nullsFirst = run(`SELECT Id, AnnualRevenue FROM Account ORDER BY AnnualRevenue NULLS FIRST`).records;
    const nullsLast = run(`SELECT Id, AnnualRevenue FROM Account ORDER BY AnnualRevenue DESC NULLS LAST`).records;
    expect(nullsFirst[0]!.AnnualRevenue).toBeNull();
    expect(nullsLast.at(-1)!.AnnualRevenue).toBeNull();
    expect(Number(nullsLast[0]!.AnnualRevenue)).toBeGreaterThanOrEqual(Number(nullsLast[1]!.AnnualRevenue));
    expect(errorCode(`SELECT Id FROM Account LIMIT 1 OFFSET 2001`)).toBe('NUMBER_OUTSIDE_VALID_RANGE');
  });

  it('supports comparison operators, IN, NOT IN, NOT, parentheses, booleans, numbers and dates', () => {
    const big = run(`SELECT Id FROM Account WHERE AnnualRevenue >= 10000000 AND (Industry = 'Retail' OR Industry = 'Education')`).totalSize;
    const manual = [...world.stores.get('Account')!.all()].filter((a) => (a.AnnualRevenue as number | null) !== null && (a.AnnualRevenue as number) >= 10_000_000 && (a.Industry === 'Retail' || a.Industry === 'Education')).length;
    expect(big).toBe(manual);
    const notIn = run(`SELECT COUNT() FROM Account WHERE Industry NOT IN ('Retail', 'Education')`).totalSize;
    const neg = run(`SELECT COUNT() FROM Account WHERE NOT (Industry = 'Retail' OR Industry = 'Education')`).totalSize;
    expect(notIn).toBe(neg);
    expect(run(`SELECT COUNT() FROM User WHERE IsActive = true`).totalSize).toBe(world.skeleton.salesReps.length + 1);
    expect(run(`SELECT COUNT() FROM Account WHERE CreatedDate < 2020-01-01T00:00:00Z`).totalSize).toBe(0);
    expect(run(`SELECT COUNT() FROM Account WHERE CreatedDate <= TODAY`).totalSize).toBe(world.stores.get('Account')!.size);
    expect(run(`SELECT COUNT() FROM Account WHERE CreatedDate = LAST_N_DAYS:100000`).totalSize).toBe(world.stores.get('Account')!.size);
    expect(run(`SELECT COUNT() FROM Account WHERE Partner_Account__c = null`).totalSize).toBe(
      [...world.stores.get('Account')!.all()].filter((a) => a.Partner_Account__c === null).length,
    );
    expect(run(`select id from ACCOUNT where NAME like 'o''%'`.replace("''", "\\'")).records.map((r) => r.Id)).toContain(trickyIds[0]);
  });

  it('matches 15-character ids and compares text case-insensitively', () => {
    const c = customers[3]!;
    expect(run(`SELECT Id FROM Account WHERE Id = '${c.accountId.slice(0, 15)}'`).records[0]?.Id).toBe(c.accountId);
    expect(run(`SELECT Id FROM Account WHERE Name = '${c.name.toUpperCase()}'`).records[0]?.Id).toBe(c.accountId);
    expect(errorCode(`SELECT Id FROM Account WHERE Id = 'nope'`)).toBe('INVALID_QUERY_FILTER_OPERATOR');
  });

  it('reports unknown fields, unknown objects and syntax errors with Salesforce codes', () => {
    expect(errorCode('SELECT Bogus FROM Account')).toBe('INVALID_FIELD');
    expect(errorCode('SELECT Owner.Bogus FROM Account')).toBe('INVALID_FIELD');
    expect(errorCode('SELECT Id FROM Account WHERE Nope__r.Name = null')).toBe('INVALID_FIELD');
    expect(errorCode("SELECT Id FROM Account WHERE AnnualRevenue = '5'")).toBe('INVALID_FIELD');
    expect(errorCode('SELECT Id FROM Bogus__c')).toBe('INVALID_TYPE');
    expect(errorCode('SELECT Id FROM Account WHERE')).toBe('MALFORMED_QUERY');
    expect(errorCode('SELECT Id, FROM Account')).toBe('MALFORMED_QUERY');
    expect(errorCode("SELECT Id FROM Account WHERE Name = 'unterminated")).toBe('MALFORMED_QUERY');
    expect(errorCode('SELECT Id FROM Account GROUP BY Name')).toBe('MALFORMED_QUERY');
    expect(errorCode('DELETE FROM Account')).toBe('MALFORMED_QUERY');
    expect(() => parseSoql('SELECT Id FROM Account LIMIT 5')).not.toThrow();
  });

  it('answers an indexed by-id read without scanning', () => {
    const store = world.stores.get('Account')!;
    const all = store.all.bind(store);
    let scans = 0;
    store.all = () => {
      scans++;
      return all();
    };
    try {
      run(`SELECT Id FROM Account WHERE Id = '${customers[1]!.accountId}'`);
      run(`SELECT Id FROM Contact WHERE AccountId IN ('${customers[1]!.accountId}')`);
      run(`SELECT Id FROM Account WHERE Partner_Account__c = '${world.skeleton.resellers[0]!.accountId}' AND Name LIKE '%a%'`);
      expect(scans).toBe(0);
    } finally {
      store.all = all;
    }
  });
});

describe('SOSL', () => {
  it('finds accounts by a name word and returns the asked fields', () => {
    const c = world.skeleton.customers[0]!;
    const word = c.name.split(' ')[1]!;
    const { searchRecords } = executeSosl(ctx, `FIND {${word}} IN NAME FIELDS RETURNING Account(Id, Name WHERE Type != 'Channel Partner / Reseller' ORDER BY Name LIMIT 500)`);
    expect(searchRecords.length).toBeGreaterThan(0);
    expect(searchRecords.every((r) => String(r.Name).includes(word))).toBe(true);
    expect(searchRecords.map((r) => r.Id)).toContain(c.accountId);
  });
});
