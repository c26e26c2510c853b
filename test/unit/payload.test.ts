import { describe, expect, it } from 'vitest';
import { PayloadError } from '../../functions/core/errors.js';
import { MAX_TICK_PARTS } from '../../functions/core/fan-out.js';
import { continuationPayload, MAX_CONTINUATION_BYTES, parseTickPayload, partPayload } from '../../functions/core/payload.js';
import type { JobDefinition } from '../../functions/core/types.js';
import { jobDefinition } from '../support/job-definition.js';

const NOW_MS = Date.parse('2026-11-26T10:00:30.000Z');

function job(name: string): JobDefinition {
  return jobDefinition({ name });
}

const JOBS = [job('print'), job('report')];

/** The payload's PayloadError; fails the test when the payload is accepted or throws anything else. */
function rejection(payload: unknown, nowMs = NOW_MS): PayloadError {
  let thrown: unknown;
  try {
    parseTickPayload(payload, JOBS, nowMs);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(PayloadError);
  return thrown as PayloadError;
}

const scheduledEvent = {
  version: '0',
  id: '89d1a02d-5ec7-412e-82f5-13505f849b41',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time: '2026-11-26T10:00:00Z',
  region: 'eu-west-1',
  resources: ['arn:aws:events:eu-west-1:123456789012:rule/cluster-cron-tick'],
  detail: {},
};

describe('parseTickPayload', () => {
  describe('an EventBridge scheduled event', () => {
    it('is a scheduled tick of every job, keeping the event time', () => {
      expect(parseTickPayload(scheduledEvent, JOBS, NOW_MS)).toEqual({
        kind: 'tick',
        source: 'schedule',
        eventTime: '2026-11-26T10:00:00Z',
      });
    });

    it('is a scheduled tick even without a time field', () => {
      const { time: _time, ...withoutTime } = scheduledEvent;
      expect(parseTickPayload(withoutTime, JOBS, NOW_MS)).toEqual({ kind: 'tick', source: 'schedule' });
    });

    it('needs both its source and its detail-type: one alone is a manual payload with an unknown field', () => {
      expect(rejection({ source: 'aws.events', at: 'yesterday' }).message).toBe(
        'payload: unknown field "source" with value "aws.events" (allowed: at, jobs, trigger, overlap, part, parts, continuation)',
      );
      const error = rejection({ 'detail-type': 'Scheduled Event' });
      expect(error.message).toBe(
        'payload: unknown field "detail-type" with value "Scheduled Event" (allowed: at, jobs, trigger, overlap, part, parts, continuation)',
      );
      expect(error.field).toBe('detail-type');
    });
  });

  describe('an empty payload', () => {
    it.each([
      ['an empty object', {}],
      ['null', null],
      ['undefined', undefined],
      ['an empty string', ''],
    ])('ticks every job now for %s', (_name, payload) => {
      expect(parseTickPayload(payload, JOBS, NOW_MS)).toEqual({ kind: 'tick', source: 'manual' });
    });
  });

  describe('a manual payload', () => {
    it('ticks as of "at" given in UTC', () => {
      expect(parseTickPayload({ at: '2026-11-26T10:00:00Z' }, JOBS, NOW_MS)).toEqual({
        kind: 'tick',
        source: 'manual',
        atMs: Date.parse('2026-11-26T10:00:00Z'),
      });
    });

    it('reads "at" with an offset and milliseconds as the same instant', () => {
      expect(parseTickPayload({ at: '2026-11-26T11:00:00.250+01:00' }, JOBS, NOW_MS)).toMatchObject({
        atMs: Date.parse('2026-11-26T10:00:00.250Z'),
      });
    });

    it('accepts "at" up to the allowed clock skew ahead of now', () => {
      expect(parseTickPayload({ at: '2026-11-26T10:00:31Z' }, JOBS, NOW_MS)).toMatchObject({ atMs: NOW_MS + 1_000 });
      expect(parseTickPayload({ at: '2026-11-26T10:00:35Z' }, JOBS, NOW_MS, 5_000)).toMatchObject({ atMs: NOW_MS + 5_000 });
    });

    it('ticks only the jobs listed in "jobs"', () => {
      expect(parseTickPayload({ jobs: ['print'] }, JOBS, NOW_MS)).toEqual({ kind: 'tick', source: 'manual', only: ['print'] });
    });

    it('combines "at" and "jobs"', () => {
      expect(parseTickPayload({ at: '2026-11-26T10:00:00Z', jobs: ['report', 'print'] }, JOBS, NOW_MS)).toEqual({
        kind: 'tick',
        source: 'manual',
        atMs: Date.parse('2026-11-26T10:00:00Z'),
        only: ['report', 'print'],
      });
    });

    it('runs the job named in "trigger" now', () => {
      expect(parseTickPayload({ trigger: 'print' }, JOBS, NOW_MS)).toEqual({ kind: 'trigger', job: 'print' });
    });
  });

  describe('a bad "at"', () => {
    it.each([
      ['a word', 'yesterday'],
      ['a date without a time', '2026-11-26'],
      ['a time without a zone', '2026-11-26T10:00:00'],
      ['an hour that does not exist', '2026-11-26T25:00:00Z'],
      ['a day that does not exist', '2026-02-30T10:00:00Z'],
      ['24:00 instead of 00:00 of the next day', '2026-11-25T24:00:00Z'],
    ])('is refused when it is %s', (_name, at) => {
      const error = rejection({ at });
      expect(error.message).toBe(
        `payload field "at" has value ${JSON.stringify(at)}; expected an ISO-8601 time with a zone, such as "2026-11-26T10:00:00Z"`,
      );
      expect(error.field).toBe('at');
    });

    it('is refused when it is a number', () => {
      const error = rejection({ at: 1795687200000 });
      expect(error.message).toBe('payload field "at" has value 1795687200000; expected a string');
      expect(error.field).toBe('at');
    });

    it('is refused when it is in the future beyond the clock skew', () => {
      const error = rejection({ at: '2026-11-26T10:00:31.001Z' });
      expect(error.message).toBe(
        'payload field "at" has value "2026-11-26T10:00:31.001Z", which is in the future; a slot runs only once it is due',
      );
      expect(error.field).toBe('at');
    });

    it('is judged against the injected clock, not the wall clock', () => {
      const pastMs = Date.parse('2001-01-01T00:00:00Z');
      expect(rejection({ at: '2001-01-01T00:05:00Z' }, pastMs).field).toBe('at');
      expect(parseTickPayload({ at: '2001-01-01T00:00:00Z' }, JOBS, pastMs)).toMatchObject({ atMs: pastMs });
    });
  });

  describe('a bad "jobs"', () => {
    it('is refused when it is not a list', () => {
      const error = rejection({ jobs: 'print' });
      expect(error.message).toBe('payload field "jobs" has value "print"; expected a list of job names');
      expect(error.field).toBe('jobs');
    });

    it('is refused when it is an empty list', () => {
      const error = rejection({ jobs: [] });
      expect(error.message).toBe('payload field "jobs" is an empty list; leave it out to tick every job');
      expect(error.field).toBe('jobs');
    });

    it('names the entry that is not a job of the schedule', () => {
      const error = rejection({ jobs: ['print', 'nope'] });
      expect(error.message).toBe('payload field "jobs[1]": unknown job "nope" (the schedule defines: print, report)');
      expect(error.field).toBe('jobs[1]');
    });

    it('names the entry that is not a string, with its value', () => {
      const error = rejection({ jobs: ['print', 5] });
      expect(error.message).toBe('payload field "jobs[1]" has value 5; expected a job name (a string)');
      expect(error.field).toBe('jobs[1]');
    });
  });

  describe('a bad "trigger"', () => {
    it('is refused when it names an unknown job', () => {
      const error = rejection({ trigger: 'nope' });
      expect(error.message).toBe('payload field "trigger": unknown job "nope" (the schedule defines: print, report)');
      expect(error.field).toBe('trigger');
    });

    it('is refused when it is not a string', () => {
      const error = rejection({ trigger: ['print'] });
      expect(error.message).toBe('payload field "trigger" has value ["print"]; expected a string');
      expect(error.field).toBe('trigger');
    });

    it('is refused when combined with "at"', () => {
      const error = rejection({ trigger: 'print', at: '2026-11-26T10:00:00Z' });
      expect(error.message).toBe(
        'payload field "trigger" has value "print" and cannot be combined with "at" (value "2026-11-26T10:00:00Z"); a trigger runs the job now',
      );
      expect(error.field).toBe('trigger');
    });

    it('is refused when combined with "jobs"', () => {
      const error = rejection({ trigger: 'print', jobs: ['print'] });
      expect(error.message).toBe(
        'payload field "trigger" has value "print" and cannot be combined with "jobs" (value ["print"]); a trigger runs the job now',
      );
      expect(error.field).toBe('trigger');
    });
  });

  describe('"overlap" with a trigger', () => {
    it.each(['skip', 'bufferOne', 'allow'])('passes the policy %s on with the trigger', (overlap) => {
      expect(parseTickPayload({ trigger: 'print', overlap }, JOBS, NOW_MS)).toEqual({ kind: 'trigger', job: 'print', overlap });
    });

    it('leaves the policy out when it is not given, so the job keeps its own', () => {
      expect(parseTickPayload({ trigger: 'print' }, JOBS, NOW_MS)).not.toHaveProperty('overlap');
    });

    it('is refused when it is not one of the policies, listing them', () => {
      const error = rejection({ trigger: 'print', overlap: 'nope' });
      expect(error.message).toBe('payload field "overlap" has value "nope"; expected one of skip, bufferOne, allow');
      expect(error.field).toBe('overlap');
    });

    it('is refused when it differs from a policy only in case', () => {
      const error = rejection({ trigger: 'print', overlap: 'bufferone' });
      expect(error.message).toBe('payload field "overlap" has value "bufferone"; expected one of skip, bufferOne, allow');
    });

    it('is refused when it is not a string', () => {
      const error = rejection({ trigger: 'print', overlap: 5 });
      expect(error.message).toBe('payload field "overlap" has value 5; expected a string');
      expect(error.field).toBe('overlap');
    });

    it.each([
      ['alone', { overlap: 'allow' }, '"allow"'],
      ['with "at"', { at: '2026-11-26T10:00:00Z', overlap: 'skip' }, '"skip"'],
      ['with "jobs"', { jobs: ['print'], overlap: 'bufferOne' }, '"bufferOne"'],
    ])('is refused %s, without a trigger', (_name, payload, shown) => {
      const error = rejection(payload);
      expect(error.message).toBe(`payload field "overlap" has value ${shown} but goes only with "trigger"`);
      expect(error.field).toBe('overlap');
    });

    it('still refuses a trigger of an unknown job', () => {
      expect(rejection({ trigger: 'nope', overlap: 'allow' }).field).toBe('trigger');
    });
  });

  describe('one part of a fanned-out tick', () => {
    const at = '2026-11-26T10:00:00.250Z';
    const atMs = Date.parse(at);

    it('ticks that part by its own clock, as the part of a scheduled tick is sent', () => {
      expect(parseTickPayload({ part: 1, parts: 4 }, JOBS, NOW_MS)).toEqual({
        kind: 'tick',
        source: 'manual',
        part: { part: 1, parts: 4 },
      });
    });

    it('ticks that part as of "at", as the part of a tick by hand is sent', () => {
      expect(parseTickPayload({ at, part: 1, parts: 4 }, JOBS, NOW_MS)).toEqual({
        kind: 'tick',
        source: 'manual',
        atMs,
        part: { part: 1, parts: 4 },
      });
    });

    it.each([
      ['the first part', 0, 2],
      ['the last part of the most parts', MAX_TICK_PARTS - 1, MAX_TICK_PARTS],
    ])('accepts %s', (_name, part, parts) => {
      expect(parseTickPayload({ at, part, parts }, JOBS, NOW_MS)).toMatchObject({ part: { part, parts } });
    });

    it.each([
      ['part', { at, part: 1.5, parts: 4 }, 'payload field "part" has value 1.5; expected a whole number from 0'],
      ['part', { at, part: -1, parts: 4 }, 'payload field "part" has value -1; expected a whole number from 0'],
      ['part', { at, part: '1', parts: 4 }, 'payload field "part" has value "1"; expected a whole number from 0'],
      ['parts', { at, part: 0, parts: null }, 'payload field "parts" has value null; expected a whole number from 0'],
      ['parts', { at, part: 0, parts: 1 }, 'payload field "parts" has value 1; expected a whole number from 2 to 64'],
      ['parts', { at, part: 0, parts: 65 }, 'payload field "parts" has value 65; expected a whole number from 2 to 64'],
      ['part', { at, part: 4, parts: 4 }, 'payload field "part" has value 4; expected a whole number from 0 to 3 (below "parts")'],
      ['parts', { at, part: 1 }, 'payload field "part" has value 1 but goes only with "parts", which is missing'],
      ['part', { at, parts: 4 }, 'payload field "parts" has value 4 but goes only with "part", which is missing'],
      [
        'jobs',
        { at, part: 1, parts: 4, jobs: ['print'] },
        'payload field "jobs" cannot be combined with "part" (a part runs the runtime jobs of its part only)',
      ],
      [
        'trigger',
        { trigger: 'print', part: 1, parts: 4 },
        'payload field "trigger" has value "print" and cannot be combined with "part" (value 1); a trigger runs the job now',
      ],
    ])('is refused, naming the field "%s" and the value: %j', (field, payload, message) => {
      const error = rejection(payload);
      expect(error.message).toBe(message);
      expect(error.field).toBe(field);
    });

    it('is refused when "at" is in the future, as any tick is', () => {
      expect(rejection({ at: '2026-11-26T10:05:00Z', part: 1, parts: 2 }).field).toBe('at');
    });
  });

  describe('a continuation', () => {
    const link = { job: 'print', slot: '2026-11-26T10:00:00Z', token: 'node-a:42#9f1c', fence: 3, trigger: 'buffer' };

    it('is the next link of a chain, with the slot in epoch ms', () => {
      expect(parseTickPayload({ continuation: link }, JOBS, NOW_MS)).toEqual({
        kind: 'continue',
        continuation: { job: 'print', slotMs: Date.parse('2026-11-26T10:00:00Z'), token: 'node-a:42#9f1c', fence: 3, trigger: 'buffer' },
      });
    });

    it('carries the state intact, whatever its shape', () => {
      const state = { cursor: 'abc', done: [1, 2, 3], nested: { deep: null, flag: false } };
      expect(parseTickPayload({ continuation: { ...link, trigger: 'continuation', state } }, JOBS, NOW_MS)).toEqual({
        kind: 'continue',
        continuation: {
          job: 'print',
          slotMs: Date.parse('2026-11-26T10:00:00Z'),
          token: 'node-a:42#9f1c',
          fence: 3,
          trigger: 'continuation',
          state,
        },
      });
    });

    it('reads a slot with an offset and milliseconds as the same instant', () => {
      const command = parseTickPayload({ continuation: { ...link, slot: '2026-11-26T11:00:00.250+01:00' } }, JOBS, NOW_MS);
      expect(command).toMatchObject({ continuation: { slotMs: Date.parse('2026-11-26T10:00:00.250Z') } });
    });

    it('accepts the smallest fence, 1', () => {
      expect(parseTickPayload({ continuation: { ...link, fence: 1 } }, JOBS, NOW_MS)).toMatchObject({ continuation: { fence: 1 } });
    });

    it('accepts state just under the size limit', () => {
      const bare = Buffer.byteLength(JSON.stringify({ ...link, state: '' }));
      const state = 'x'.repeat(MAX_CONTINUATION_BYTES - bare);
      expect(parseTickPayload({ continuation: { ...link, state } }, JOBS, NOW_MS)).toMatchObject({ continuation: { state } });
    });

    it.each([
      ['zero', 0, '0'],
      ['negative', -2, '-2'],
      ['a fraction', 1.5, '1.5'],
      ['a string', '3', '"3"'],
    ])('is refused when the fence is %s', (_name, fence, shown) => {
      const error = rejection({ continuation: { ...link, fence } });
      expect(error.message).toMatch(new RegExp(`^payload field "continuation\\.fence" has value ${shown.replace(/[.]/g, '\\.')}: `));
      expect(error.field).toBe('continuation.fence');
    });

    it.each([
      ['a word', 'yesterday'],
      ['a time without a zone', '2026-11-26T10:00:00'],
      ['a day that does not exist', '2026-02-30T10:00:00Z'],
    ])('is refused when the slot is %s', (_name, slot) => {
      const error = rejection({ continuation: { ...link, slot } });
      expect(error.message).toBe(
        `payload field "continuation.slot" has value ${JSON.stringify(slot)}; expected an ISO-8601 time with a zone`,
      );
      expect(error.field).toBe('continuation.slot');
    });

    it('is refused when the slot is a number', () => {
      const error = rejection({ continuation: { ...link, slot: 1795687200000 } });
      expect(error.message).toMatch(/^payload field "continuation\.slot" has value 1795687200000: /);
      expect(error.field).toBe('continuation.slot');
    });

    it('is refused when it names an unknown job', () => {
      const error = rejection({ continuation: { ...link, job: 'nope' } });
      expect(error.message).toBe('payload field "continuation.job": unknown job "nope" (the schedule defines: print, report)');
      expect(error.field).toBe('continuation.job');
    });

    it.each(['schedule', 'manual', 'backfill', 'catch-up'])(
      'is refused when its trigger is %s, which never continues a chain',
      (trigger) => {
        const error = rejection({ continuation: { ...link, trigger } });
        expect(error.message).toMatch(
          new RegExp(`^payload field "continuation\\.trigger" has value "${trigger}": .*"buffer".*"continuation"`),
        );
        expect(error.field).toBe('continuation.trigger');
      },
    );

    it.each([
      ['empty', '', '""'],
      ['longer than 200 characters', 't'.repeat(201), JSON.stringify('t'.repeat(201))],
    ])('is refused when the token is %s', (_name, token, shown) => {
      const error = rejection({ continuation: { ...link, token } });
      expect(error.message.startsWith(`payload field "continuation.token" has value ${shown}: `)).toBe(true);
      expect(error.field).toBe('continuation.token');
    });

    it.each(['job', 'slot', 'token', 'fence', 'trigger'])('is refused when "%s" is missing, naming it', (key) => {
      const { [key as keyof typeof link]: _left, ...rest } = link;
      const error = rejection({ continuation: rest });
      expect(error.message).toMatch(new RegExp(`^payload field "continuation\\.${key}" `));
      expect(error.field).toBe(`continuation.${key}`);
    });

    it('names an unknown key with its value and lists the allowed ones', () => {
      const error = rejection({ continuation: { ...link, holder: 'b#2' } });
      expect(error.message).toBe(
        'payload field "continuation.holder" is not allowed (value "b#2"; allowed: job, slot, token, fence, trigger, state, definitionVersion)',
      );
      expect(error.field).toBe('continuation.holder');
    });

    it.each([
      ['a string', 'print', '"print"'],
      ['null', null, 'null'],
      ['a list', [link], JSON.stringify([link])],
    ])('is refused when it is %s instead of an object', (_name, continuation, shown) => {
      const error = rejection({ continuation });
      expect(error.message.startsWith(`payload field "continuation" has value ${shown}: `)).toBe(true);
      expect(error.field).toBe('continuation');
    });

    it.each([
      ['trigger', 'print', '"print"'],
      ['at', '2026-11-26T10:00:00Z', '"2026-11-26T10:00:00Z"'],
      ['jobs', ['print'], '["print"]'],
    ])('is refused when combined with "%s"', (other, value, shown) => {
      const error = rejection({ continuation: link, [other]: value });
      expect(error.message).toBe(`payload field "continuation" cannot be combined with "${other}" (value ${shown})`);
      expect(error.field).toBe('continuation');
    });

    it('is refused when it is over the size limit, naming the size and the limit', () => {
      const state = 'x'.repeat(MAX_CONTINUATION_BYTES);
      const size = Buffer.byteLength(JSON.stringify({ ...link, state }));
      const error = rejection({ continuation: { ...link, state } });
      expect(error.message).toBe(
        `payload field "continuation" is ${size} bytes; the limit is ${MAX_CONTINUATION_BYTES} (keep a continuous job's state small, or store it yourself and pass a key)`,
      );
      expect(error.field).toBe('continuation');
    });

    it('counts the size in bytes, not characters', () => {
      const bare = Buffer.byteLength(JSON.stringify({ ...link, state: '' }));
      // Each "é" is one character but two bytes in UTF-8: under the limit in characters, over it in bytes.
      const state = 'é'.repeat(Math.ceil((MAX_CONTINUATION_BYTES - bare) / 2) + 1);
      expect(state.length + bare).toBeLessThan(MAX_CONTINUATION_BYTES);
      expect(rejection({ continuation: { ...link, state } }).field).toBe('continuation');
    });
  });

  describe('a payload of the wrong shape', () => {
    it('names an unknown field and its value', () => {
      const error = rejection({ job: 'print' });
      expect(error.message).toBe(
        'payload: unknown field "job" with value "print" (allowed: at, jobs, trigger, overlap, part, parts, continuation)',
      );
      expect(error.field).toBe('job');
    });

    it.each([
      ['an array', ['print'], '["print"]'],
      ['a number', 42, '42'],
      ['a string', 'print', '"print"'],
      ['a boolean', true, 'true'],
    ])('is refused when it is %s', (_name, payload, shown) => {
      const error = rejection(payload);
      expect(error.message).toBe(
        `payload must be a JSON object such as {"at": "2026-11-26T10:00:00Z"}, {"jobs": ["print"]} or {"trigger": "print"}; got ${shown}`,
      );
    });
  });
});

describe('continuationPayload', () => {
  it.each([
    [
      'a buffered slot without state',
      { job: 'print', slotMs: Date.parse('2026-11-26T10:00:00Z'), token: 'a:1#x', fence: 7, trigger: 'buffer' as const },
    ],
    [
      'a chain link with state, on a slot with milliseconds',
      {
        job: 'report',
        slotMs: Date.parse('2026-11-26T10:00:00.250Z'),
        token: 'b:2#y',
        fence: 8,
        trigger: 'continuation' as const,
        state: { page: 3, seen: ['a', 'b'] },
      },
    ],
  ])('is read back by parseTickPayload, after a JSON round trip, as the same continuation: %s', (_name, continuation) => {
    const sent = JSON.parse(JSON.stringify(continuationPayload(continuation))) as unknown;
    expect(parseTickPayload(sent, JOBS, NOW_MS)).toEqual({ kind: 'continue', continuation });
  });
});

describe('partPayload', () => {
  it('is read back by parseTickPayload, after a JSON round trip, as the same part at the same time', () => {
    const atMs = Date.parse('2026-11-26T10:00:00.250Z');
    const sent = JSON.parse(JSON.stringify(partPayload({ part: 3, parts: 8 }, atMs))) as unknown;
    expect(sent).toEqual({ at: '2026-11-26T10:00:00.250Z', part: 3, parts: 8 });
    expect(parseTickPayload(sent, JOBS, NOW_MS)).toEqual({ kind: 'tick', source: 'manual', atMs, part: { part: 3, parts: 8 } });
  });

  it('leaves "at" out for the part of a scheduled tick, which judges slots by its own clock', () => {
    const sent = JSON.parse(JSON.stringify(partPayload({ part: 1, parts: 2 }))) as unknown;
    expect(sent).toEqual({ part: 1, parts: 2 });
    expect(parseTickPayload(sent, JOBS, NOW_MS)).toEqual({ kind: 'tick', source: 'manual', part: { part: 1, parts: 2 } });
  });
});
