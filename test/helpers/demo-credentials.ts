/**
 * The demo credentials the shipped vendor YAML defaults to, as explicit variables. A test that runs a
 * simulator outside the gateway and gives its URL as a vendor's base URL must set them: to the gateway that
 * URL is a real vendor, and a real vendor never gets a default meant for an embedded simulator
 * (src/config/credentials.ts). The values are what the simulators accept (sim/ reads them from the YAML).
 */
export const DEMO_CREDENTIALS: Readonly<Record<string, string>> = {
  SITEASSIST_TOKEN: 'demo-siteassist-token',
  SUPERAGENTES_TOKEN: 'demo-superagentes-token',
  UNCODIE_SITE_ID: '9be0a6a2-5567-41bf-ad06-cb4014f0faf2',
};
