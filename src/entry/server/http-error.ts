/** An error the error handler answers with its status and message as they are (a client's mistake, never a secret). */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const httpError = (statusCode: number, message: string, headers?: Record<string, string>): HttpError => new HttpError(statusCode, message, headers);
