export interface FieldProblem {
  field: string;
  message: string;
}

/** The one error type the HTTP layer maps to a response: a stable code, a status and a safe message. */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: FieldProblem[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  constructor(message: string, details?: FieldProblem[]) {
    super(400, 'VALIDATION_FAILED', message, details);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'Authentication required', code = 'UNAUTHORIZED') {
    super(401, code, message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'You do not have permission to do this') {
    super(403, 'FORBIDDEN', message);
  }
}

export class NotFoundError extends AppError {
  constructor(what = 'Resource') {
    super(404, 'NOT_FOUND', `${what} not found`);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, code = 'CONFLICT') {
    super(409, code, message);
  }
}

export class InvalidStateError extends AppError {
  constructor(readonly currentStatus: string, action: string) {
    super(409, 'INVALID_STATE', `Cannot ${action} a campaign whose status is ${currentStatus}`, [
      { field: 'status', message: `current status is ${currentStatus}` },
    ]);
  }
}

/** The campaign was edited since the version the caller reviewed: deciding on it would apply to unseen text. */
export class StaleVersionError extends AppError {
  constructor(readonly currentVersion: number, given: number) {
    super(409, 'STALE_VERSION', `The campaign changed since version ${given}: it is now version ${currentVersion}; review it again`, [
      { field: 'version', message: `current version is ${currentVersion}` },
    ]);
  }
}

export class RateLimitedError extends AppError {
  constructor(retryAfterSec: number) {
    super(429, 'RATE_LIMITED', 'Too many attempts; try again later', undefined, {
      'retry-after': String(Math.max(1, Math.ceil(retryAfterSec))),
    });
  }
}

/** Nothing was done because of a momentary condition (a concurrent change, a full queue); a retry works. */
export class TryAgainError extends AppError {
  constructor(message: string, retryAfterSec = 1) {
    super(503, 'TRY_AGAIN', message, undefined, { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSec))) });
  }
}

export class DependencyError extends AppError {
  constructor(dependency: string) {
    super(503, 'SERVICE_UNAVAILABLE', `${dependency} is unavailable; try again shortly`);
  }
}
