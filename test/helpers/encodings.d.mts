export declare const ENCODINGS: Readonly<Record<string, (secret: string) => string>>;
