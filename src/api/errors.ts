// Twilio's error body: {code, message, more_info, status}. Every failure the API reports goes through here.
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }

  toJSON(): { code: number; message: string; more_info: string; status: number } {
    return { code: this.code, message: this.message, more_info: `https://www.twilio.com/docs/errors/${this.code}`, status: this.status };
  }
}

export const notFound = (what = 'The requested resource was not found'): ApiError => new ApiError(404, 20404, what);
export const badRequest = (code: number, message: string): ApiError => new ApiError(400, code, message);
