import { describe, expect, it } from 'vitest';
import {
  AppError,
  ConflictError,
  DependencyError,
  ForbiddenError,
  InvalidStateError,
  NotFoundError,
  RateLimitedError,
  StaleVersionError,
  TryAgainError,
  UnauthorizedError,
  ValidationError,
} from '../../src/domain/errors.ts';

/** The error hierarchy: each class's status, code, message, details and headers, as the one error handler maps them. */
describe('error classes', () => {
  it.each([
    [new ValidationError('Bad input', [{ field: 'title', message: 'too long' }]), 400, 'VALIDATION_FAILED', 'Bad input'],
    [new UnauthorizedError(), 401, 'UNAUTHORIZED', 'Authentication required'],
    [new UnauthorizedError('Token has expired', 'TOKEN_EXPIRED'), 401, 'TOKEN_EXPIRED', 'Token has expired'],
    [new ForbiddenError(), 403, 'FORBIDDEN', 'You do not have permission to do this'],
    [new NotFoundError('Campaign'), 404, 'NOT_FOUND', 'Campaign not found'],
    [new NotFoundError(), 404, 'NOT_FOUND', 'Resource not found'],
    [new ConflictError('Email taken'), 409, 'CONFLICT', 'Email taken'],
    [new ConflictError('Ended', 'END_TIME_PASSED'), 409, 'END_TIME_PASSED', 'Ended'],
    [new InvalidStateError('sending', 'edit'), 409, 'INVALID_STATE', 'Cannot edit a campaign whose status is sending'],
    [new StaleVersionError(3, 2), 409, 'STALE_VERSION', 'The campaign changed since version 2: it is now version 3; review it again'],
    [new RateLimitedError(30), 429, 'RATE_LIMITED', 'Too many attempts; try again later'],
    [new TryAgainError('Busy'), 503, 'TRY_AGAIN', 'Busy'],
    [new DependencyError('MySQL'), 503, 'SERVICE_UNAVAILABLE', 'MySQL is unavailable; try again shortly'],
  ] as const)('%s → %i %s', (err, status, code, message) => {
    expect(err).toBeInstanceOf(AppError);
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ status, code, message });
    expect(err.name).toBe(err.constructor.name);
  });

  it('carries the details a client fixes its request with', () => {
    expect(new ValidationError('Bad input', [{ field: 'title', message: 'too long' }]).details).toEqual([{ field: 'title', message: 'too long' }]);
    expect(new InvalidStateError('paused', 'approve')).toMatchObject({
      currentStatus: 'paused',
      details: [{ field: 'status', message: 'current status is paused' }],
    });
    expect(new StaleVersionError(7, 5)).toMatchObject({ currentVersion: 7, details: [{ field: 'version', message: 'current version is 7' }] });
    expect(new NotFoundError().details).toBeUndefined();
  });

  it('says when to retry, in whole seconds and at least one', () => {
    expect(new RateLimitedError(30).headers).toEqual({ 'retry-after': '30' });
    expect(new RateLimitedError(0.2).headers).toEqual({ 'retry-after': '1' });
    expect(new RateLimitedError(-5).headers).toEqual({ 'retry-after': '1' });
    expect(new RateLimitedError(2.1).headers).toEqual({ 'retry-after': '3' });
    expect(new TryAgainError('Busy').headers).toEqual({ 'retry-after': '1' });
    expect(new TryAgainError('Busy', 4.5).headers).toEqual({ 'retry-after': '5' });
    expect(new DependencyError('Redis').headers).toBeUndefined();
  });
});
