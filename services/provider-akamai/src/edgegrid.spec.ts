import { contentHash, edgeGridTimestamp, signRequest } from './edgegrid';

// The official vectors (Akamai's edgegrid-python testdata.json / testcases.json), as quoted in
// the vendor reference §1.3; the fake's verifier is held to the same ones.
const VECTOR = {
  host: 'akaa-baseurl-xxxxxxxxxxx-xxxxxxxxxxxxx.luna.akamaiapis.net',
  credentials: {
    clientToken: 'akab-client-token-xxx-xxxxxxxxxxxxxxxx',
    accessToken: 'akab-access-token-xxx-xxxxxxxxxxxxxxxx',
    clientSecret: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx=',
  },
  timestamp: '20140321T19:34:21+0000',
  nonce: 'nonce-xx-xxxx-xxxx-xxxx-xxxxxxxxxxxx',
};

const signatureOf = (header: string) => /signature=(.*)$/.exec(header)![1];

describe('EdgeGrid signing', () => {
  it('signs GET / as the official vector says', () => {
    const header = signRequest({ method: 'GET', url: `https://${VECTOR.host}/`, ...VECTOR });
    expect(header).toBe(
      'EG1-HMAC-SHA256 client_token=akab-client-token-xxx-xxxxxxxxxxxxxxxx;access_token=akab-access-token-xxx-xxxxxxxxxxxxxxxx;' +
        'timestamp=20140321T19:34:21+0000;nonce=nonce-xx-xxxx-xxxx-xxxx-xxxxxxxxxxxx;signature=tL+y4hxyHxgWVD30X3pWnGKHcPzmrIF+LThiAOhMxYU=',
    );
  });

  it('hashes a POST body into the signature', () => {
    const body = 'datadatadatadatadatadatadatadata';
    expect(contentHash('POST', body, 131072)).toBe('fDimoYqXOLntG3If/Z0K2aS9I19Pkv9P5OMCoL8lY0w=');
    const header = signRequest({
      method: 'POST',
      url: `https://${VECTOR.host}/testapi/v1/t3`,
      body,
      ...VECTOR,
    });
    expect(signatureOf(header)).toBe('hXm4iCxtpN22m4cbZb4lVLW5rhX8Ca82vCFqXzSTPe4=');
  });

  it('does not hash PUT bodies, and signs the query as sent', () => {
    expect(contentHash('PUT', 'anything', 131072)).toBe('');
    const a = signRequest({
      method: 'GET',
      url: `https://${VECTOR.host}/testapi/v1/t1?p1=1&p2=2`,
      ...VECTOR,
    });
    const b = signRequest({
      method: 'GET',
      url: `https://${VECTOR.host}/testapi/v1/t1?p2=2&p1=1`,
      ...VECTOR,
    });
    expect(signatureOf(a)).not.toBe(signatureOf(b));
  });

  it('formats the timestamp as yyyyMMddTHH:mm:ss+0000 in UTC', () => {
    expect(edgeGridTimestamp(new Date(Date.UTC(2014, 2, 21, 19, 34, 21, 999)))).toBe(
      '20140321T19:34:21+0000',
    );
  });
});
