/** A failure with the database's own message and SQLSTATE (or a client-side reason). */
export class SqlError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = "SqlError";
  }
}
