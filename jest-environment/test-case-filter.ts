/**
 * @internal Whether a per-test report object can hold a value that the environment has not already scrubbed. Names
 * are scrubbed when tests are defined and failures when they are done, so a test-case object is checked again only
 * when it carries failures — a cheap filter for the two messages every test sends. Unknown objects are checked.
 */
export function mayCarryValues(report: unknown): boolean {
  if (typeof report !== 'object' || report === null) {
    return typeof report === 'string';
  }
  const { failureMessages, failureDetails, retryReasons, title } = report as Record<string, unknown>;
  const failed = [failureMessages, failureDetails, retryReasons].some((x) => Array.isArray(x) && x.length > 0);
  return typeof title !== 'string' || failed;
}
