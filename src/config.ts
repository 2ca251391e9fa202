import { z } from 'zod';
import { type DatabaseConfig, isPostgresUrl } from './storage/pg/target.js';

/** Thrown when the environment is invalid; `problems` lists every one, each naming its variable. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
    .optional()
    .transform((v) => (v === undefined || v === '' ? fallback : ['true', '1', 'yes'].includes(v)));

/** A whole number in `[min, max]`; unset or empty (`PORT=`) is `fallback`. */
const int = (min: number, max: number, fallback: number) =>
  z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z.coerce.number().int().min(min).max(max).default(fallback),
  );

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: int(0, 65535, 3978),
  /** Interface to listen on. The local page is only served when this is a loopback address. */
  HOST: z.string().default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MADOGUCHI_DATA_DIR: z.string().default('./data'),
  MADOGUCHI_CONTENT_DIR: z.string().default('.'),
  /** Watch intents/ and knowledge/ and reload on change. */
  MADOGUCHI_WATCH: bool(true),
  /** Slack: answer every message in channels the bot is in, or only mentions. */
  SLACK_LISTEN: z.enum(['mentions', 'all']).default('mentions'),
  SLACK_BOT_TOKEN: optionalString,
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_APP_TOKEN: optionalString,
  SLACK_API_URL: z.url().optional(),
  MicrosoftAppId: optionalString,
  MicrosoftAppPassword: optionalString,
  MicrosoftAppType: z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI']).default('MultiTenant'),
  MicrosoftAppTenantId: optionalString,
  /** PostgreSQL for the shared state of several replicas; without it, the lowdb files in the data dir. */
  DATABASE_URL: optionalString,
  /** Bearer token for `/admin` and `/metrics`; without it they are served only in local mode, on loopback. */
  MADOGUCHI_ADMIN_TOKEN: optionalString,
  /** Days turn records (and the texts kept for review) are kept before they are deleted. */
  MADOGUCHI_RETENTION_DAYS: int(1, 3650, 90),
  /** Key for pseudonymising user ids in turn records; without it a random key is kept in the store. */
  MADOGUCHI_PSEUDONYM_KEY: optionalString,
});

type Env = z.infer<typeof EnvSchema>;

export interface SlackConfig {
  botToken: string;
  /** HTTP mode. */
  signingSecret?: string;
  /** Socket Mode. */
  appToken?: string;
  apiUrl?: string;
  listen: 'mentions' | 'all';
}

/**
 * How `/api/messages` runs. `authenticated`: every activity needs a valid Bot Framework token.
 * `emulator`: no authentication at all, so a caller can pose as any user and choose the serviceUrl
 * the bot posts to; allowed only where nobody else can reach it. `off`: no Teams route.
 */
export type TeamsMode = 'authenticated' | 'emulator' | 'off';

export interface TeamsConfig {
  mode: TeamsMode;
  /** Set exactly when `mode` is `authenticated`. */
  appId?: string;
  appPassword?: string;
  appType: 'MultiTenant' | 'SingleTenant' | 'UserAssignedMSI';
  tenantId?: string;
}

export interface Config {
  env: Env['NODE_ENV'];
  port: number;
  host: string;
  logLevel: Env['LOG_LEVEL'];
  dataDir: string;
  contentDir: string;
  watch: boolean;
  /** Null when Slack is not configured. */
  slack: SlackConfig | null;
  teams: TeamsConfig;
  /** No platform credentials: serve the local page (loopback only) and Teams in emulator mode. */
  localMode: boolean;
  /** PostgreSQL (`DATABASE_URL`) instead of the lowdb ticket files; null without it. Never log `url`. */
  database: DatabaseConfig | null;
  /** Admins' views (`/admin`, `/metrics`): the bearer token they need, and turn-record retention. Never log the token. */
  admin: { token?: string; retentionDays: number; pseudonymKey?: string };
  /** Human lines for the operator, logged once at start; never secrets. */
  notices: string[];
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/**
 * Decides the Teams mode. Without an app id nothing authenticates activities, so the emulator is
 * allowed only on a developer's machine: outside production, on loopback, and with no other platform
 * configured (a Slack deployment would otherwise expose an unauthenticated Teams door next to it).
 */
function teamsMode(e: {
  appId: string | undefined;
  env: Env['NODE_ENV'];
  host: string;
  otherPlatform: boolean;
}): TeamsMode {
  if (e.appId) return 'authenticated';
  if (e.env !== 'production' && LOOPBACK.test(e.host) && !e.otherPlatform) return 'emulator';
  return 'off';
}

/** What the operator should know about the Teams mode; nothing when Teams is authenticated. */
function teamsNotices(mode: TeamsMode): string[] {
  if (mode === 'emulator')
    return ['Teams runs in emulator mode on loopback: activities are not authenticated'];
  if (mode === 'off') return ['Teams is off: set MicrosoftAppId and MicrosoftAppPassword to enable it'];
  return [];
}

const DATABASE_URL_PROBLEM =
  'DATABASE_URL: must be a postgres:// or postgresql:// URL (e.g. postgres://user:password@host:5432/madoguchi)';

/**
 * The database `DATABASE_URL` names, or null when it is unset or empty. The value is never quoted in a
 * problem (it holds the password). For commands that need only the database (`db migrate`).
 */
export function loadDatabaseConfig(env: Record<string, string | undefined>): DatabaseConfig | null {
  const url = env.DATABASE_URL?.trim();
  if (!url) return null;
  if (!isPostgresUrl(url)) throw new ConfigError([DATABASE_URL_PROBLEM]);
  return { url };
}

/** Reads and validates the environment once, listing every problem. The only reader of `process.env`. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`));
  }
  const e = parsed.data;
  const problems: string[] = [];

  let slack: SlackConfig | null = null;
  if (e.SLACK_BOT_TOKEN || e.SLACK_SIGNING_SECRET || e.SLACK_APP_TOKEN) {
    if (!e.SLACK_BOT_TOKEN) problems.push('SLACK_BOT_TOKEN: required when Slack is configured');
    else if (!e.SLACK_BOT_TOKEN.startsWith('xoxb-'))
      problems.push('SLACK_BOT_TOKEN: must be a bot token (xoxb-…)');
    if (!e.SLACK_SIGNING_SECRET && !e.SLACK_APP_TOKEN) {
      problems.push('SLACK_SIGNING_SECRET: required for HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)');
    }
    if (e.SLACK_APP_TOKEN && !e.SLACK_APP_TOKEN.startsWith('xapp-')) {
      problems.push('SLACK_APP_TOKEN: must be an app-level token (xapp-…)');
    }
    if (e.SLACK_BOT_TOKEN) {
      slack = {
        botToken: e.SLACK_BOT_TOKEN,
        listen: e.SLACK_LISTEN,
        ...(e.SLACK_SIGNING_SECRET ? { signingSecret: e.SLACK_SIGNING_SECRET } : {}),
        ...(e.SLACK_APP_TOKEN ? { appToken: e.SLACK_APP_TOKEN } : {}),
        ...(e.SLACK_API_URL ? { apiUrl: e.SLACK_API_URL } : {}),
      };
    }
  }

  if (e.MicrosoftAppId && !e.MicrosoftAppPassword && e.MicrosoftAppType !== 'UserAssignedMSI') {
    problems.push('MicrosoftAppPassword: required when MicrosoftAppId is set');
  }
  if (e.MicrosoftAppType === 'SingleTenant' && e.MicrosoftAppId && !e.MicrosoftAppTenantId) {
    problems.push('MicrosoftAppTenantId: required when MicrosoftAppType is SingleTenant');
  }
  const mode = teamsMode({
    appId: e.MicrosoftAppId,
    env: e.NODE_ENV,
    host: e.HOST,
    otherPlatform: slack !== null,
  });
  const teams: TeamsConfig = {
    mode,
    appType: e.MicrosoftAppType,
    ...(e.MicrosoftAppId ? { appId: e.MicrosoftAppId } : {}),
    ...(e.MicrosoftAppPassword ? { appPassword: e.MicrosoftAppPassword } : {}),
    ...(e.MicrosoftAppTenantId ? { tenantId: e.MicrosoftAppTenantId } : {}),
  };

  const localMode = !slack && !teams.appId;
  if (e.NODE_ENV === 'production') {
    if (localMode) {
      problems.push(
        'NODE_ENV: production needs real platform authentication: set SLACK_BOT_TOKEN + SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN) and/or MicrosoftAppId + MicrosoftAppPassword',
      );
    }
  } else if (localMode && !LOOPBACK.test(e.HOST)) {
    problems.push(`HOST: local mode (no platform credentials) serves only on loopback, not ${e.HOST}`);
  }

  const database = e.DATABASE_URL ? { url: e.DATABASE_URL } : null;
  if (database && !isPostgresUrl(database.url)) problems.push(DATABASE_URL_PROBLEM);
  if (e.MADOGUCHI_ADMIN_TOKEN !== undefined && e.MADOGUCHI_ADMIN_TOKEN.length < 16)
    problems.push('MADOGUCHI_ADMIN_TOKEN: must be at least 16 characters');

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    dataDir: e.MADOGUCHI_DATA_DIR,
    contentDir: e.MADOGUCHI_CONTENT_DIR,
    watch: e.MADOGUCHI_WATCH,
    slack,
    teams,
    localMode,
    database,
    admin: {
      retentionDays: e.MADOGUCHI_RETENTION_DAYS,
      ...(e.MADOGUCHI_ADMIN_TOKEN ? { token: e.MADOGUCHI_ADMIN_TOKEN } : {}),
      ...(e.MADOGUCHI_PSEUDONYM_KEY ? { pseudonymKey: e.MADOGUCHI_PSEUDONYM_KEY } : {}),
    },
    notices: teamsNotices(mode),
  };
}
