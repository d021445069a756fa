/**
 * `request.order`: the orders a vendor can answer in, each one the lazy read may rely on. Three ways a
 * vendor gives an order: sort parameters that take any field in either direction (`param`, `dirParam`,
 * `fields`), parameters that select one order in one direction (`select`), and the order it answers in
 * when it is sent none of them (`natural`).
 */
import { z } from 'zod';
import { ORDER_FIELDS } from '../model/query.js';

const orderBy = z.enum(ORDER_FIELDS).describe(`The unified field the vendor sorts by: ${ORDER_FIELDS.join(', ')}.`);
const orderDir = z.enum(['asc', 'desc']).describe('The direction: asc (oldest first) or desc (newest first).');

const naturalSchema = z.strictObject({ by: orderBy, dir: orderDir });

const selectSchema = z
  .strictObject({
    by: orderBy,
    dir: orderDir,
    query: z
      .record(z.string().min(1), z.string())
      .refine((q) => Object.keys(q).length > 0, { message: 'needs at least one parameter (an order sent with none is `natural`)' })
      .describe('The parameters that select this order, sent as they are (e.g. {order_date_created: "1"}).'),
  })
  .describe('One order that parameters select, in this one direction only.');

/** The three keys of the parameter form: all of them, or none. */
const PARAM_FORM = ['param', 'dirParam', 'fields'] as const;

export const orderSchema = z
  .strictObject({
    param: z.string().min(1).optional().describe('Parameter form: the query parameter naming the sort field (with dirParam and fields).'),
    fields: z
      .partialRecord(z.enum(ORDER_FIELDS), z.string().min(1))
      .optional()
      .describe('Parameter form: unified order field → the value of `param` that sorts by it. A field not listed is sorted here (read whole), unless select or natural gives it.'),
    dirParam: z.string().min(1).optional().describe('Parameter form: the query parameter naming the direction (its values in `directions`).'),
    directions: z
      .strictObject({
        asc: z.string().describe('The value of `dirParam` for oldest first.'),
        desc: z.string().describe('The value of `dirParam` for newest first.'),
      })
      .default({ asc: 'asc', desc: 'desc' })
      .describe('Parameter form: the values of `dirParam` (default asc and desc).'),
    nulls: z
      .enum(['last'])
      .default('last')
      .describe(
        'Where the vendor puts items whose sort field is null, in every order it gives. Ours puts them last, so `last` is the only value: ' +
          'a vendor that answers them first fails a lazy read with UPSTREAM_INVALID_RESPONSE.',
      ),
    natural: naturalSchema
      .optional()
      .describe(
        'The order the vendor answers in when it is sent no order parameter at all (e.g. newest updated first). ' +
          'A request in this order is read lazily with nothing added; one in any other order the vendor does not give is read whole.',
      ),
    select: z
      .array(selectSchema)
      .min(1)
      .optional()
      .describe('Orders that parameters select, each in one direction (e.g. a switch to sort by creation, newest first). The parameter form wins over these where both give an order.'),
  })
  .superRefine((o, ctx) => {
    const given = PARAM_FORM.filter((k) => o[k] !== undefined);
    if (given.length > 0) {
      for (const k of PARAM_FORM) {
        if (o[k] === undefined) ctx.addIssue({ code: 'custom', path: [k], message: `is needed with ${given.join(' and ')}: the parameter form takes param, dirParam and fields together` });
      }
    } else if (!o.natural && !o.select) {
      ctx.addIssue({ code: 'custom', path: [], message: 'gives no order: set param, dirParam and fields, or select, or natural (or leave order out: the vendor is then read whole)' });
    }
    const seen = new Map<string, number>();
    o.select?.forEach((s, i) => {
      const key = `${s.by} ${s.dir}`;
      const first = seen.get(key);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['select', i], message: `${key} is already selected by select[${first}]` });
      else seen.set(key, i);
    });
  })
  .describe(
    'The orders the vendor answers in: a request in one of them is read lazily (only as deep as its page needs), any other whole. ' +
      'Omit when the vendor gives none. Precedence where several give one order: the parameter form, then select, then natural.',
  );

export type OrderConfig = z.infer<typeof orderSchema>;
