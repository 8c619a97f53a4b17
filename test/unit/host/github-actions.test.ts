import { describe, expect, it } from 'vitest';
import { announceMasks, maskCommand } from '../../../src/host/github-actions.js';
import { deriveForms } from '../../../src/scrub/forms.js';
import { Scrubber } from '../../../src/scrub/index.js';

const VALUE = 'CANARY-MASK 50%/off+3a9f-SENTINEL';
const PEM = '-----BEGIN TEST-----\nCANARY_PEM_LINE_5c2e9a\n-----END TEST-----';

describe('maskCommand', () => {
  it('escapes % the way @actions/core does, and announces no form that spans lines', () => {
    expect(maskCommand('a%0Ab')).toBe('::add-mask::a%250Ab\n');
    expect(maskCommand('line one\nline two')).toBeUndefined();
    expect(maskCommand('   ')).toBeUndefined();
  });
});

describe('announceMasks', () => {
  it('writes one command per form before add() returns, each form once, every line of a multi-line value', () => {
    const scrubber = new Scrubber();
    const lines: string[] = [];
    announceMasks(scrubber, (text) => lines.push(text));
    scrubber.add(VALUE, 'API_TOKEN');
    const forms = deriveForms(VALUE, 6);
    for (const form of forms) {
      expect(lines).toContain(`::add-mask::${form.replace(/%/g, '%25')}\n`);
    }
    expect(new Set(lines).size).toBe(lines.length);
    const announced = lines.length;
    scrubber.add(VALUE, 'API_TOKEN');
    expect(lines).toHaveLength(announced);
    scrubber.add(PEM, 'TLS_KEY');
    expect(lines).toContain('::add-mask::CANARY_PEM_LINE_5c2e9a\n');
    // Armour is furniture, never a form (issue 12's rule): announcing it would mask it in every log.
    expect(lines).not.toContain('::add-mask::-----BEGIN TEST-----\n');
    expect(lines.filter((line) => line.slice(0, -1).includes('\n'))).toEqual([]);
  });

  it('announces forms registered before it was attached', () => {
    const scrubber = new Scrubber();
    scrubber.add(VALUE, 'API_TOKEN');
    const lines: string[] = [];
    announceMasks(scrubber, (text) => lines.push(text));
    expect(lines[0]).toBe(`::add-mask::${VALUE.replace(/%/g, '%25')}\n`);
  });
});
