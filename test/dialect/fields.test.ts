/** The compiled field mapper (src/dialect/fields.ts) on vendor items, as a source maps them. */
import { describe, expect, it } from 'vitest';
import { fieldsSchema } from '../../src/config/vendor-schema.js';
import { compileFields } from '../../src/dialect/fields.js';
import type { Conversation } from '../../src/model/conversation.js';

const opts = { messages: false, raw: false };
const mapperOf = (fields: unknown) => compileFields('acme', fieldsSchema.parse(fields));
const shown = (fields: unknown, raw: unknown): Conversation => {
  const r = mapperOf(fields)(raw, opts);
  if ('drop' in r) throw new Error(`dropped: ${r.drop}`);
  return r.conversation;
};

describe('map on ordinary fields', () => {
  it('map on ordinary fields: a value the map does not list is unreadable (its default, else null), as an unknown status is', () => {
    const fields = {
      externalId: 'id',
      channel: { path: 'via', map: { web: 'chat', mail: 'email' } },
      title: { path: 'kind', map: { q: 'Question' }, default: 'Other' },
      messageCount: { path: 'n', map: { few: '3' } },
      status: { path: 'state', map: { active: 'open', done: 'closed' } },
    };
    // Listed: the map's target (a number field's target is a number).
    expect(shown(fields, { id: '1', via: 'web', kind: 'q', n: 'few', state: 'done' })).toMatchObject({ channel: 'chat', title: 'Question', messageCount: 3, status: 'closed' });
    // Not listed: unreadable, as `status: weird` is: null, or the default.
    expect(shown(fields, { id: '2', via: 'sms', kind: 'x', n: 7, state: 'weird' })).toMatchObject({ channel: null, title: 'Other', messageCount: null, status: null });
    // Already a value the field can take (one of the map's targets, a unified status): kept.
    expect(shown(fields, { id: '3', via: 'email', kind: 'Question', n: 3, state: 'open' })).toMatchObject({ channel: 'email', title: 'Question', messageCount: 3, status: 'open' });
  });
});
