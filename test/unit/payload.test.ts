import { describe, expect, it } from 'vitest';
import { PayloadError } from '../../functions/core/errors.js';
import { parseTickPayload } from '../../functions/core/payload.js';
import { OverlapPolicy, type JobDefinition } from '../../functions/core/types.js';

const NOW_MS = Date.parse('2026-11-26T10:00:30.000Z');

function job(name: string): JobDefinition {
  return {
    name,
    cron: '* * * * *',
    timezone: 'UTC',
    handler: 'PrintWorker',
    args: {},
    enabled: true,
    leaseMs: 60_000,
    catchupWindowMs: 90_000,
    overlap: OverlapPolicy.skip,
    catchupLimit: 1,
    continuous: false,
    hasSeconds: false,
  };
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
      expect(parseTickPayload(scheduledEvent, JOBS, NOW_MS)).toEqual({ kind: 'tick', source: 'schedule', eventTime: '2026-11-26T10:00:00Z' });
    });

    it('is a scheduled tick even without a time field', () => {
      const { time: _time, ...withoutTime } = scheduledEvent;
      expect(parseTickPayload(withoutTime, JOBS, NOW_MS)).toEqual({ kind: 'tick', source: 'schedule' });
    });

    it('needs both its source and its detail-type: one alone is a manual payload with an unknown field', () => {
      expect(rejection({ source: 'aws.events', at: 'yesterday' }).message).toBe(
        'payload: unknown field "source" with value "aws.events" (allowed: at, jobs, trigger, overlap, continuation)',
      );
      const error = rejection({ 'detail-type': 'Scheduled Event' });
      expect(error.message).toBe('payload: unknown field "detail-type" with value "Scheduled Event" (allowed: at, jobs, trigger, overlap, continuation)');
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
      expect(parseTickPayload({ at: '2026-11-26T11:00:00.250+01:00' }, JOBS, NOW_MS)).toMatchObject({ atMs: Date.parse('2026-11-26T10:00:00.250Z') });
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
      expect(error.message).toBe(`payload field "at" has value ${JSON.stringify(at)}; expected an ISO-8601 time with a zone, such as "2026-11-26T10:00:00Z"`);
      expect(error.field).toBe('at');
    });

    it('is refused when it is a number', () => {
      const error = rejection({ at: 1795687200000 });
      expect(error.message).toBe('payload field "at" has value 1795687200000; expected a string');
      expect(error.field).toBe('at');
    });

    it('is refused when it is in the future beyond the clock skew', () => {
      const error = rejection({ at: '2026-11-26T10:00:31.001Z' });
      expect(error.message).toBe('payload field "at" has value "2026-11-26T10:00:31.001Z", which is in the future; a slot runs only once it is due');
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
      expect(error.message).toBe('payload field "trigger" has value "print" and cannot be combined with "jobs" (value ["print"]); a trigger runs the job now');
      expect(error.field).toBe('trigger');
    });
  });

  describe('a payload of the wrong shape', () => {
    it('names an unknown field and its value', () => {
      const error = rejection({ job: 'print' });
      expect(error.message).toBe('payload: unknown field "job" with value "print" (allowed: at, jobs, trigger, overlap, continuation)');
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
