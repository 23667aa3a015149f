/** A failure of the image tool that the person running it can act on; printed without a stack trace. */
export class ImageError extends Error {
  override readonly name = 'ImageError';
}
