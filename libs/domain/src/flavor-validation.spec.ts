import { prepareFlavor } from './flavor-validation';
import { invalidDetail, schemaMessages } from './rejection.test-helper';

const allowed = ['akamai', 'mock'];
const provider = (name: string, href = `http://${name}.example.com`) => ({
  provider: name,
  links: [{ href, rel: 'provider_url' }],
});

describe('prepareFlavor (docs/behaviour.md §8.1)', () => {
  it('returns the id and each provider with the href of its provider_url link', () => {
    expect(
      prepareFlavor(
        { id: 'cdn', providers: [provider('akamai', 'http://www.akamai.com')] },
        allowed,
      ),
    ).toEqual({
      id: 'cdn',
      providers: [{ provider: 'akamai', provider_url: 'http://www.akamai.com' }],
    });
  });

  it('ignores limits', () => {
    expect(
      prepareFlavor({ id: 'cdn', providers: [provider('mock')], limits: [{ x: 1 }] }, allowed),
    ).toEqual({
      id: 'cdn',
      providers: [{ provider: 'mock', provider_url: 'http://mock.example.com' }],
    });
  });

  it('uses the first link when several are given', () => {
    const flavor = prepareFlavor(
      {
        id: 'cdn',
        providers: [
          {
            provider: 'mock',
            links: [
              { href: 'http://first', rel: 'provider_url' },
              { href: 'http://second', rel: 'provider_url' },
            ],
          },
        ],
      },
      allowed,
    );
    expect(flavor.providers).toEqual([{ provider: 'mock', provider_url: 'http://first' }]);
  });

  it('sorts providers by id', () => {
    expect(
      prepareFlavor(
        { id: 'cdn', providers: [provider('mock'), provider('akamai')] },
        allowed,
      ).providers.map((p) => p.provider),
    ).toEqual(['akamai', 'mock']);
  });

  it('collapses a repeated provider, keeping its last entry', () => {
    expect(
      prepareFlavor(
        { id: 'cdn', providers: [provider('mock', 'http://a'), provider('mock', 'http://b')] },
        allowed,
      ).providers,
    ).toEqual([{ provider: 'mock', provider_url: 'http://b' }]);
  });

  it('accepts any Unicode id of 3 to 64 characters', () => {
    expect(prepareFlavor({ id: 'çdn✓', providers: [provider('mock')] }, allowed).id).toBe('çdn✓');
    expect(
      prepareFlavor({ id: 'x'.repeat(64), providers: [provider('mock')] }, allowed).id,
    ).toHaveLength(64);
  });

  it('rejects a provider this deployment does not run, listing the ones it does', () => {
    expect(
      invalidDetail(() => prepareFlavor({ id: 'cdn', providers: [provider('fastly')] }, allowed)),
    ).toBe("fastly is not a valid Provider.  Please choose from ['akamai', 'mock']");
  });

  it('HTML-escapes the rejected provider', () => {
    expect(
      invalidDetail(() => prepareFlavor({ id: 'cdn', providers: [provider('<b>')] }, allowed)),
    ).toBe("&lt;b&gt; is not a valid Provider.  Please choose from ['akamai', 'mock']");
  });

  it('reports schema errors together', () => {
    expect(schemaMessages(() => prepareFlavor({ id: 'ab', providers: [] }, allowed))).toEqual([
      "['id']-'ab' is too short",
      "['providers']-[] is too short",
    ]);
    expect(schemaMessages(() => prepareFlavor({}, allowed))).toEqual([
      "['id']-'id' is a required property",
      "['providers']-'providers' is a required property",
    ]);
  });

  it('rejects an id longer than 64 characters', () => {
    expect(
      schemaMessages(() =>
        prepareFlavor({ id: 'x'.repeat(65), providers: [provider('mock')] }, allowed),
      ),
    ).toEqual([`['id']-'${'x'.repeat(65)}' is too long`]);
  });

  it('rejects malformed providers and links', () => {
    expect(
      schemaMessages(() =>
        prepareFlavor(
          {
            id: 'cdn',
            providers: [
              { links: [] },
              { provider: 'mock', links: [{ href: 'h', rel: 'self' }, { rel: 'provider_url' }] },
            ],
          },
          allowed,
        ),
      ),
    ).toEqual([
      "['providers'][0]['links']-[] is too short",
      "['providers'][0]['provider']-'provider' is a required property",
      "['providers'][1]['links'][0]['href']-'h' is too short",
      "['providers'][1]['links'][0]['rel']-'self' is not one of ['provider_url']",
      "['providers'][1]['links'][1]['href']-'href' is a required property",
    ]);
  });
});
