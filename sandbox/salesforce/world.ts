import { createRng } from '../common/rng.js';
import { salesforceId } from '../world/salesforce-id.js';
import { buildSkeleton, WORLD_NOW, type WorldOptions, type WorldSkeleton } from '../world/skeleton.js';
import { SOBJECTS } from './schema.js';
import { ObjectStore, type SfRecord } from './store.js';

/** The integration user every API credential of the sandbox logs in as. */
export const INTEGRATION_USERNAME = 'integration@retail.example';

/** The seeded Salesforce org: stores per sObject, plus the sequences new records draw ids from. */
export interface SalesforceWorld {
  skeleton: WorldSkeleton;
  /** Organization id (`00D...`). */
  orgId: string;
  integrationUserId: string;
  stores: Map<string, ObjectStore>;
  /** Next sequence number per key prefix, for ids of created records. */
  nextSeq: Map<string, number>;
}

const COUNTRIES: ReadonlyArray<{ country: string; currency: string; dial: string; cities: string[] }> = [
  { country: 'Germany', currency: 'EUR', dial: '+49', cities: ['Berlin', 'Hamburg', 'Munich', 'Cologne'] },
  { country: 'France', currency: 'EUR', dial: '+33', cities: ['Paris', 'Lyon', 'Nantes', 'Lille'] },
  { country: 'Netherlands', currency: 'EUR', dial: '+31', cities: ['Amsterdam', 'Utrecht', 'Rotterdam'] },
  { country: 'Italy', currency: 'EUR', dial: '+39', cities: ['Milan', 'Turin', 'Bologna'] },
  { country: 'Spain', currency: 'EUR', dial: '+34', cities: ['Madrid', 'Valencia', 'Seville'] },
  { country: 'Austria', currency: 'EUR', dial: '+43', cities: ['Vienna', 'Graz', 'Linz'] },
  { country: 'Belgium', currency: 'EUR', dial: '+32', cities: ['Brussels', 'Ghent', 'Antwerp'] },
  { country: 'Finland', currency: 'EUR', dial: '+358', cities: ['Helsinki', 'Tampere'] },
  { country: 'United Kingdom', currency: 'GBP', dial: '+44', cities: ['London', 'Leeds', 'Bristol'] },
  { country: 'United States', currency: 'USD', dial: '+1', cities: ['Boston', 'Denver', 'Portland'] },
];
const STREETS = ['Harbor Road', 'Market Street', 'Station Avenue', 'Mill Lane', 'Park Way', 'Canal Street', 'Bridge Road', 'Church Lane'];
const FIRST_NAMES = ['Anna', 'Bruno', 'Clara', 'David', 'Elena', 'Felix', 'Greta', 'Hugo', 'Ines', 'Jonas', 'Katrin', 'Luca', 'Mia', 'Noah', 'Olga', 'Paul', 'Rosa', 'Sven', 'Tara', 'Ugo'];
const LAST_NAMES = ['Becker', 'Dubois', 'Fischer', 'García', 'Jansen', 'Keller', 'Lambert', 'Martin', 'Novak', "O'Brien", 'Peeters', 'Rossi', 'Schmidt', 'Virtanen', 'Weber'];
const TITLES = ['Owner', 'Purchasing Manager', 'Store Manager', 'Head of Operations', 'Accounts Payable', 'Workshop Lead', null];

/** Salesforce's datetime format: `2026-01-15T10:30:00.000+0000`. */
export function sfDateTime(date: Date): string {
  return date.toISOString().replace('Z', '+0000');
}

/** Builds the seeded org from the world skeleton. Deterministic in (seed, customers). */
export function buildSalesforceWorld(options: WorldOptions = {}): SalesforceWorld {
  const skeleton = buildSkeleton(options);
  const rng = createRng(skeleton.seed).fork('salesforce');
  const stores = new Map([...SOBJECTS.values()].map((o) => [o.name, new ObjectStore(o)]));
  const accounts = stores.get('Account')!;
  const contacts = stores.get('Contact')!;
  const users = stores.get('User')!;
  const day = 86_400_000;
  const stamp = (ageDays: number, minutes: number) => sfDateTime(new Date(WORLD_NOW.getTime() - ageDays * day + minutes * 60_000));

  const integrationUserId = salesforceId('005', skeleton.salesReps.length + 1);
  const created = stamp(2400, 0);
  const userRecord = (id: string, first: string, last: string, email: string, title: string | null): SfRecord => ({
    Id: id,
    Username: email,
    FirstName: first,
    LastName: last,
    Name: `${first} ${last}`,
    Email: email,
    Title: title,
    Phone: null,
    IsActive: true,
    CreatedDate: created,
    CreatedById: integrationUserId,
    LastModifiedDate: created,
    LastModifiedById: integrationUserId,
    SystemModstamp: created,
  });
  for (const rep of skeleton.salesReps) {
    const [first, ...rest] = rep.name.split(' ');
    users.insert(userRecord(rep.userId, first!, rest.join(' '), rep.email, 'Account Executive'));
  }
  users.insert(userRecord(integrationUserId, 'Integration', 'User', INTEGRATION_USERNAME, 'API Integration'));

  const address = (r: typeof rng) => {
    const place = r.pick(COUNTRIES);
    const street = `${r.int(1, 240)} ${r.pick(STREETS)}`;
    return {
      place,
      BillingStreet: r.chance(0.2) ? `Unit ${r.int(1, 40)}\n${street}` : street,
      BillingCity: r.pick(place.cities),
      BillingState: null,
      BillingPostalCode: String(r.int(10000, 99999)),
      BillingCountry: place.country,
    };
  };
  const phone = (r: typeof rng, dial: string) => `${dial} ${r.int(10, 99)} ${r.int(100, 999)} ${r.int(1000, 9999)}`;
  const slug = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

  for (const [i, reseller] of skeleton.resellers.entries()) {
    const r = rng.fork(`reseller-${i}`);
    const { place, ...billing } = address(r);
    const createdAge = r.int(900, 2000);
    accounts.insert({
      Id: reseller.accountId,
      Name: reseller.name,
      AccountNumber: `PARTNER-${String(i + 1).padStart(4, '0')}`,
      Type: 'Channel Partner / Reseller',
      Industry: 'Retail',
      Phone: phone(r, place.dial),
      Fax: null,
      Website: `https://www.${slug(reseller.name)}.example`,
      ...billing,
      ShippingStreet: null,
      ShippingCity: null,
      ShippingState: null,
      ShippingPostalCode: null,
      ShippingCountry: null,
      ParentId: null,
      OwnerId: skeleton.salesReps[reseller.ownerIndex]!.userId,
      AnnualRevenue: r.int(5_000, 90_000) * 1000,
      NumberOfEmployees: r.int(20, 600),
      Description: `Reseller in ${place.country}.`,
      CurrencyIsoCode: place.currency,
      Partner_Account__c: null,
      ERP_Customer_Id__c: null,
      CreatedDate: stamp(createdAge, 0),
      CreatedById: integrationUserId,
      LastModifiedDate: stamp(r.int(1, createdAge), 0),
      LastModifiedById: integrationUserId,
      SystemModstamp: stamp(r.int(1, createdAge), 0),
    });
  }

  let contactSeq = 1;
  for (const c of skeleton.customers) {
    const r = rng.fork(`customer-${c.index}`);
    const { place, ...billing } = address(r);
    const createdAge = r.int(30, 2000);
    const modifiedAge = r.int(0, createdAge);
    const owner = skeleton.salesReps[c.ownerIndex]!.userId;
    const domain = `${slug(c.name)}.example`;
    accounts.insert({
      Id: c.accountId,
      Name: c.name,
      AccountNumber: `CUST-${String(c.index + 1).padStart(6, '0')}`,
      Type: c.resellerIndex !== null ? 'Customer - Channel' : 'Customer - Direct',
      Industry: c.industry,
      Phone: phone(r, place.dial),
      Fax: null,
      Website: r.chance(0.85) ? `https://www.${domain}` : null,
      ...billing,
      ShippingStreet: null,
      ShippingCity: null,
      ShippingState: null,
      ShippingPostalCode: null,
      ShippingCountry: null,
      ParentId: null,
      OwnerId: owner,
      AnnualRevenue: r.chance(0.9) ? r.int(200, 50_000) * 1000 : null,
      NumberOfEmployees: r.int(3, 2500),
      Description: r.chance(0.5) ? `${c.industry} customer in ${billing.BillingCity}.` : null,
      CurrencyIsoCode: place.currency,
      Partner_Account__c: c.resellerIndex !== null ? skeleton.resellers[c.resellerIndex]!.accountId : null,
      ERP_Customer_Id__c: `C${c.index}`,
      CreatedDate: stamp(createdAge, r.int(0, 600)),
      CreatedById: integrationUserId,
      LastModifiedDate: stamp(modifiedAge, 0),
      LastModifiedById: integrationUserId,
      SystemModstamp: stamp(modifiedAge, 0),
    });
    for (let k = 0; k < c.contactCount; k++) {
      const first = r.pick(FIRST_NAMES);
      const last = r.pick(LAST_NAMES);
      const contactAge = r.int(0, createdAge);
      const mailbox = `${first}.${last}`.toLowerCase().replace(/[^a-z.]/g, '');
      contacts.insert({
        Id: salesforceId('003', contactSeq++),
        AccountId: c.accountId,
        FirstName: first,
        LastName: last,
        Name: `${first} ${last}`,
        Email: `${mailbox}${k > 0 ? k : ''}@${domain}`,
        Phone: phone(r, place.dial),
        MobilePhone: r.chance(0.6) ? phone(r, place.dial) : null,
        Title: r.pick(TITLES),
        OwnerId: owner,
        CreatedDate: stamp(contactAge, 0),
        CreatedById: integrationUserId,
        LastModifiedDate: stamp(contactAge, 0),
        LastModifiedById: integrationUserId,
        SystemModstamp: stamp(contactAge, 0),
      });
    }
  }

  return {
    skeleton,
    orgId: salesforceId('00D', 1),
    integrationUserId,
    stores,
    nextSeq: new Map([
      ['001', skeleton.resellers.length + skeleton.customers.length + 1],
      ['003', contactSeq],
      ['005', skeleton.salesReps.length + 2],
    ]),
  };
}
