import type { dnsV1 } from '@poppy/contracts';
import {
  acmeChallengeName,
  DnsChallengeResponder,
  type TxtRecordsApi,
} from './challenge-responders';

class FakeTxt implements TxtRecordsApi {
  calls: string[] = [];
  async upsertTxtRecord(req: dnsV1.UpsertTxtRecordRequest): Promise<dnsV1.UpsertTxtRecordResponse> {
    this.calls.push(`upsert ${req.name} ${req.value}`);
    return {};
  }
  async deleteTxtRecord(req: dnsV1.DeleteTxtRecordRequest): Promise<dnsV1.DeleteTxtRecordResponse> {
    this.calls.push(`delete ${req.name} ${req.value}`);
    return {};
  }
}

describe('challenge responders', () => {
  it('DNS-01 publishes and withdraws _acme-challenge TXT records (a wildcard validates at its base name)', async () => {
    const txt = new FakeTxt();
    const responder = new DnsChallengeResponder(txt);
    await responder.publish('www.example.com', 'tok', 'digest1');
    await responder.withdraw('www.example.com', 'tok', 'digest1');
    expect(txt.calls).toEqual([
      'upsert _acme-challenge.www.example.com digest1',
      'delete _acme-challenge.www.example.com digest1',
    ]);
    expect(acmeChallengeName('*.example.com')).toBe('_acme-challenge.example.com');
  });
});
