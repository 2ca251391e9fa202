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
