/**
 * A vendor's `request.order` compiled: every order it answers in, with what to send for each. The planner
 * reads a vendor lazily in exactly these orders and whole in any other.
 */
import type { OrderConfig } from '../config/order-schema.js';
import type { FieldsConfig } from '../config/vendor-schema.js';
import { ORDER_FIELDS, type OrderDir, type OrderField } from '../model/query.js';
import { DialectError } from './fields.js';

export interface VendorOrder {
  by: OrderField;
  dir: OrderDir;
  /** What selects it: the sort parameters, a select's query, or nothing (the natural order). */
  params: readonly [string, string][];
  how: 'param' | 'select' | 'natural';
}

export interface CompiledOrders {
  readonly orders: readonly VendorOrder[];
  orderFor(by: OrderField, dir: OrderDir): readonly [string, string][] | null;
}

const DIRS: readonly OrderDir[] = ['asc', 'desc'];

/**
 * The orders in precedence: the parameter form, then select, then natural. An order an earlier form gives
 * is not listed again (the parameters for it are those of the first).
 */
export function compileOrders(order: OrderConfig | undefined, fields: FieldsConfig): CompiledOrders {
  const orders: VendorOrder[] = [];
  const add = (o: VendorOrder) => {
    if (!orders.some((x) => x.by === o.by && x.dir === o.dir)) orders.push(o);
  };
  if (order?.param !== undefined && order.dirParam !== undefined && order.fields) {
    for (const by of ORDER_FIELDS) {
      const value = order.fields[by];
      if (value === undefined) continue;
      for (const dir of DIRS) add({ by, dir, params: [[order.param, value], [order.dirParam, order.directions[dir]]], how: 'param' });
    }
  }
  // A fixed or selected order is trusted item by item against the field it names: one the response doesn't
  // map would leave every item's instant null, and the lazy read could never check it.
  const mapped = (by: OrderField, path: (string | number)[]) => {
    if (fields[by] === undefined) throw new DialectError(path.join('.'), `orders by ${by}, which response.fields doesn't map`);
  };
  order?.select?.forEach((s, i) => {
    mapped(s.by, ['request', 'order', 'select', i, 'by']);
    add({ by: s.by, dir: s.dir, params: Object.entries(s.query), how: 'select' });
  });
  if (order?.natural) {
    mapped(order.natural.by, ['request', 'order', 'natural', 'by']);
    add({ by: order.natural.by, dir: order.natural.dir, params: [], how: 'natural' });
  }
  const byKey = new Map(orders.map((o) => [`${o.by} ${o.dir}`, o.params]));
  return { orders, orderFor: (by, dir) => byKey.get(`${by} ${dir}`) ?? null };
}
