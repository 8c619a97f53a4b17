import { format as vitestFormat, plugins as vitestPlugins } from '@vitest/pretty-format';
import { format as jestFormat, plugins as jestPlugins } from 'pretty-format';
import { describe, expect, it } from 'vitest';
import { redactingSerializer } from '../../../jest-environment/snapshot-serializer.js';
import { Scrubber } from '../../../src/scrub/index.js';
import { snapshotTextSerializer } from '../../../src/scrub/snapshot-text.js';

const SECRET = 'CANARY_snaptext_7f3a9c';
const LABEL = '[redacted:API_TOKEN]';

function scrubber(): Scrubber {
  const s = new Scrubber();
  s.add(SECRET, 'API_TOKEN');
  return s;
}

// Each runner's pretty-format with its snapshot options and built-in plugins, in the order the runner asks them.
const RUNNERS = {
  vitest: {
    format: vitestFormat as (value: unknown, options: object) => string,
    builtins: [
      vitestPlugins.ReactTestComponent,
      vitestPlugins.ReactElement,
      vitestPlugins.DOMElement,
      vitestPlugins.DOMCollection,
      vitestPlugins.Immutable,
      vitestPlugins.AsymmetricMatcher,
    ] as unknown[],
  },
  jest: {
    format: jestFormat as (value: unknown, options: object) => string,
    builtins: [
      jestPlugins.ReactTestComponent,
      jestPlugins.ReactElement,
      jestPlugins.DOMElement,
      jestPlugins.DOMCollection,
      jestPlugins.Immutable,
      jestPlugins.AsymmetricMatcher,
    ] as unknown[],
  },
} as const;
const OPTIONS = { escapeRegex: true, indent: 2, printFunctionName: false, printBasicPrototype: false };

// What pretty-format prints without asking a plugin about the text: every shape of the finding.
class Text {
  readonly nodeType = 3;
  constructor(readonly data: string) {}
}
class HTMLParagraphElement {
  readonly nodeType = 1;
  readonly tagName = 'P';
  readonly attributes = [];
  constructor(readonly childNodes: unknown[]) {}
}
const shapes = (v: string): Record<string, unknown> => ({
  'react test json': { $$typeof: Symbol.for('react.test.json'), type: 'p', props: {}, children: ['Token: ', v] },
  'react 19 element': {
    $$typeof: Symbol.for('react.transitional.element'),
    type: 'p',
    key: null,
    props: { children: ['Token: ', v] },
  },
  'react 18 element': {
    $$typeof: Symbol.for('react.element'),
    type: 'div',
    key: null,
    ref: null,
    props: { children: v },
  },
  'DOM element with a text node': new HTMLParagraphElement([new Text(`Token: ${v}`)]),
  'custom element (a plain object with nodeType)': {
    nodeType: 1,
    tagName: 'X-BANNER',
    attributes: [],
    childNodes: [new Text(v)],
  },
  symbol: { s: Symbol(v) },
  regexp: new RegExp(v),
  'class named after it': new ({ [v]: class {} } as Record<string, new () => object>)[v]!(),
  'nested in an array of a map': [new Map([['k', { deep: [Symbol(v), new RegExp(`^${v}$`)] }]])],
});

describe.each(Object.keys(RUNNERS) as (keyof typeof RUNNERS)[])(`${snapshotTextSerializer.name} (%s)`, (runner) => {
  const { format, builtins } = RUNNERS[runner];
  const s = scrubber();
  const scrub = (text: string) => s.scrub(text);
  const text = snapshotTextSerializer(() => scrub);
  // As the runners hold them: the text serializer first, the value serializer behind it, then the built-ins.
  const withBroker = (value: unknown, extra: unknown[] = []) =>
    format(value, { ...OPTIONS, plugins: [text, redactingSerializer(scrub), ...extra, ...builtins] });
  const bare = (value: unknown, extra: unknown[] = []) =>
    format(value, { ...OPTIONS, plugins: [...extra, ...builtins] });

  it.each(Object.entries(shapes(SECRET)))(
    'prints %s as the runner does, with the label in place of the value',
    (_shape, value) => {
      const printed = bare(value);
      expect(printed).toContain(SECRET);
      expect(withBroker(value)).not.toContain(SECRET);
      // Same layout and indentation: only the value's text changed.
      expect(withBroker(value)).toBe(printed.replaceAll(SECRET, LABEL));
    }
  );

  it('prints the bytes of an ArrayBuffer holding the value (one decimal per line) as the label, and harmless ones', () => {
    const bytes = (v: string) => new TextEncoder().encode(v).buffer;
    expect(bare(bytes(SECRET))).toContain([...Buffer.from(SECRET)].join(',\n  '));
    expect(withBroker(bytes(SECRET))).toBe(`ArrayBuffer [\n  ${LABEL},\n]`);
    expect(withBroker(bytes('harmless-CANARY-twin'))).toBe(bare(bytes('harmless-CANARY-twin')));
  });

  it.each(Object.entries(shapes('harmless-CANARY-twin')))(
    'prints the harmless twin of %s byte for byte as the runner does',
    (_shape, value) => {
      expect(withBroker(value)).toBe(bare(value));
    }
  );

  it('keeps a string holding the value to the value serializer behind it (printed as before)', () => {
    expect(withBroker({ url: `postgres://u:${SECRET}@db`, 'a "quoted" key': 'plain' })).toBe(
      bare({ url: `postgres://u:${LABEL}@db`, 'a "quoted" key': 'plain' })
    );
  });

  it('takes nothing while the worker holds no value: snapshots print as bare', () => {
    const idle = snapshotTextSerializer(() => undefined);
    expect(idle.test({})).toBe(false);
    const value = shapes(SECRET)['react test json'];
    expect(format(value, { ...OPTIONS, plugins: [idle, ...builtins] })).toBe(bare(value));
  });

  it('sees a child again when a serializer ahead of it prints that child through the printer, never its own', () => {
    let asked = 0;
    const counting = snapshotTextSerializer(() => {
      asked++;
      return scrub;
    });
    // A user's serializer, asked first (added after the broker's), that wraps what it prints around the printer's.
    const wrapper = {
      test: (value: unknown) => typeof value === 'object' && value !== null && 'wrapped' in value,
      serialize: (
        value: { wrapped: unknown },
        config: object,
        indentation: string,
        depth: number,
        refs: unknown,
        printer: (...args: unknown[]) => string
      ) => `Wrapped<${printer(value.wrapped, config, indentation, depth, refs)}>`,
    };
    const value = { wrapped: { deep: { deeper: [Symbol(SECRET), { more: new RegExp(SECRET) }] } } };
    const printed = format(value, {
      ...OPTIONS,
      plugins: [wrapper, counting, redactingSerializer(scrub), ...builtins],
    });
    expect(printed).toBe(bare(value, [wrapper]).replaceAll(SECRET, LABEL));
    // The wrapper took the root; this plugin was asked (test, then serialize) for the child it handed back, and
    // never for the children it printed itself.
    expect(asked).toBe(2);
  });

  // Vitest's fork only: Jest's pretty-format has no output budget.
  it.runIf(runner === 'vitest')('keeps the runner`s output budget: a long snapshot is cut where it cuts', () => {
    const wrapper = {
      test: (value: unknown) => Array.isArray(value) && value[0] === 'wrapped',
      serialize: (
        value: unknown[],
        config: object,
        indentation: string,
        depth: number,
        refs: unknown,
        printer: (...args: unknown[]) => string
      ) =>
        value
          .slice(1)
          .map((child) => printer(child, config, indentation, depth, refs))
          .join('|'),
    };
    const value = ['wrapped', ...Array.from({ length: 6 }, (_, i) => ({ i, items: ['x'.repeat(40), { y: 1 }] }))];
    const options = { ...OPTIONS, maxOutputLength: 200 };
    const cut = format(value, { ...options, plugins: [wrapper, ...builtins] });
    expect(format(value, { ...options, plugins: [wrapper, text, redactingSerializer(scrub), ...builtins] })).toBe(cut);
  });
});
