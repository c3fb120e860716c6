/**
 * Poppy's geography values (docs/behaviour.md Appendix A: region and country names) → ISO 3166-1
 * alpha-2 codes: what a CloudFront geo restriction takes and what an edge compares with
 * the country header of a request. Country names resolve
 * through `countries-list`; the original's odd entries (abbreviated, merged or historic
 * names) through the alias table below. A region expands to its countries.
 */
import { getCountryCode } from 'countries-list';
import { GEO_ZONES } from './geo-zones';

// prettier-ignore
const ALIASES: Readonly<Record<string, readonly string[]>> = {
  'Netherlands Antilles': ['CW', 'SX', 'BQ'], // dissolved 2010: its successors
  'St Kitts and Nevis': ['KN'],
  'St Lucia': ['LC'],
  'St Pierre and Miquelon': ['PM'],
  'St Vincent and The Grenadines': ['VC'],
  'Virgin': ['VI'],
  'St Tome and Principe': ['ST'],
  'South Georgia and South Sanwich': ['GS'],
  'Burkina': ['BF'],
  'Congo': ['CG'],
  'Democratic Republic of Congo': ['CD'],
  'Faeroe Islands': ['FO'],
  'Guinea Bissau': ['GW'],
  'Jordan, Kenya': ['JO', 'KE'], // one value in the original's list
  'Senegal, Seychelles': ['SN', 'SC'],
  'St Helena': ['SH'],
  'Svalbard': ['SJ'],
  'Yugoslavia': ['RS', 'ME'],
  'Cocos': ['CC'],
  'Heard and McDonald Islands': ['HM'],
  'Pitcairn': ['PN'],
};

function countryCodes(name: string): string[] | undefined {
  const alias = ALIASES[name];
  if (alias) return [...alias];
  const code = getCountryCode(name);
  return code ? [code] : undefined;
}

/** The ISO codes of a geography value, or undefined when it names nothing known. */
export function geographyToCountryCodes(geography: string): string[] | undefined {
  const region = GEO_ZONES[geography];
  if (region) {
    const codes = new Set<string>();
    for (const country of region) for (const code of countryCodes(country) ?? []) codes.add(code);
    return [...codes];
  }
  return countryCodes(geography);
}
