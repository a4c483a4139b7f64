import { defineRoute } from '../../http/route';
import {
  conversationListQuerySchema,
  conversationListSchema,
  conversationMessageListSchema,
  conversationMessagesQuerySchema,
  conversationParams,
  conversationReadSchema,
} from './schema';
import { listConversationMessages, listConversations, readConversation } from './service';

export const conversationRoutes = [
  defineRoute({
    method: 'get',
    path: '/conversations',
    auth: 'api_key',
    tag: 'Conversations',
    operationId: 'listConversations',
    summary: 'Your conversations (one per business number and customer), latest activity first',
    description:
      'A conversation begins when a customer writes to one of your numbers or Meta reports on a message you sent. ' +
      'Each shows its last message (either direction), how many inbound messages are unread, whether the 24-hour customer-service window is open and until when, ' +
      'and the 72-hour free-entry window when Meta reported one. Pages of at most 200; follow `next_cursor` until it is null.',
    query: conversationListQuerySchema,
    responses: { 200: { description: 'A page of conversations', schema: conversationListSchema } },
  }).handle(async ({ ctx, query, principal }) => ({
    status: 200,
    body: await listConversations(ctx, principal, query),
  })),
  defineRoute({
    method: 'get',
    path: '/conversations/:id/messages',
    auth: 'api_key',
    tag: 'Conversations',
    operationId: 'listConversationMessages',
    summary: "A conversation's messages in both directions, newest first",
    description:
      "The customer's messages (text, button and interactive replies linked to the message they answer, reactions, location, contacts, media with Meta's media id) " +
      'and your template messages. Pages of at most 200; follow `next_cursor` until it is null.',
    params: conversationParams,
    query: conversationMessagesQuerySchema,
    responses: { 200: { description: 'A page of messages', schema: conversationMessageListSchema } },
    errors: ['conversation_not_found'],
  }).handle(async ({ ctx, params, query, principal }) => ({
    status: 200,
    body: await listConversationMessages(ctx, principal, params.id, query),
  })),
  defineRoute({
    method: 'post',
    path: '/conversations/:id/read',
    auth: 'api_key',
    tag: 'Conversations',
    operationId: 'readConversation',
    summary: "Mark a conversation's inbound messages read, and send Meta's read receipt",
    description:
      'Marks every unread inbound message read and sends Meta the read receipt for the last one (the customer sees blue ticks). ' +
      "Dak's record is kept even when Meta refuses the receipt; `read_receipt` says whether Meta accepted it. Nothing unread: nothing is sent.",
    params: conversationParams,
    responses: { 200: { description: 'Marked read', schema: conversationReadSchema } },
    errors: ['conversation_not_found'],
  }).handle(async ({ ctx, params, principal }) => ({
    status: 200,
    body: await readConversation(ctx, principal, params.id),
  })),
];
