import { randomBytes } from 'node:crypto';

/** One issued access token. */
export interface Session {
  userId: string;
  issuedAt: number;
  expiresAt: number;
}

/** Issues and checks access tokens (OAuth and SOAP alike) and refresh tokens. */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly refreshTokens = new Map<string, string>();

  constructor(
    private readonly orgId: string,
    private readonly ttlMs: number,
  ) {}

  /** A new access token for a user, valid for the configured TTL. */
  issue(userId: string): { token: string; session: Session } {
    if (this.sessions.size > 10_000) this.sweep();
    const token = `${this.orgId.slice(0, 15)}!${randomBytes(36).toString('base64url')}`;
    const issuedAt = Date.now();
    const session = { userId, issuedAt, expiresAt: issuedAt + this.ttlMs };
    this.sessions.set(token, session);
    return { token, session };
  }

  /** The live session of a token, or undefined when unknown or expired. */
  check(token: string | undefined): Session | undefined {
    if (!token) return undefined;
    const session = this.sessions.get(token);
    if (!session) return undefined;
    if (Date.now() >= session.expiresAt) {
      this.sessions.delete(token);
      return undefined;
    }
    return session;
  }

  revoke(token: string): void {
    this.sessions.delete(token);
    this.refreshTokens.delete(token);
  }

  /** A refresh token for a user (issued only when the client asks for the `refresh_token` scope). */
  issueRefreshToken(userId: string): string {
    const token = `5Aep${randomBytes(40).toString('base64url')}`;
    this.refreshTokens.set(token, userId);
    return token;
  }

  userForRefreshToken(token: string): string | undefined {
    return this.refreshTokens.get(token);
  }

  clear(): void {
    this.sessions.clear();
    this.refreshTokens.clear();
  }

  private sweep(): void {
    const now = Date.now();
    for (const [token, s] of this.sessions) if (now >= s.expiresAt) this.sessions.delete(token);
  }
}
