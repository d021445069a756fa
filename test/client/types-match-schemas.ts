/**
 * Compile-time only (`npm run typecheck`): the types @switchboard/client ships, written out so the package
 * needs nothing of the server, equal the zod schemas the server validates with and publishes as
 * /openapi.json. A change to a schema that the package's types don't follow breaks the typecheck here.
 */
import type { z } from '@hono/zod-openapi';
import type * as Client from '@switchboard/client';
import type { ConversationDetailSchema, ConversationListSchema, ConversationSchema, DetailSourceSchema, ExplainedPlanSchema, MessageSchema, MissedVendorSchema, SourceReportSchema } from '../../src/conversations/response-schema.js';
import type { buildDetailQuerySchema, buildQuerySchema } from '../../src/conversations/query-schema.js';
import type { ErrorCode } from '../../src/errors/catalogue.js';
import type { InvalidParamSchema, ProblemSchema, VendorErrorSchema, VendorFailureSchema } from '../../src/errors/problem-schema.js';
import type { FilterName, Include, OrderField } from '../../src/model/query.js';
import type { HealthSchema, MirrorStatusSchema, ReadinessSchema, VendorCapabilitiesSchema, VendorListSchema, VendorStatusSchema } from '../../src/ops/ops-schema.js';
import type { Same } from '../../src/openapi/same.js';

type Server = {
  Message: z.infer<typeof MessageSchema>;
  Conversation: z.infer<typeof ConversationSchema>;
  SourceReport: z.infer<typeof SourceReportSchema>;
  ExplainedPlan: z.infer<typeof ExplainedPlanSchema>;
  MissedVendor: z.infer<typeof MissedVendorSchema>;
  ConversationList: z.infer<typeof ConversationListSchema>;
  ConversationDetail: z.infer<typeof ConversationDetailSchema>;
  DetailSource: z.infer<typeof DetailSourceSchema>;
  DetailParams: keyof z.output<ReturnType<typeof buildDetailQuerySchema>>;
  Problem: z.infer<typeof ProblemSchema>;
  InvalidParam: z.infer<typeof InvalidParamSchema>;
  VendorFailure: z.infer<typeof VendorFailureSchema>;
  VendorError: z.infer<typeof VendorErrorSchema>;
  VendorCapabilities: z.infer<typeof VendorCapabilitiesSchema>;
  MirrorStatus: z.infer<typeof MirrorStatusSchema>;
  VendorStatus: z.infer<typeof VendorStatusSchema>;
  VendorList: z.infer<typeof VendorListSchema>;
  Health: z.infer<typeof HealthSchema>;
  Readiness: z.infer<typeof ReadinessSchema>;
};

type Shipped = {
  Message: Client.Message;
  Conversation: Client.Conversation;
  SourceReport: Client.SourceReport;
  ExplainedPlan: Client.ExplainedPlan;
  MissedVendor: Client.MissedVendor;
  // What the server may send: whole items, or with fields= the selected parts of them.
  ConversationList: Client.ConversationList<Client.Conversation | Client.ConversationFields>;
  ConversationDetail: Client.ConversationDetail<Client.Conversation | Client.ConversationFields>;
  DetailSource: Client.DetailSource;
  DetailParams: keyof Client.DetailParams;
  Problem: Client.Problem;
  InvalidParam: Client.InvalidParam;
  VendorFailure: Client.VendorFailure;
  VendorError: Client.VendorError;
  VendorCapabilities: Client.VendorCapabilities;
  MirrorStatus: Client.MirrorStatus;
  VendorStatus: Client.VendorStatus;
  VendorList: Client.VendorList;
  Health: Client.Health;
  Readiness: Client.Readiness;
};

const checks: { [K in keyof Server]: Same<Server[K], Shipped[K]> } & {
  ErrorCode: Same<ErrorCode, Client.ErrorCode>;
  OrderField: Same<OrderField, Client.OrderField>;
  Include: Same<Include, Client.Include>;
  FilterName: Same<FilterName, Client.FilterName>;
  // Every parameter the server's query schema accepts, and no other.
  ListParams: Same<keyof Client.ListParams, keyof z.output<ReturnType<typeof buildQuerySchema>>>;
} = {
  Message: true,
  Conversation: true,
  SourceReport: true,
  ExplainedPlan: true,
  MissedVendor: true,
  ConversationList: true,
  ConversationDetail: true,
  DetailSource: true,
  DetailParams: true,
  Problem: true,
  InvalidParam: true,
  VendorFailure: true,
  VendorError: true,
  VendorCapabilities: true,
  MirrorStatus: true,
  VendorStatus: true,
  VendorList: true,
  Health: true,
  Readiness: true,
  ErrorCode: true,
  OrderField: true,
  Include: true,
  FilterName: true,
  ListParams: true,
};
void checks;
