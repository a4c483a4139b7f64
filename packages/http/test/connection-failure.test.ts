import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { isConnectionFailure } from '@dak/http';

/** A pg error exactly as the driver builds it from a server ErrorResponse. */
function pgError(code: string, message: string): Error {
  const error = new pg.DatabaseError(message, 100, 'error');
  error.code = code;
  error.severity = 'FATAL';
  return error;
}

function errno(code: string, message: string): Error {
  return Object.assign(new Error(message), { code, errno: -1, syscall: 'connect' });
}

describe('the dependency failure classifier', () => {
  it.each([
    ['57P01 admin shutdown', pgError('57P01', 'terminating connection due to administrator command')],
    ['57P02 crash shutdown', pgError('57P02', 'terminating connection due to crash of another server process')],
    ['57P03 starting up', pgError('57P03', 'the database system is starting up')],
    ['08006 connection failure', pgError('08006', 'connection failure')],
    ['08003 no connection', pgError('08003', 'connection does not exist')],
    ['53300 too many connections', pgError('53300', 'sorry, too many clients already')],
    ['ECONNRESET', errno('ECONNRESET', 'read ECONNRESET')],
    ['ECONNREFUSED', errno('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['EPIPE', errno('EPIPE', 'write EPIPE')],
    ['ETIMEDOUT', errno('ETIMEDOUT', 'connect ETIMEDOUT')],
    ['pg: terminated', new Error('Connection terminated unexpectedly')],
    ['pg: not queryable', new Error('Client has encountered a connection error and is not queryable')],
    ['pg pool: connect timeout', new Error('timeout exceeded when trying to connect')],
    ['ioredis: closed', new Error('Connection is closed.')],
    ['ioredis: offline', new Error("Stream isn't writeable and enableOfflineQueue options is false")],
    [
      'ioredis: max retries',
      Object.assign(
        new Error(
          'Reached the max retries per request limit (which is 1). Refer to "maxRetriesPerRequest" option for details.',
        ),
        { name: 'MaxRetriesPerRequestError' },
      ),
    ],
    [
      'dual-stack refusal',
      Object.assign(
        new AggregateError(
          [
            errno('ECONNREFUSED', 'connect ECONNREFUSED ::1:5432'),
            errno('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'),
          ],
          '',
        ),
        {},
      ),
    ],
    [
      'wrapped in a cause',
      new Error('query failed', { cause: pgError('57P01', 'terminating connection due to administrator command') }),
    ],
  ])('%s is a dependency failure (503)', (_name, error) => {
    expect(isConnectionFailure(error)).toBe(true);
  });

  it.each([
    ['unique violation', pgError('23505', 'duplicate key value violates unique constraint')],
    ['bad value', pgError('22P02', 'invalid input syntax for type integer')],
    ['syntax error', pgError('42601', 'syntax error at or near "selec"')],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['not an error', 'Connection terminated'],
    ['nothing', undefined],
  ])('%s is not', (_name, error) => {
    expect(isConnectionFailure(error)).toBe(false);
  });
});
