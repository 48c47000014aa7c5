/** The syntax of Flux's envsubst language: texts parsed into templates. */

/** @internal */
export type TextNode = { type: 'text'; value: string };
/** @internal */
export type FuncNode = {
  type: 'func';
  /** the operator: '' for `${VAR}`, ':=', '#', '//', ... */
  op: string;
  param: string;
  args: Node[][];
};
/** @internal */
export type Node = TextNode | FuncNode;

class ParseError extends Error {}

const isIdentChar = (c: string | undefined) =>
  c !== undefined && /[\p{L}\p{N}_]/u.test(c);

class Parser {
  pos = 0;
  constructor(readonly src: string) {}

  peek(offset = 0): string | undefined {
    return this.src[this.pos + offset];
  }

  parseTop(): Node[] {
    const nodes: Node[] = [];
    let text = '';
    while (this.pos < this.src.length) {
      const c = this.src[this.pos];
      if (c === '$' && this.peek(1) === '{') {
        if (text) nodes.push({ type: 'text', value: text });
        text = '';
        this.pos += 2;
        nodes.push(this.parseFunc());
      } else if (c === '$' && this.peek(1) === '$') {
        // `$$` is an escaped `$`; the pair is consumed as text.
        text += '$';
        this.pos += 2;
      } else {
        text += c;
        this.pos += 1;
      }
    }
    if (text) nodes.push({ type: 'text', value: text });
    return nodes;
  }

  /** After `${`. */
  parseFunc(): FuncNode {
    if (this.peek() === '#') {
      this.pos += 1;
      const param = this.ident();
      if (!param) throw new ParseError('bad substitution');
      this.expect('}');
      return { type: 'func', op: '#', param, args: [] };
    }
    const param = this.ident();
    if (!param) throw new ParseError('unable to parse variable name');
    const c = this.peek();
    if (c === ':') {
      const next = this.peek(1);
      if (next === '=' || next === '-' || next === '?' || next === '+') {
        this.pos += 2;
        return {
          type: 'func',
          op: `:${next}`,
          param,
          args: this.defaultArgs(),
        };
      }
      this.pos += 1;
      return this.substring(param);
    }
    if (c === '=') {
      this.pos += 1;
      return { type: 'func', op: '=', param, args: this.defaultArgs() };
    }
    if (c === ',' || c === '^') {
      let op = c;
      this.pos += 1;
      if (this.peek() === c) {
        op += c;
        this.pos += 1;
      }
      this.expect('}', 'bad substitution');
      return { type: 'func', op, param, args: [] };
    }
    if (c === '/') return this.replace(param);
    if (c === '#' || c === '%') {
      let op = c;
      this.pos += 1;
      if (this.peek() === c) {
        op += c;
        this.pos += 1;
      }
      const arg = this.paramText(ch => ch !== '}');
      this.expect('}', 'bad substitution');
      return { type: 'func', op, param, args: [arg] };
    }
    this.expect('}', 'missing closing brace');
    return { type: 'func', op: '', param, args: [] };
  }

  ident(): string {
    const start = this.pos;
    while (isIdentChar(this.peek())) this.pos += 1;
    return this.src.slice(start, this.pos);
  }

  expect(ch: string, message = 'bad substitution') {
    if (this.peek() !== ch) throw new ParseError(message);
    this.pos += 1;
  }

  /** Text (with nested `${...}`) up to a character `accept` refuses. */
  paramText(accept: (c: string) => boolean, escapes = false): Node[] {
    const nodes: Node[] = [];
    let text = '';
    while (this.pos < this.src.length) {
      const c = this.src[this.pos];
      if (c === '$' && this.peek(1) === '{') {
        if (text) nodes.push({ type: 'text', value: text });
        text = '';
        this.pos += 2;
        nodes.push(this.parseFunc());
        continue;
      }
      if (
        escapes &&
        c === '\\' &&
        (this.peek(1) === '/' || this.peek(1) === '\\')
      ) {
        text += this.peek(1);
        this.pos += 2;
        continue;
      }
      if (escapes && c === '$' && this.peek(1) === '$') {
        text += '$';
        this.pos += 2;
        continue;
      }
      if (!accept(c)) break;
      text += c;
      this.pos += 1;
    }
    if (this.pos >= this.src.length)
      throw new ParseError('missing closing brace');
    if (text) nodes.push({ type: 'text', value: text });
    return nodes;
  }

  defaultArgs(): Node[][] {
    const args: Node[][] = [];
    while (this.peek() !== '}') {
      if (this.pos >= this.src.length)
        throw new ParseError('unable to parse default function');
      args.push(this.paramText(c => c !== '}'));
    }
    this.pos += 1;
    return args;
  }

  substring(param: string): FuncNode {
    const args: Node[][] = [this.paramText(c => c !== ':' && c !== '}')];
    if (this.peek() === ':') {
      this.pos += 1;
      args.push(this.paramText(c => c !== '}'));
    }
    this.expect('}');
    return { type: 'func', op: ':', param, args };
  }

  replace(param: string): FuncNode {
    this.pos += 1; // the first '/'
    let op = '/';
    const c = this.peek();
    if (c === '/' || c === '#' || c === '%') {
      op += c;
      this.pos += 1;
    }
    const args: Node[][] = [];
    args.push(
      this.peek() === '/' ? [] : this.paramText(ch => ch !== '/', true),
    );
    this.expect('/');
    if (this.peek() !== '}') args.push(this.paramText(ch => ch !== '}', true));
    this.expect('}');
    return { type: 'func', op, param, args };
  }
}

/** A parsed text, or why it cannot be parsed. @internal */
export type Template =
  | { nodes: Node[]; variables: string[] }
  | { error: string };

/** Parses a text into its template. */
export function parseTemplate(input: string): Template {
  try {
    const nodes = new Parser(input).parseTop();
    const names: string[] = [];
    const walk = (list: Node[]) => {
      for (const n of list) {
        if (n.type === 'func') {
          names.push(n.param);
          n.args.forEach(walk);
        }
      }
    };
    walk(nodes);
    return { nodes, variables: [...new Set(names)] };
  } catch (error) {
    return { error: (error as Error).message };
  }
}
