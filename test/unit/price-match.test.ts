import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isVersionOf } from '../../src/engine/usage/prices.ts';

test("a dated or versioned model name takes its model's price; another model that shares its start does not", () => {
  const priced: [string, string][] = [
    ['gpt-4o-2024-08-06', 'gpt-4o'],
    ['gpt-4o-mini-2024-07-18', 'gpt-4o-mini'],
    ['claude-3-5-haiku-20241022', 'claude-3-5-haiku'],
    ['claude-3-5-haiku-latest', 'claude-3-5-haiku'],
    ['gpt-4-0613', 'gpt-4'],
    ['claude-3-haiku-20240307-v1:0', 'claude-3-haiku'],
    ['gemini-1.5-pro-002', 'gemini-1.5-pro'],
    ['claude-sonnet-4-0', 'claude-sonnet-4'],
    ['claude-sonnet-4@20250514', 'claude-sonnet-4'],
    ['gemini-2.0-flash@001', 'gemini-2.0-flash'],
  ];
  for (const [model, name] of priced) assert.equal(isVersionOf(model, name), true, `${model} is a version of ${name}`);
  const others: [string, string][] = [
    ['gpt-4o-mini', 'gpt-4o'],
    ['gpt-4.1-nano', 'gpt-4.1'],
    ['gpt-4.1-mini-2025-04-14', 'gpt-4.1'],
    ['o1-preview-2024-09-12', 'o1'],
    ['gpt-4o', 'gpt-4o'],
    ['gpt-4', 'gpt'],
    ['claude-opus-4-1', 'claude-opus-4'],
    ['claude-opus-4-1-20250805', 'claude-opus-4'],
    ['claude-sonnet-4@v2', 'claude-sonnet-4'],
    ['claude-sonnet-4.5', 'claude-sonnet-4'],
    ['gemini-1.5-pro-0', 'gemini-1.5'],
  ];
  for (const [model, name] of others) assert.equal(isVersionOf(model, name), false, `${model} is not priced as ${name}`);
});
