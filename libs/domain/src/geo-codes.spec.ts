import { GEO_COUNTRY_NAMES, GEO_REGION_NAMES } from './geo-zones';
import { geographyToCountryCodes } from './geo-codes';

describe('geographyToCountryCodes', () => {
  it('maps country names, the original odd ones included, to ISO codes', () => {
    expect(geographyToCountryCodes('USA')).toEqual(['US']);
    expect(geographyToCountryCodes('Japan')).toEqual(['JP']);
    expect(geographyToCountryCodes('Jordan, Kenya')).toEqual(['JO', 'KE']);
    expect(geographyToCountryCodes('Netherlands Antilles')).toEqual(['CW', 'SX', 'BQ']);
    expect(geographyToCountryCodes('Atlantis')).toBeUndefined();
  });

  it('expands a region to its countries', () => {
    const emea = geographyToCountryCodes('EMEA(Europe, Middle East and Africa)')!;
    expect(emea).toEqual(expect.arrayContaining(['GB', 'FR', 'ZA', 'SA']));
    expect(emea).not.toContain('US');
  });

  it('knows every country and region a restriction may name (Appendix A)', () => {
    const unknown = [...GEO_COUNTRY_NAMES, ...GEO_REGION_NAMES].filter(
      (name) => !geographyToCountryCodes(name)?.length,
    );
    expect(unknown).toEqual([]);
  });
});
