/**
 * `JSON.parse` for documents that grant access (the caller policy): it refuses an object that
 * names a key twice. RFC 8259 §4 only says names SHOULD be unique, and `JSON.parse` keeps the last
 * one silently, so `{"orgs": ["910753614"], ..., "orgs": "*"}` would grant what a reviewer never
 * read. `JSON.parse` checks the grammar first; the scan then only has to tell strings from
 * structure, and decodes each key with `JSON.parse` too, so `"a"` and `"\u0061"` are the same key.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8259#section-4
 */
export function parseStrictJson(text: string): unknown {
  const value: unknown = JSON.parse(text);
  const duplicate = findDuplicateKey(text);
  if (duplicate) {
    throw new SyntaxError(
      `duplicate key ${JSON.stringify(duplicate.key)}${duplicate.path ? ` in ${duplicate.path}` : ''}`,
    );
  }
  return value;
}

interface Frame {
  /** Where this object or array is: `rules[0]`, empty for the document itself. */
  path: string;
  keys?: Set<string>;
  /** Object: the last key read. Array: the index of the current element. */
  at: string | number;
  expectingKey: boolean;
}

/** The first key named twice in one object of `text`, which must already be valid JSON. */
function findDuplicateKey(text: string): { key: string; path: string } | undefined {
  const stack: Frame[] = [];
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    const top = stack[stack.length - 1];
    if (char === '{' || char === '[') {
      const path = top ? childPath(top) : '';
      stack.push(
        char === '{'
          ? { path, keys: new Set(), at: '', expectingKey: true }
          : { path, at: 0, expectingKey: false },
      );
    } else if (char === '}' || char === ']') {
      stack.pop();
    } else if (char === ',' && top) {
      if (top.keys) top.expectingKey = true;
      else top.at = (top.at as number) + 1;
    } else if (char === '"') {
      const end = endOfString(text, i);
      if (top?.keys && top.expectingKey) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (top.keys.has(key)) return { key, path: top.path };
        top.keys.add(key);
        top.at = key;
        top.expectingKey = false;
      }
      i = end;
    }
  }
  return undefined;
}

/** The index of the quote that closes the string opening at `start`. */
function endOfString(text: string, start: number): number {
  let i = start + 1;
  while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
  return i;
}

function childPath(parent: Frame): string {
  if (typeof parent.at === 'number') return `${parent.path}[${parent.at}]`;
  const name = /^[A-Za-z_$][\w$]*$/.test(parent.at) ? parent.at : JSON.stringify(parent.at);
  return parent.path ? `${parent.path}.${name}` : name;
}
