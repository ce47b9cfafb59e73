// A real OpenID Connect provider (npm `oidc-provider`, OpenID certified) on loopback for the
// sign-in tests (tests/oidc.py starts it; never used outside tests).
//
// It issues ID tokens signed with an RSA key made at start-up. Clients register themselves
// through standard Dynamic Client Registration (POST /reg), as an organisation admin would get a
// client id and secret from Microsoft Entra ID or Google. Its sign-in page stands in for the
// identity provider's: the person types the email address, and the test chooses whether the
// provider vouches for it (email_verified), whether the sign-in used multi-factor
// authentication (amr contains "mfa") and, as Google does for Workspace accounts, the hosted
// domain claim (hd).
//
// Usage: node tests/oidc_provider/server.mjs  → prints "listening <issuer>" once ready.
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:net';

import Provider from 'oidc-provider';

const host = '127.0.0.1';
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'RS256', kid: 'test-key' };

// accountId → claims, filled by the sign-in form.
const accounts = new Map();

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function start(port) {
  const issuer = `http://${host}:${port}`;
  const provider = new Provider(issuer, {
    jwks: { keys: [jwk] },
    cookies: { keys: ['oidc-test-cookie-key'] },
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true },
    },
    claims: {
      openid: ['sub', 'amr', 'hd'],
      email: ['email', 'email_verified'],
      profile: ['name'],
    },
    // Both endpoints return the claims (allauth reads userinfo; the ID token carries amr).
    conformIdTokenClaims: false,
    ttl: { Session: 60, Interaction: 600, Grant: 600, AccessToken: 600, IdToken: 600 },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(ctx, id) {
      const claims = accounts.get(id);
      if (!claims) return undefined;
      return { accountId: id, async claims() { return { sub: id, ...claims }; } };
    },
    // First-party test clients: no consent screen (the login is the only interaction).
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId
        || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
  });

  provider.use(async (ctx, next) => {
    const match = ctx.path.match(/^\/interaction\/([\w-]+)(\/login)?$/);
    if (!match) return next();
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (ctx.method === 'GET' && !match[2]) {
      ctx.type = 'html';
      ctx.body = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Test identity provider: sign in</title></head><body><main>
<h1>Test identity provider</h1>
<form method="post" action="/interaction/${escapeHtml(details.uid)}/login">
<p><label for="email">Email address</label> <input id="email" name="email" type="email" required></p>
<p><input id="email_verified" name="email_verified" type="checkbox" value="1" checked>
<label for="email_verified">The provider vouches for this address (email_verified)</label></p>
<p><label for="hd">Google Workspace domain (hd), blank for a personal account</label> <input id="hd" name="hd" type="text"></p>
<p><input id="mfa" name="mfa" type="checkbox" value="1">
<label for="mfa">Signed in with multi-factor authentication (amr: mfa)</label></p>
<button type="submit">Sign in to the identity provider</button>
</form></main></body></html>`;
      return undefined;
    }
    if (ctx.method === 'POST' && match[2]) {
      const form = await readForm(ctx.req);
      const email = form.get('email') || '';
      const accountId = form.get('sub') || `sub-${email.toLowerCase()}`;
      const claims = {
        email,
        email_verified: form.get('email_verified') === '1',
        name: form.get('name') || email,
      };
      // Google puts the Workspace domain in the ID token as `hd`; a personal account has none.
      if (form.get('hd')) claims.hd = form.get('hd');
      accounts.set(accountId, claims);
      const amr = form.get('mfa') === '1' ? ['pwd', 'mfa'] : ['pwd'];
      await provider.interactionFinished(ctx.req, ctx.res, { login: { accountId, amr } },
        { mergeWithLastSubmission: false });
      ctx.respond = false;
      return undefined;
    }
    ctx.status = 405;
    return undefined;
  });

  const server = provider.listen(port, host, () => {
    process.stdout.write(`listening ${issuer}\n`);
  });
  return server;
}

// Port 0 cannot be used: the issuer must name the port before listening. Ask the OS for a free
// one first, then start the provider on it.

const probe = createServer();
probe.listen(0, host, () => {
  const { port } = probe.address();
  probe.close(() => start(port));
});
process.on('SIGTERM', () => process.exit(0));
