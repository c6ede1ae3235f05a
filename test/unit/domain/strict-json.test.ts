import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseStrictJson } from '../../../shared/domain/strict-json.js';

/** Keys written with escapes, quotes and brackets, so the scan must read strings exactly. */
const trickyKey = fc.oneof(
  fc.string(),
  fc.constantFrom('"', '\\', '{', '}', '[', ']', ',', ':', 'a\\"b', '\u2028', '__proto__'),
);

describe('parseStrictJson', () => {
  it('reads every JSON text JSON.parse reads when no object repeats a key', () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 4 }),
        fc.constantFrom(undefined, 0, 2, '\t'),
        (value, indent) => {
          const text = JSON.stringify(value, null, indent);
          expect(parseStrictJson(text)).toStrictEqual(JSON.parse(text));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('refuses any object that names a key twice, wherever it is and however the key is spelt', () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 3 }),
        trickyKey,
        fc.boolean(),
        fc.nat(3),
        (inner, key, escaped, depth) => {
          const first = JSON.stringify(key);
          // The same key again, every character as \uXXXX: JSON.parse decodes both to one name.
          const second = escaped
            ? `"${[...key].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}"`
            : first;
          let text = `{${first}:${JSON.stringify(inner)},"other":[1,{"x":"}"}],${second}:null}`;
          for (let i = 0; i < depth; i++) text = `{"level${i}":[${text}]}`;
          expect(() => parseStrictJson(text)).toThrow(/^duplicate key /);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('names the duplicate and where it is', () => {
    expect(() => parseStrictJson('{"rules":[{"a":1},{"orgs":[],"orgs":"*"}]}')).toThrow(
      'duplicate key "orgs" in rules[1]',
    );
    expect(() => parseStrictJson('{"a":1,"a":2}')).toThrow(/^duplicate key "a"$/);
    expect(() => parseStrictJson('{"a b":{"c":1,"c":2}}')).toThrow('duplicate key "c" in "a b"');
  });

  it('allows the same key in different objects, and the same text as a value', () => {
    expect(parseStrictJson('{"a":{"a":"a"},"b":[{"a":1},{"a":2}],"c":"a"}')).toEqual({
      a: { a: 'a' },
      b: [{ a: 1 }, { a: 2 }],
      c: 'a',
    });
  });

  it('throws JSON.parse’s own error for text that is not JSON', () => {
    expect(() => parseStrictJson('{"a":1,}')).toThrow(SyntaxError);
    expect(() => parseStrictJson('{"a":1}{"a":1}')).toThrow(SyntaxError);
  });
});
