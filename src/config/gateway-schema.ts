/** config/gateway.yaml: defaults and limits that apply to every vendor and request. */
import { z } from 'zod';

const count = z.coerce.number().int().positive();

export const gatewaySchema = z.strictObject({
  limits: z
    .strictObject({
      /** Page size when the caller sends no `limit`. */
      defaultLimit: count.default(10),
      /** Largest `limit` a caller may ask for. */
      maxLimit: count.default(100),
      /** Longest `search` value accepted. */
      maxSearchLength: count.default(200),
      /** Most vendors in a `vendor=` list. */
      maxVendors: count.default(20),
      /** Deepest `offset`; deeper pages are reached with cursors, which cost the same at any depth. */
      maxOffset: count.default(10_000),
    })
    .default({ defaultLimit: 10, maxLimit: 100, maxSearchLength: 200, maxVendors: 20, maxOffset: 10_000 }),
  upstream: z
    .strictObject({
      /** Deadline for one vendor call: connect, headers and body. */
      timeoutMs: count.default(5000),
      /** Connections kept per vendor. */
      connections: count.default(16),
      /** Most items held for a vendor that must be read whole. */
      maxItems: count.default(5000),
      /** Most bytes read from one vendor response. */
      maxResponseBytes: count.default(10 * 1024 * 1024),
    })
    .default({ timeoutMs: 5000, connections: 16, maxItems: 5000, maxResponseBytes: 10 * 1024 * 1024 }),
  cursor: z
    .strictObject({
      /** Seconds a cursor stays valid. */
      ttlSeconds: count.default(86_400),
    })
    .default({ ttlSeconds: 86_400 }),
});
export type GatewayConfig = z.infer<typeof gatewaySchema>;
