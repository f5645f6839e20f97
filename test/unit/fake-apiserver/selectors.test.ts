import { describe, expect, it } from 'vitest';
import {
  fieldsMatch, labelsMatch, parseFieldSelector, parseLabelSelector, type LabelRequirement,
} from '../../fake-apiserver/selectors.js';

function selector(text: string): LabelRequirement[] {
  const parsed = parseLabelSelector(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}

const web = { app: 'web', tier: 'frontend', replicas: '3' };

describe('label selectors', () => {
  it('selects everything when empty', () => {
    expect(labelsMatch(selector(''), undefined)).toBe(true);
  });

  it('matches equality with =, == and != (which also matches objects without the label)', () => {
    expect(labelsMatch(selector('app=web'), web)).toBe(true);
    expect(labelsMatch(selector('app==web'), web)).toBe(true);
    expect(labelsMatch(selector('app=db'), web)).toBe(false);
    expect(labelsMatch(selector('app!=db'), web)).toBe(true);
    expect(labelsMatch(selector('app!=web'), web)).toBe(false);
    expect(labelsMatch(selector('app!=web'), {})).toBe(true);
  });

  it('matches existence and absence', () => {
    expect(labelsMatch(selector('tier'), web)).toBe(true);
    expect(labelsMatch(selector('!tier'), web)).toBe(false);
    expect(labelsMatch(selector('!canary'), web)).toBe(true);
  });

  it('matches set-based in and notin (notin also matches objects without the label)', () => {
    expect(labelsMatch(selector('app in (web, api)'), web)).toBe(true);
    expect(labelsMatch(selector('app in (db)'), web)).toBe(false);
    expect(labelsMatch(selector('app notin (db,cache)'), web)).toBe(true);
    expect(labelsMatch(selector('env notin (prod)'), web)).toBe(true);
    expect(labelsMatch(selector('app notin (web)'), web)).toBe(false);
  });

  it('ANDs comma-separated requirements and accepts whitespace and prefixed keys', () => {
    expect(labelsMatch(selector(' app = web , tier in (frontend) , !canary '), web)).toBe(true);
    expect(labelsMatch(selector('app=web,tier=backend'), web)).toBe(false);
    expect(labelsMatch(selector('kubernetes.io/service-name=web'), { 'kubernetes.io/service-name': 'web' })).toBe(true);
  });

  it('compares integers with > and <', () => {
    expect(labelsMatch(selector('replicas>2'), web)).toBe(true);
    expect(labelsMatch(selector('replicas<3'), web)).toBe(false);
  });

  it('rejects malformed selectors with a reason instead of throwing', () => {
    for (const bad of ['app=web,', 'app in ()', 'app in (a', '=web', '!app=web', 'app==', 'bad key=x', 'a>b']) {
      const parsed = parseLabelSelector(bad);
      if (bad === 'app==') {
        // An empty value is valid: it selects the label set to "".
        expect(parsed.ok).toBe(true);
        continue;
      }
      expect(parsed.ok, bad).toBe(false);
    }
  });
});

describe('field selectors', () => {
  const read = (values: Record<string, string>) => (field: string): string => values[field] ?? '';

  it('parses =, == and != terms joined by commas', () => {
    const parsed = parseFieldSelector('metadata.name=web,status.phase!=Failed,metadata.namespace==demo');
    expect(parsed).toEqual({ ok: true, value: [
      { field: 'metadata.name', op: '=', value: 'web' },
      { field: 'status.phase', op: '!=', value: 'Failed' },
      { field: 'metadata.namespace', op: '=', value: 'demo' },
    ] });
  });

  it('matches all terms', () => {
    const parsed = parseFieldSelector('status.phase=Running,metadata.name!=skip');
    if (!parsed.ok) throw new Error(parsed.error);
    expect(fieldsMatch(parsed.value, read({ 'status.phase': 'Running', 'metadata.name': 'a' }))).toBe(true);
    expect(fieldsMatch(parsed.value, read({ 'status.phase': 'Pending', 'metadata.name': 'a' }))).toBe(false);
    expect(fieldsMatch(parsed.value, read({ 'status.phase': 'Running', 'metadata.name': 'skip' }))).toBe(false);
  });

  it('unescapes \\, and \\= in values', () => {
    expect(parseFieldSelector('metadata.name=a\\,b\\=c')).toEqual({ ok: true, value: [
      { field: 'metadata.name', op: '=', value: 'a,b=c' }] });
  });

  it('rejects terms without an operator', () => {
    expect(parseFieldSelector('metadata.name').ok).toBe(false);
    expect(parseFieldSelector('=x').ok).toBe(false);
  });
});
