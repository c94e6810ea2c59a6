import { ERROR_STATUS, ErrorCode } from './error-codes';

export interface ErrorBody {
  status: number;
  errorCode: ErrorCode;
  message: string;
  details?: unknown;
  correlationId?: string;
}

export function errorBody(
  code: ErrorCode,
  message: string,
  details?: unknown,
  correlationId?: string,
): ErrorBody {
  const body: ErrorBody = { status: ERROR_STATUS[code], errorCode: code, message };
  if (details !== undefined) body.details = details;
  if (correlationId) body.correlationId = correlationId;
  return body;
}
