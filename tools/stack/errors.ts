/** A failure of the stack tool that the person running it can act on; printed without a stack trace. */
export class StackError extends Error {
  override readonly name: string = 'StackError';
}
