import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

const problems = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('configuration', () => {
  it('defaults to local mode on loopback port 3978 with no credentials', () => {
    expect(loadConfig({})).toMatchObject({
      localMode: true,
      port: 3978,
      host: '127.0.0.1',
      slack: null,
      dataDir: './data',
    });
  });
  it('reads an empty number (PORT=) as unset, not as 0', () => {
    expect(loadConfig({ PORT: '', MADOGUCHI_RETENTION_DAYS: ' ' })).toMatchObject({
      port: 3978,
      admin: { retentionDays: 90 },
    });
    expect(loadConfig({ PORT: '0' }).port).toBe(0);
    expect(problems({ MADOGUCHI_RETENTION_DAYS: '0' })).toEqual([
      expect.stringMatching(/^MADOGUCHI_RETENTION_DAYS: /),
    ]);
  });
  it('lists every problem at once, each with its variable', () => {
    expect(problems({ PORT: 'eighty', LOG_LEVEL: 'loud', SLACK_API_URL: 'not a url' })).toEqual([
      expect.stringMatching(/^PORT: /),
      expect.stringMatching(/^LOG_LEVEL: /),
      expect.stringMatching(/^SLACK_API_URL: /),
    ]);
    expect(problems({ SLACK_BOT_TOKEN: 'abc', MicrosoftAppId: 'id' })).toEqual([
      'SLACK_BOT_TOKEN: must be a bot token (xoxb-…)',
      'SLACK_SIGNING_SECRET: required for HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)',
      'MicrosoftAppPassword: required when MicrosoftAppId is set',
    ]);
  });
  it('refuses production without real platform authentication', () => {
    expect(problems({ NODE_ENV: 'production' })).toEqual([
      expect.stringMatching(/^NODE_ENV: production needs real platform authentication/),
    ]);
  });
  it('serves local mode on loopback only', () => {
    expect(problems({ HOST: '0.0.0.0' })).toEqual([
      'HOST: local mode (no platform credentials) serves only on loopback, not 0.0.0.0',
    ]);
  });
  it('accepts a Slack HTTP configuration', () => {
    const c = loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_SIGNING_SECRET: 's',
      HOST: '0.0.0.0',
      NODE_ENV: 'production',
    });
    expect(c.localMode).toBe(false);
    expect(c.slack).toMatchObject({ botToken: 'xoxb-1', signingSecret: 's', listen: 'mentions' });
  });
});

describe('Teams mode', () => {
  const slack = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' };
  const teams = { MicrosoftAppId: 'app', MicrosoftAppPassword: 'pw' };
  const EMULATOR = 'Teams runs in emulator mode on loopback: activities are not authenticated';
  const OFF = 'Teams is off: set MicrosoftAppId and MicrosoftAppPassword to enable it';

  it('is authenticated whenever an app id is set, with nothing to notice', () => {
    for (const env of [
      teams,
      { ...teams, HOST: '0.0.0.0', NODE_ENV: 'production' },
      { ...teams, ...slack },
    ]) {
      expect(loadConfig(env)).toMatchObject({ teams: { mode: 'authenticated', appId: 'app' }, notices: [] });
    }
  });
  it('runs the emulator only in local mode on loopback, and says so', () => {
    for (const HOST of ['127.0.0.1', '::1', 'localhost']) {
      expect(loadConfig({ HOST })).toMatchObject({ teams: { mode: 'emulator' }, notices: [EMULATOR] });
    }
    expect(loadConfig({ NODE_ENV: 'test' }).teams.mode).toBe('emulator');
  });
  it('is off, not unauthenticated, next to Slack on a public interface (NODE_ENV unset)', () => {
    const c = loadConfig({ ...slack, HOST: '0.0.0.0' });
    expect(c.teams.mode).toBe('off');
    expect(c.teams.appId).toBeUndefined();
    expect(c.notices).toEqual([OFF]);
  });
  it('is off next to Slack even on loopback, and in production', () => {
    expect(loadConfig(slack).teams.mode).toBe('off');
    expect(loadConfig({ ...slack, NODE_ENV: 'production' }).teams.mode).toBe('off');
  });
  it('keeps local mode meaning "no platform credentials"', () => {
    expect(loadConfig({}).localMode).toBe(true);
    expect(loadConfig(slack).localMode).toBe(false);
    expect(loadConfig(teams).localMode).toBe(false);
  });
});
