import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SandboxRequest } from '../common/server.js';
import { JSON_TYPE, type Reply } from './respond.js';
import type { SessionStore } from './sessions.js';
import { INTEGRATION_USERNAME, type SalesforceWorld } from './world.js';

/** OAuth client id of the sandbox's connected app. */
export const SALESFORCE_CLIENT_ID = 'sandbox-client';
/** OAuth client secret of the sandbox's connected app. */
export const SALESFORCE_CLIENT_SECRET = 'sandbox-secret';
/** Username of the integration user. */
export const SALESFORCE_USERNAME = INTEGRATION_USERNAME;
/** Password of the integration user. */
export const SALESFORCE_PASSWORD = 'sf-sandbox-pass';

/** The origin clients reached us on (`instance_url`, `serverUrl`). */
export function originOf(req: SandboxRequest): string {
  return `http://${req.headers.host ?? '127.0.0.1'}`;
}

function same(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function oauthError(status: number, error: string, description: string): Reply {
  return { status, headers: { 'Content-Type': JSON_TYPE }, body: { error, error_description: description } };
}

function clientFromBasic(header: string | undefined): { id?: string; secret?: string } {
  const m = /^Basic\s+(.+)$/i.exec(header ?? '');
  if (!m) return {};
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? {} : { id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
}

/** `POST /services/oauth2/token`: password, client_credentials and refresh_token grants. */
export function handleToken(req: SandboxRequest, world: SalesforceWorld, sessions: SessionStore): Reply {
  if (req.method !== 'POST') return oauthError(405, 'invalid_request', 'must use HTTP POST');
  const params = new URLSearchParams(req.body.toString('utf8'));
  const basic = clientFromBasic(req.headers.authorization);
  const grant = params.get('grant_type');
  const clientId = params.get('client_id') ?? basic.id;
  const clientSecret = params.get('client_secret') ?? basic.secret;
  if (grant !== 'password' && grant !== 'client_credentials' && grant !== 'refresh_token') {
    return oauthError(400, 'unsupported_grant_type', 'grant type not supported');
  }
  if (!same(clientId ?? undefined, SALESFORCE_CLIENT_ID)) return oauthError(400, 'invalid_client', 'invalid client credentials');
  // A refresh-token grant may omit the secret (public clients); the others need it.
  if ((grant !== 'refresh_token' || clientSecret !== undefined) && !same(clientSecret ?? undefined, SALESFORCE_CLIENT_SECRET)) {
    return oauthError(400, 'invalid_client', 'invalid client credentials');
  }
  let userId: string;
  if (grant === 'password') {
    if (!same(params.get('username') ?? undefined, SALESFORCE_USERNAME) || !same(params.get('password') ?? undefined, SALESFORCE_PASSWORD)) {
      return oauthError(400, 'invalid_grant', 'authentication failure');
    }
    userId = world.integrationUserId;
  } else if (grant === 'client_credentials') {
    userId = world.integrationUserId;
  } else {
    const found = sessions.userForRefreshToken(params.get('refresh_token') ?? '');
    if (!found) return oauthError(400, 'invalid_grant', 'expired access/refresh token');
    userId = found;
  }
  const { token, session } = sessions.issue(userId);
  const origin = originOf(req);
  const id = `${origin}/id/${world.orgId}/${userId}`;
  const issuedAt = String(session.issuedAt);
  const scopes = (params.get('scope') ?? 'api').split(/\s+/).filter(Boolean);
  const body: Record<string, string> = {
    access_token: token,
    instance_url: origin,
    id,
    token_type: 'Bearer',
    issued_at: issuedAt,
    signature: createHmac('sha256', SALESFORCE_CLIENT_SECRET).update(id + issuedAt).digest('base64'),
    scope: scopes.join(' '),
  };
  if (grant === 'password' && scopes.includes('refresh_token')) body.refresh_token = sessions.issueRefreshToken(userId);
  return { status: 200, headers: { 'Content-Type': JSON_TYPE }, body };
}

/** `POST /services/oauth2/revoke`. */
export function handleRevoke(req: SandboxRequest, sessions: SessionStore): Reply {
  const token = new URLSearchParams(req.body.toString('utf8')).get('token') ?? req.query.get('token');
  if (token) sessions.revoke(token);
  return { status: 200, headers: { 'Content-Type': JSON_TYPE }, body: '' };
}

function xmlText(body: string, tag: string): string | undefined {
  const m = new RegExp(`<(?:[\\w-]+:)?${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</(?:[\\w-]+:)?${tag}>`).exec(body);
  if (!m) return undefined;
  return m[1]!
    .replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function soapFault(code: string, message: string): Reply {
  const body =
    '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:sf="urn:fault.partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
    `<soapenv:Body><soapenv:Fault><faultcode>sf:${code}</faultcode><faultstring>${code}: ${esc(message)}</faultstring>` +
    `<detail><sf:LoginFault xsi:type="sf:LoginFault"><sf:exceptionCode>${code}</sf:exceptionCode><sf:exceptionMessage>${esc(message)}</sf:exceptionMessage></sf:LoginFault></detail>` +
    '</soapenv:Fault></soapenv:Body></soapenv:Envelope>';
  return { status: 500, headers: { 'Content-Type': 'text/xml;charset=UTF-8' }, body };
}

/** `POST /services/Soap/u/{version}`: the partner API's login (and logout), as jsforce's SOAP login reads it. */
export function handleSoap(req: SandboxRequest, world: SalesforceWorld, sessions: SessionStore, version: string): { operation: string; reply: Reply } {
  const body = req.body.toString('utf8');
  if (/<(?:[\w-]+:)?logout[\s/>]/.test(body)) {
    const sid = xmlText(body, 'sessionId');
    if (sid) sessions.revoke(sid);
    const ok = '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com"><soapenv:Body><logoutResponse/></soapenv:Body></soapenv:Envelope>';
    return { operation: 'soap.logout', reply: { status: 200, headers: { 'Content-Type': 'text/xml;charset=UTF-8' }, body: ok } };
  }
  if (!/<(?:[\w-]+:)?login[\s>]/.test(body)) {
    return { operation: 'soap.unsupported', reply: soapFault('UNKNOWN_EXCEPTION', 'This sandbox only implements login and logout over SOAP') };
  }
  const username = xmlText(body, 'username');
  const password = xmlText(body, 'password');
  if (!same(username, SALESFORCE_USERNAME) || !same(password, SALESFORCE_PASSWORD)) {
    return { operation: 'soap.login', reply: soapFault('INVALID_LOGIN', 'Invalid username, password, security token; or user locked out.') };
  }
  const user = world.stores.get('User')!.get(world.integrationUserId)!;
  const { token, session } = sessions.issue(world.integrationUserId);
  const origin = originOf(req);
  const org15 = world.orgId.slice(0, 15);
  const validSeconds = Math.max(1, Math.round((session.expiresAt - session.issuedAt) / 1000));
  const xml =
    '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
    '<soapenv:Body><loginResponse><result>' +
    `<metadataServerUrl>${origin}/services/Soap/m/${version}/${org15}</metadataServerUrl>` +
    '<passwordExpired>false</passwordExpired><sandbox>true</sandbox>' +
    `<serverUrl>${origin}/services/Soap/u/${version}/${org15}</serverUrl>` +
    `<sessionId>${token}</sessionId><userId>${world.integrationUserId}</userId>` +
    '<userInfo><accessibilityMode>false</accessibilityMode><currencySymbol>€</currencySymbol><orgAttachmentFileSizeLimit>5242880</orgAttachmentFileSizeLimit>' +
    '<orgDefaultCurrencyIsoCode>EUR</orgDefaultCurrencyIsoCode><orgDisallowHtmlAttachments>false</orgDisallowHtmlAttachments><orgHasPersonAccounts>false</orgHasPersonAccounts>' +
    `<organizationId>${world.orgId}</organizationId><organizationMultiCurrency>true</organizationMultiCurrency><organizationName>Retail Sandbox</organizationName>` +
    `<profileId>00e5g000000000001AAA</profileId><roleId xsi:nil="true"/><sessionSecondsValid>${validSeconds}</sessionSecondsValid>` +
    `<userDefaultCurrencyIsoCode xsi:nil="true"/><userEmail>${esc(String(user.Email))}</userEmail><userFullName>${esc(String(user.Name))}</userFullName>` +
    `<userId>${world.integrationUserId}</userId><userLanguage>en_US</userLanguage><userLocale>en_US</userLocale><userName>${esc(String(user.Username))}</userName>` +
    '<userTimeZone>Europe/Berlin</userTimeZone><userType>Standard</userType><userUiSkin>Theme3</userUiSkin></userInfo>' +
    '</result></loginResponse></soapenv:Body></soapenv:Envelope>';
  return { operation: 'soap.login', reply: { status: 200, headers: { 'Content-Type': 'text/xml;charset=UTF-8' }, body: xml } };
}
