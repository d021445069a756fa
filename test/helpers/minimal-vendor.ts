/** A small vendor config built in a test (only what the test is about, the rest the least that is valid). */
import { gatewaySchema } from '../../src/config/gateway-schema.js';
import { vendorSchema, type VendorConfigInput } from '../../src/config/vendor-schema.js';
import { compileVendor, type CompiledVendor } from '../../src/dialect/vendor.js';

export function minimalVendor(request: Partial<VendorConfigInput['request']> = {}): VendorConfigInput {
  return {
    name: 'filtery',
    baseUrl: 'https://filtery.test',
    path: '/list',
    request: { pagination: { style: 'page', pageParam: 'page', maxPageSize: 50 }, ...request },
    response: { items: 'data', fields: { externalId: 'id', status: 'status', channel: 'channel' } },
  };
}

export const compileMinimal = (request: Partial<VendorConfigInput['request']> = {}): CompiledVendor =>
  compileVendor(vendorSchema.parse(minimalVendor(request)), gatewaySchema.parse({}));
