import type { Rule, RuleSpec } from './cloudflare-api';
import { planRuleWrites } from './rule-sync';

const rule = (ref: string, expression = `(http.host eq "${ref}.example.org")`): RuleSpec => ({
  ref,
  description: ref,
  expression,
  action: 'route',
  action_parameters: { origin: { host: 'o.example.net', port: 80 } },
  enabled: true,
});
const stored = (spec: RuleSpec, id: string): Rule => ({ ...spec, id });

describe('planRuleWrites', () => {
  const other = stored(rule('poppy_other_origin_0'), 'x');

  it('writes nothing when the service rules are unchanged (key order aside)', () => {
    const mine = rule('poppy_s1_origin_0');
    const existing = [
      other,
      stored({ ...mine, action_parameters: { origin: { port: 80, host: 'o.example.net' } } }, 'a'),
    ];
    expect(planRuleWrites(existing, [mine], 'poppy_s1_')).toEqual([]);
  });

  it('edits in place a changed rule of the same ref and order', () => {
    const changed = rule('poppy_s1_origin_0', '(http.host eq "new.example.org")');
    expect(
      planRuleWrites([stored(rule('poppy_s1_origin_0'), 'a'), other], [changed], 'poppy_s1_'),
    ).toEqual([{ op: 'edit', id: 'a', rule: changed }]);
  });

  it('replaces the service rules in order when refs were added or removed, never touching others', () => {
    const wanted = [rule('poppy_s1_origin_0'), rule('poppy_s1_origin_1')];
    expect(
      planRuleWrites([stored(rule('poppy_s1_origin_0'), 'a'), other], wanted, 'poppy_s1_'),
    ).toEqual([
      { op: 'delete', id: 'a' },
      { op: 'add', rule: wanted[0] },
      { op: 'add', rule: wanted[1] },
    ]);
    expect(planRuleWrites([other, stored(rule('poppy_s1_waf_0'), 'b')], [], 'poppy_s1_')).toEqual([
      { op: 'delete', id: 'b' },
    ]);
  });
});
