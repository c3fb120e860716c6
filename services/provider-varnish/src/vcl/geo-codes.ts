/**
 * ISO 3166-1 alpha-2 codes of the geography names a restriction may use (reference
 * Appendix A, `GEO_ZONES` in @poppy/domain): the edge compares them with the country code
 * an upstream (GeoIP at the load balancer) puts in a request header. Region names expand
 * to their countries; the original's combined entries ("Jordan, Kenya") give both codes.
 */
import { GEO_ZONES } from '@poppy/domain';

// prettier-ignore
const COUNTRY_CODES: Readonly<Record<string, readonly string[]>> = {
  'Antigua and Barbuda': ['AG'], Aruba: ['AW'], Bahamas: ['BS'], Barbados: ['BB'], Belize: ['BZ'], Bermuda: ['BM'],
  'British Virgin Islands': ['VG'], 'Cayman Islands': ['KY'], 'Costa Rica': ['CR'], Cuba: ['CU'], Dominica: ['DM'],
  'Dominican Republic': ['DO'], 'El Salvador': ['SV'], Greenland: ['GL'], Grenada: ['GD'], Guadeloupe: ['GP'],
  Guatemala: ['GT'], Haiti: ['HT'], Honduras: ['HN'], Jamaica: ['JM'], Martinique: ['MQ'], Mexico: ['MX'],
  Montserrat: ['MS'], 'Netherlands Antilles': ['AN', 'BQ', 'CW', 'SX'], Nicaragua: ['NI'], USA: ['US'], Canada: ['CA'],
  Panama: ['PA'], 'Puerto Rico': ['PR'], 'St Kitts and Nevis': ['KN'], 'St Lucia': ['LC'],
  'St Pierre and Miquelon': ['PM'], 'St Vincent and The Grenadines': ['VC'], 'Trinidad and Tobago': ['TT'],
  'Turks and Caicos Islands': ['TC'], Virgin: ['VI'], 'St Tome and Principe': ['ST'],
  Argentina: ['AR'], Bolivia: ['BO'], Brazil: ['BR'], Chile: ['CL'], Colombia: ['CO'], Ecuador: ['EC'],
  'Falkland Islands': ['FK'], 'French Guiana': ['GF'], Guyana: ['GY'], Paraguay: ['PY'], Peru: ['PE'],
  'South Georgia and South Sanwich': ['GS'], Suriname: ['SR'], Uruguay: ['UY'], Venezuela: ['VE'],
  Albania: ['AL'], Algeria: ['DZ'], Andorra: ['AD'], Angola: ['AO'], Austria: ['AT'], Bahrain: ['BH'], Belarus: ['BY'],
  Belgium: ['BE'], Benin: ['BJ'], 'Bosnia and Herzegovina': ['BA'], Botswana: ['BW'], 'Bouvet Island': ['BV'],
  'British Indian Ocean Territory': ['IO'], Bulgaria: ['BG'], Burkina: ['BF'], Burundi: ['BI'], Cameroon: ['CM'],
  'Cape Verde': ['CV'], 'Central African Republic': ['CF'], Chad: ['TD'], Comoros: ['KM'], Congo: ['CG'],
  "Cote D'Ivoire": ['CI'], Croatia: ['HR'], Cyprus: ['CY'], 'Czech Republic': ['CZ'], 'Democratic Republic of Congo': ['CD'],
  Denmark: ['DK'], Djibouti: ['DJ'], Egypt: ['EG'], 'Equatorial Guinea': ['GQ'], Eritrea: ['ER'], Estonia: ['EE'],
  Ethiopia: ['ET'], 'Faeroe Islands': ['FO'], Finland: ['FI'], France: ['FR'], Gabon: ['GA'], Gambia: ['GM'],
  Germany: ['DE'], Ghana: ['GH'], Gibraltar: ['GI'], Greece: ['GR'], Guinea: ['GN'], 'Guinea Bissau': ['GW'],
  Hungary: ['HU'], Iceland: ['IS'], Iran: ['IR'], Iraq: ['IQ'], Ireland: ['IE'], Israel: ['IL'], Italy: ['IT'],
  'Jordan, Kenya': ['JO', 'KE'], Kuwait: ['KW'], Latvia: ['LV'], Lebanon: ['LB'], Lesotho: ['LS'], Liberia: ['LR'],
  Libya: ['LY'], Liechtenstein: ['LI'], Lithuania: ['LT'], Luxembourg: ['LU'], Macedonia: ['MK'], Madagascar: ['MG'],
  Malawi: ['MW'], Mali: ['ML'], Malta: ['MT'], Mauritania: ['MR'], Mauritius: ['MU'], Mayotte: ['YT'], Moldavia: ['MD'],
  Monaco: ['MC'], Morocco: ['MA'], Mozambique: ['MZ'], Namibia: ['NA'], Netherlands: ['NL'], Niger: ['NE'],
  Nigeria: ['NG'], Norway: ['NO'], Oman: ['OM'], Poland: ['PL'], Portugal: ['PT'], Qatar: ['QA'], Reunion: ['RE'],
  Romania: ['RO'], Russia: ['RU'], Rwanda: ['RW'], 'San Marino': ['SM'], 'Saudi Arabia': ['SA'],
  'Senegal, Seychelles': ['SN', 'SC'], 'Sierra Leone': ['SL'], Slovakia: ['SK'], Slovenia: ['SI'], Somalia: ['SO'],
  'South Africa': ['ZA'], Spain: ['ES'], 'St Helena': ['SH'], Sudan: ['SD'], Svalbard: ['SJ'], Swaziland: ['SZ'],
  Sweden: ['SE'], Switzerland: ['CH'], Syria: ['SY'], Tanzania: ['TZ'], Togo: ['TG'], Tunisia: ['TN'], Turkey: ['TR'],
  Uganda: ['UG'], 'United Arab Emirates': ['AE'], 'United Kingdom': ['GB'], 'Vatican City': ['VA'],
  'Western Sahara': ['EH'], Yemen: ['YE'], Yugoslavia: ['RS', 'ME'], Zambia: ['ZM'], Zimbabwe: ['ZW'],
  Japan: ['JP'], India: ['IN'], Australia: ['AU'], 'New Zealand': ['NZ'],
  Afghanistan: ['AF'], 'American Samoa': ['AS'], Antarctica: ['AQ'], Armenia: ['AM'], Azerbaijan: ['AZ'],
  Bangladesh: ['BD'], Bhutan: ['BT'], Brunei: ['BN'], Cambodia: ['KH'], 'Christmas Island': ['CX'], Cocos: ['CC'],
  'Cook Islands': ['CK'], 'East Timor': ['TL'], Fiji: ['FJ'], 'French Polynesia': ['PF'],
  'French Southern Territories': ['TF'], Georgia: ['GE'], Guam: ['GU'], 'Heard and McDonald Islands': ['HM'],
  'Hong Kong': ['HK'], Indonesia: ['ID'], Kazakhstan: ['KZ'], Kiribati: ['KI'], Kyrgyzstan: ['KG'], Laos: ['LA'],
  Macau: ['MO'], Malaysia: ['MY'], Maldives: ['MV'], 'Marshall Islands': ['MH'], Micronesia: ['FM'], Mongolia: ['MN'],
  Myanmar: ['MM'], Nauru: ['NR'], Nepal: ['NP'], 'New Caledonia': ['NC'], Niue: ['NU'], 'Norfolk Island': ['NF'],
  'North Korea': ['KP'], 'Northern Mariana Islands': ['MP'], Pakistan: ['PK'], Palau: ['PW'],
  'Papua New Guinea': ['PG'], Philippines: ['PH'], Pitcairn: ['PN'],
};

/** The country codes a geography value (country or region name) stands for; undefined when unknown. */
export function countryCodes(geography: string): string[] | undefined {
  const region = GEO_ZONES[geography];
  if (region) return [...new Set(region.flatMap((name) => COUNTRY_CODES[name] ?? []))];
  const codes = COUNTRY_CODES[geography];
  return codes ? [...codes] : undefined;
}
