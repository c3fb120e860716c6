import { parseFaultsJson } from './faults';

describe('parseFaultsJson', () => {
  it('reads every field, missing ones meaning no fault', () => {
    expect(parseFaultsJson('{"latencyMs": 5, "hang": ["purgeService"]}')).toEqual({
      faults: {
        latencyMs: 5,
        errorRate: 0,
        failTimes: 0,
        failAlways: false,
        hang: ['purgeService'],
      },
      problems: [],
    });
    expect(
      parseFaultsJson('{"errorRate": 0.25, "failTimes": 3, "failAlways": true}').faults,
    ).toEqual({
      latencyMs: 0,
      errorRate: 0.25,
      failTimes: 3,
      failAlways: true,
      hang: [],
    });
  });

  it('lists every problem at once', () => {
    const { faults, problems } = parseFaultsJson(
      '{"latencyMs": -1, "errorRate": 2, "failTimes": 1.5, "failAlways": "yes", "hang": ["nope"], "extra": 1}',
    );
    expect(faults).toBeUndefined();
    expect(problems).toHaveLength(6);
    expect(problems.join('\n')).toMatch(
      /extra[\s\S]*latencyMs[\s\S]*errorRate[\s\S]*failTimes[\s\S]*failAlways[\s\S]*nope/,
    );
  });

  it('rejects text that is not a JSON object', () => {
    expect(parseFaultsJson('not json').problems[0]).toMatch(/^not JSON/);
    expect(parseFaultsJson('[1]').problems).toEqual(['expected a JSON object']);
  });
});
