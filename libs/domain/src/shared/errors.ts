/**
 * Errors the domain raises when it refuses a command. Each carries the code of shared/api-contract.md so the
 * API layer can map it without knowing the rule that failed.
 */
export type DomainErrorCode = 'BAD_USER_INPUT' | 'INVALID_TRANSITION' | 'NOT_FOUND';

export abstract class DomainError extends Error {
  abstract readonly code: DomainErrorCode;
}

/** Input that breaks a rule about its own shape or value; `field` names the offending input field. */
export class ValidationError extends DomainError {
  readonly code = 'BAD_USER_INPUT' as const;
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'ValidationError';
  }
}

/** A command that the lead's current status does not allow (e.g. accept before hand-off). */
export class InvalidTransitionError extends DomainError {
  readonly code = 'INVALID_TRANSITION' as const;
  constructor(message: string) {
    super(message);
    this.name = 'InvalidTransitionError';
  }
}

/** A command addressed to a lead that was never captured. */
export class LeadNotFoundError extends DomainError {
  readonly code = 'NOT_FOUND' as const;
  constructor(readonly leadId: string) {
    super(`Lead ${leadId} does not exist`);
    this.name = 'LeadNotFoundError';
  }
}

/** A funnel definition reference (name@version) that names no known definition. */
export class FunnelDefinitionNotFoundError extends DomainError {
  readonly code = 'NOT_FOUND' as const;
  constructor(readonly reference: string) {
    super(`Funnel definition ${reference} does not exist`);
    this.name = 'FunnelDefinitionNotFoundError';
  }
}
