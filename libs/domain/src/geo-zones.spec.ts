import { GEO_COUNTRY_NAMES, GEO_REGION_NAMES, isSupportedGeography } from './geo-zones';

describe('geo zones (docs/behaviour.md Appendix A)', () => {
  it('lists the seven region names exactly', () => {
    expect(GEO_REGION_NAMES).toEqual([
      'North America',
      'South America',
      'EMEA(Europe, Middle East and Africa)',
      'Japan',
      'India',
      'Australia/NZ',
      'Rest Of APAC',
    ]);
  });

  it.each([
    'North America',
    'EMEA(Europe, Middle East and Africa)',
    'Australia/NZ',
    'Rest Of APAC',
  ])('accepts the region %j', (name) => {
    expect(isSupportedGeography(name)).toBe(true);
  });

  it.each([
    'USA',
    'Canada',
    'Costa Rica',
    'South Georgia and South Sanwich',
    "Cote D'Ivoire",
    'Jordan, Kenya',
    'Senegal, Seychelles',
    'United Kingdom',
    'Japan',
    'India',
    'New Zealand',
    'Pitcairn',
  ])('accepts the country %j', (name) => {
    expect(isSupportedGeography(name)).toBe(true);
  });

  it.each([
    ['Jordan alone', 'Jordan'],
    ['Kenya alone', 'Kenya'],
    ['Senegal alone', 'Senegal'],
    ['Seychelles alone', 'Seychelles'],
    ['an absent country', 'China'],
    ['Akamai region key EMEA', 'EMEA'],
    ['another letter case', 'usa'],
    ['surrounding spaces', ' USA '],
    ['an empty string', ''],
  ])('rejects %s', (_why, name) => {
    expect(isSupportedGeography(name)).toBe(false);
  });

  it('lists Costa Rica once although both Americas carry it', () => {
    expect(GEO_COUNTRY_NAMES.filter((c) => c === 'Costa Rica')).toHaveLength(1);
  });
});
