/**
 * Geography values a restriction rule may name (docs/behaviour.md Appendix A): a region name or a
 * country name, exact and case-sensitive. The lists are the original's, odd entries
 * included: "Jordan, Kenya" and "Senegal, Seychelles" are single values (neither country
 * is accepted alone), Costa Rica sits in both Americas, and many countries are absent.
 */

// prettier-ignore
export const GEO_ZONES: Readonly<Record<string, readonly string[]>> = {
  'North America': [
    'Antigua and Barbuda', 'Aruba', 'Bahamas', 'Barbados', 'Belize', 'Bermuda',
    'British Virgin Islands', 'Cayman Islands', 'Costa Rica', 'Cuba', 'Dominica',
    'Dominican Republic', 'El Salvador', 'Greenland', 'Grenada', 'Guadeloupe', 'Guatemala',
    'Haiti', 'Honduras', 'Jamaica', 'Martinique', 'Mexico', 'Montserrat',
    'Netherlands Antilles', 'Nicaragua', 'USA', 'Canada', 'Panama', 'Puerto Rico',
    'St Kitts and Nevis', 'St Lucia', 'St Pierre and Miquelon',
    'St Vincent and The Grenadines', 'Trinidad and Tobago', 'Turks and Caicos Islands',
    'Virgin', 'St Tome and Principe',
  ],
  'South America': [
    'Argentina', 'Bolivia', 'Brazil', 'Chile', 'Colombia', 'Costa Rica', 'Ecuador',
    'Falkland Islands', 'French Guiana', 'Guyana', 'Paraguay', 'Peru',
    'South Georgia and South Sanwich', 'Suriname', 'Uruguay', 'Venezuela',
  ],
  'EMEA(Europe, Middle East and Africa)': [
    'Albania', 'Algeria', 'Andorra', 'Angola', 'Austria', 'Bahrain', 'Belarus', 'Belgium',
    'Benin', 'Bosnia and Herzegovina', 'Botswana', 'Bouvet Island',
    'British Indian Ocean Territory', 'Bulgaria', 'Burkina', 'Burundi', 'Cameroon',
    'Cape Verde', 'Central African Republic', 'Chad', 'Comoros', 'Congo', "Cote D'Ivoire",
    'Croatia', 'Cyprus', 'Czech Republic', 'Democratic Republic of Congo', 'Denmark',
    'Djibouti', 'Egypt', 'Equatorial Guinea', 'Eritrea', 'Estonia', 'Ethiopia',
    'Faeroe Islands', 'Finland', 'France', 'Gabon', 'Gambia', 'Germany', 'Ghana',
    'Gibraltar', 'Greece', 'Guinea', 'Guinea Bissau', 'Hungary', 'Iceland', 'Iran', 'Iraq',
    'Ireland', 'Israel', 'Italy', 'Jordan, Kenya', 'Kuwait', 'Latvia', 'Lebanon', 'Lesotho',
    'Liberia', 'Libya', 'Liechtenstein', 'Lithuania', 'Luxembourg', 'Macedonia',
    'Madagascar', 'Malawi', 'Mali', 'Malta', 'Mauritania', 'Mauritius', 'Mayotte',
    'Moldavia', 'Monaco', 'Morocco', 'Mozambique', 'Namibia', 'Netherlands', 'Niger',
    'Nigeria', 'Norway', 'Oman', 'Poland', 'Portugal', 'Qatar', 'Reunion', 'Romania',
    'Russia', 'Rwanda', 'San Marino', 'Saudi Arabia', 'Senegal, Seychelles', 'Sierra Leone',
    'Slovakia', 'Slovenia', 'Somalia', 'South Africa', 'Spain', 'St Helena', 'Sudan',
    'Svalbard', 'Swaziland', 'Sweden', 'Switzerland', 'Syria', 'Tanzania', 'Togo', 'Tunisia',
    'Turkey', 'Uganda', 'United Arab Emirates', 'United Kingdom', 'Vatican City',
    'Western Sahara', 'Yemen', 'Yugoslavia', 'Zambia', 'Zimbabwe',
  ],
  Japan: ['Japan'],
  India: ['India'],
  'Australia/NZ': ['Australia', 'New Zealand'],
  'Rest Of APAC': [
    'Afghanistan', 'American Samoa', 'Antarctica', 'Armenia', 'Azerbaijan', 'Bangladesh',
    'Bhutan', 'Brunei', 'Cambodia', 'Christmas Island', 'Cocos', 'Cook Islands',
    'East Timor', 'Fiji', 'French Polynesia', 'French Southern Territories', 'Georgia', 'Guam',
    'Heard and McDonald Islands', 'Hong Kong', 'Indonesia', 'Kazakhstan', 'Kiribati',
    'Kyrgyzstan', 'Laos', 'Macau', 'Malaysia', 'Maldives', 'Marshall Islands', 'Micronesia',
    'Mongolia', 'Myanmar', 'Nauru', 'Nepal', 'New Caledonia', 'Niue', 'Norfolk Island',
    'North Korea', 'Northern Mariana Islands', 'Pakistan', 'Palau', 'Papua New Guinea',
    'Philippines', 'Pitcairn',
  ],
};

export const GEO_REGION_NAMES: readonly string[] = Object.keys(GEO_ZONES);

/** Every country name once, in list order (Costa Rica is listed under both Americas). */
export const GEO_COUNTRY_NAMES: readonly string[] = [...new Set(Object.values(GEO_ZONES).flat())];

const SUPPORTED = new Set<string>([...GEO_REGION_NAMES, ...GEO_COUNTRY_NAMES]);

export function isSupportedGeography(s: unknown): boolean {
  return typeof s === 'string' && SUPPORTED.has(s);
}
