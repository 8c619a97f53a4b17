/** One benchmark figure, as written to bench-results.json. */
export interface Figure {
  readonly id: string;
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** Human-readable goal, e.g. "≤ 1.5" or "= 12". */
  readonly goal: string;
  readonly pass: boolean;
  /**
   * For figures decided by an interval: `undecided` when it straddles the goal (never a pass); `shown` for a reference
   * measured beside the judged figures.
   */
  readonly verdict?: 'pass' | 'undecided' | 'FAIL' | 'shown';
}
