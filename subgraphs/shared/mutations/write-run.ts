import { isOutcomeUnknown } from './outcome.js';

/**
 * One multi-step mutation call's progress (placeOrder, cancelOrder, setCreditHold), shared by its
 * attempt, its recovery and the classification of its failure.
 */
export interface WriteRun {
  /** The write left us: from here on a failure may hide an applied write. */
  sent: boolean;
  /** The backend answered the write: it is in place (an order created, a cancellation done). */
  applied: boolean;
  /** What was applied was taken back (a refused order's draft deleted): certainly nothing remains. */
  undone: boolean;
}

/** A fresh run: nothing sent. */
export function newWriteRun(): WriteRun {
  return { sent: false, applied: false, undone: false };
}

/**
 * Whether a failure of this run may have left the write in place. Before the write is sent, and
 * after it was undone, nothing is; a refused write wrote nothing; once the backend answered it
 * (even if a later step or the read-back failed) the outcome is never "certainly nothing".
 */
export function writeOutcomeUnknown(run: WriteRun): (err: unknown) => boolean {
  return (err) => run.sent && !run.undone && (run.applied || isOutcomeUnknown(err));
}
