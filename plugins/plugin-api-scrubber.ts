/** The portal's scrubber as plugins receive it: every configured secret, in every form it can take. */
export interface TextScrubber {
  text(text: string): string;
  /** `text` for text cut at its end (a capped excerpt): a trailing start of a secret goes too. */
  cut(text: string): string;
}
