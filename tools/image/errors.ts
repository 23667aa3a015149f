import { StackError } from '../stack/errors';

/** A failure of the image tool that the person running it can act on; printed without a stack trace. */
export class ImageError extends StackError {
  override readonly name: string = 'ImageError';
}
