/** A minimal GraphQL-over-HTTP client for the e2e tests: what a dashboard or script would send. */
export interface GraphQLResponse<T = Record<string, any>> {
  status: number;
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string; field?: string; [key: string]: unknown } }[];
}

export function graphqlClient(baseUrl: string) {
  return async function gql<T = Record<string, any>>(
    query: string,
    variables: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ): Promise<GraphQLResponse<T>> {
    const response = await fetch(`${baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as Omit<GraphQLResponse<T>, 'status'>;
    return { status: response.status, ...body };
  };
}

export const LEAD_RESULT = `
  position
  replayed
  event { eventId type revision position occurredAt recordedAt actor { type id } correlationId causationId idempotencyKey reason note data hash stageBefore stageAfter definition }
  lead { id status stage revision score ownerId team value currency capturedAt source { channel campaign origin } }
`;

export const TIMELINE_QUERY = `
  query Timeline($id: ID!) {
    lead(id: $id) {
      id status stage revision
      timeline { eventId type revision position occurredAt recordedAt actor { type id } correlationId causationId idempotencyKey reason note data hash stageBefore stageAfter definition }
    }
  }
`;

export const MUTATIONS = {
  capture: `mutation($input: CaptureResponderInput!) { captureResponder(input: $input) { ${LEAD_RESULT} } }`,
  score: `mutation($input: ScoreLeadInput!) { scoreLead(input: $input) { ${LEAD_RESULT} } }`,
  handOff: `mutation($input: HandOffLeadInput!) { handOffLead(input: $input) { ${LEAD_RESULT} } }`,
  accept: `mutation($input: AcceptLeadInput!) { acceptLead(input: $input) { ${LEAD_RESULT} } }`,
  reject: `mutation($input: RejectLeadInput!) { rejectLead(input: $input) { ${LEAD_RESULT} } }`,
  recycle: `mutation($input: RecycleLeadInput!) { recycleLead(input: $input) { ${LEAD_RESULT} } }`,
  lost: `mutation($input: MarkLeadLostInput!) { markLeadLost(input: $input) { ${LEAD_RESULT} } }`,
  won: `mutation($input: MarkLeadWonInput!) { markLeadWon(input: $input) { ${LEAD_RESULT} } }`,
  advance: `mutation($input: AdvanceLeadStageInput!) { advanceLeadStage(input: $input) { ${LEAD_RESULT} } }`,
};

export type MutationName = keyof typeof MUTATIONS;
export type HistoryStep = [MutationName, Record<string, unknown>];
export type LeadHistories = Record<string, HistoryStep[]>;

/** Records each lead's steps through the mutations, in order; returns the position of the last write. */
export async function recordHistories(gql: ReturnType<typeof graphqlClient>, leads: LeadHistories): Promise<string> {
  let position = '0';
  for (const [leadId, steps] of Object.entries(leads)) {
    for (const [mutation, input] of steps) {
      const result = await gql(MUTATIONS[mutation], { input: { leadId, ...input } });
      if (result.errors) throw new Error(`${mutation} of ${leadId} was refused: ${JSON.stringify(result.errors)}`);
      position = Object.values(result.data!)[0].position;
    }
  }
  return position;
}
