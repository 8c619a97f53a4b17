/** @internal Options every command shares. */
export interface CommonOptions {
  readonly config?: string;
  readonly egress?: boolean;
}

/** @internal Session options from CLI options (`--egress` absent means "not given", not "off"). */
export function sessionOptions(options: CommonOptions): { configFile?: string; egress?: boolean } {
  return {
    ...(options.config === undefined ? {} : { configFile: options.config }),
    ...(options.egress === true ? { egress: true } : {}),
  };
}

/** @internal Print a broker error without a stack: messages are written for people. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
