/**
 * The subset of Go's text/template that Fulcio's ci-provider templates use
 * (config/identity/config.yaml `ci-issuer-metadata`), executed with Option("missingkey=error") over
 * a map[string]string of token claims merged over the provider's default values:
 *
 *   {{ .claim }}                      the claim's value; a missing key is an error
 *   {{ index . "a.b/c" }}             lookup of any key; a missing key gives "" (Go's index)
 *   {{ if eq .x "v" }}…{{ else }}…{{ end }}   with eq/ne/not, `else if`, nesting
 *   ( … )                             parenthesised calls, "…" and `…` string literals
 *   {{- … -}}                         whitespace trimming
 *
 * Anything else (pipes, variables, range, with, other functions, comments) is refused when the
 * template is compiled, i.e. when the configuration loads — never at issuance.
 */

export class TemplateError extends Error {
  override name = 'TemplateError';
}

type Expr =
  | { readonly t: 'dot' }
  | { readonly t: 'field'; readonly name: string }
  | { readonly t: 'str'; readonly value: string }
  | { readonly t: 'call'; readonly fn: string; readonly args: readonly Expr[] };

type Node =
  | { readonly t: 'text'; readonly text: string }
  | { readonly t: 'print'; readonly expr: Expr }
  | { readonly t: 'if'; readonly cond: Expr; readonly then: readonly Node[]; readonly else: readonly Node[] };

type Value = string | boolean | Readonly<Record<string, string>>;

const FUNCTIONS: Readonly<Record<string, { min: number; max: number }>> = { eq: { min: 2, max: 64 }, ne: { min: 2, max: 2 }, not: { min: 1, max: 1 }, index: { min: 2, max: 2 } };

export class GoTemplate {
  private constructor(
    readonly source: string,
    private readonly nodes: readonly Node[],
  ) {}

  /** Whether `s` contains an action (Fulcio executes it as a template only then). */
  static isTemplate(s: string): boolean {
    return s.includes('{{');
  }

  static compile(source: string): GoTemplate {
    const items = lex(source);
    let pos = 0;
    const parseList = (stopAt: ReadonlySet<string>): { nodes: Node[]; stop: string | undefined } => {
      const nodes: Node[] = [];
      while (pos < items.length) {
        const item = items[pos]!;
        if (item.kind === 'text') {
          nodes.push({ t: 'text', text: item.text });
          pos++;
          continue;
        }
        const toks = tokenize(item.text);
        const head = toks[0];
        if (head === 'end' || head === 'else') {
          if (!stopAt.has(head)) throw new TemplateError(`unexpected {{${head}}}`);
          return { nodes, stop: head };
        }
        pos++;
        if (head === 'if') {
          nodes.push(parseIf(toks.slice(1)));
          continue;
        }
        nodes.push({ t: 'print', expr: parseCommand(toks) });
      }
      if (stopAt.size > 0) throw new TemplateError('unexpected end of template: missing {{end}}');
      return { nodes, stop: undefined };
    };
    const parseIf = (condToks: string[]): Node => {
      if (condToks.length === 0) throw new TemplateError('missing condition in {{if}}');
      const cond = parseCommand(condToks);
      const then = parseList(new Set(['else', 'end']));
      let elseNodes: Node[] = [];
      if (then.stop === 'else') {
        const elseToks = tokenize(items[pos]!.text);
        pos++;
        if (elseToks.length > 1) {
          if (elseToks[1] !== 'if') throw new TemplateError(`unexpected "${elseToks[1]}" after else`);
          // {{else if c}} … shares the enclosing {{end}}.
          elseNodes = [parseIf(elseToks.slice(2))];
          return { t: 'if', cond, then: then.nodes, else: elseNodes };
        }
        const rest = parseList(new Set(['end']));
        elseNodes = rest.nodes;
      }
      const endToks = tokenize(items[pos]!.text);
      if (endToks.length !== 1) throw new TemplateError('unexpected tokens after end');
      pos++;
      return { t: 'if', cond, then: then.nodes, else: elseNodes };
    };
    const { nodes } = parseList(new Set());
    return new GoTemplate(source, nodes);
  }

  /** Executes over `data`; a `.key` absent from data is an error (missingkey=error). */
  execute(data: Readonly<Record<string, string>>): string {
    let out = '';
    const run = (nodes: readonly Node[]) => {
      for (const n of nodes) {
        if (n.t === 'text') out += n.text;
        else if (n.t === 'print') {
          const v = evaluate(n.expr, data);
          if (typeof v === 'object') throw new TemplateError('cannot print the whole claim map');
          out += String(v);
        } else run(truthy(evaluate(n.cond, data)) ? n.then : n.else);
      }
    };
    run(this.nodes);
    return out;
  }
}

function truthy(v: Value): boolean {
  return typeof v === 'boolean' ? v : typeof v === 'string' ? v.length > 0 : Object.keys(v).length > 0;
}

function evaluate(e: Expr, data: Readonly<Record<string, string>>): Value {
  switch (e.t) {
    case 'dot':
      return data;
    case 'str':
      return e.value;
    case 'field': {
      if (!Object.hasOwn(data, e.name)) throw new TemplateError(`map has no entry for key "${e.name}"`);
      return data[e.name]!;
    }
    case 'call': {
      const args = e.args.map((a) => evaluate(a, data));
      switch (e.fn) {
        case 'eq':
          return args.slice(1).some((a) => same(args[0]!, a));
        case 'ne':
          return !same(args[0]!, args[1]!);
        case 'not':
          return !truthy(args[0]!);
        case 'index': {
          const [m, k] = args;
          if (typeof m !== 'object' || typeof k !== 'string') throw new TemplateError('index needs a map and a string key');
          return Object.hasOwn(m, k) ? m[k]! : '';
        }
      }
      throw new TemplateError(`function "${e.fn}" not defined`);
    }
  }
}

function same(a: Value, b: Value): boolean {
  if (typeof a !== typeof b || typeof a === 'object') throw new TemplateError('incompatible types for comparison');
  return a === b;
}

function parseCommand(toks: string[]): Expr {
  let pos = 0;
  const operand = (): Expr => {
    const t = toks[pos++];
    if (t === undefined) throw new TemplateError('missing operand');
    if (t === '(') {
      const inner: string[] = [];
      let depth = 1;
      while (pos < toks.length) {
        const x = toks[pos++]!;
        if (x === '(') depth++;
        if (x === ')' && --depth === 0) break;
        inner.push(x);
      }
      if (depth !== 0) throw new TemplateError('unclosed parenthesis');
      return parseCommand(inner);
    }
    if (t === '.') return { t: 'dot' };
    if (/^\.[A-Za-z_][A-Za-z0-9_]*$/.test(t)) return { t: 'field', name: t.slice(1) };
    if (t.startsWith('"') || t.startsWith('`')) return { t: 'str', value: unquote(t) };
    throw new TemplateError(`unsupported template syntax "${t}"`);
  };
  if (toks.length === 0) throw new TemplateError('empty action');
  const head = toks[0]!;
  if (Object.hasOwn(FUNCTIONS, head)) {
    pos = 1;
    const args: Expr[] = [];
    while (pos < toks.length) args.push(operand());
    const { min, max } = FUNCTIONS[head]!;
    if (args.length < min || args.length > max) throw new TemplateError(`wrong number of arguments for ${head}`);
    return { t: 'call', fn: head, args };
  }
  if (/^[A-Za-z_]/.test(head)) throw new TemplateError(`function "${head}" not defined (supported: ${Object.keys(FUNCTIONS).join(', ')})`);
  const e = operand();
  if (pos !== toks.length) throw new TemplateError(`unexpected "${toks[pos]}" after operand (pipes and arguments are not supported)`);
  return e;
}

function unquote(t: string): string {
  if (t.startsWith('`')) return t.slice(1, -1);
  try {
    return JSON.parse(t) as string; // Go's interpreted string literal ⊇ JSON's for what configs use
  } catch {
    throw new TemplateError(`malformed string literal ${t}`);
  }
}

function tokenize(action: string): string[] {
  const toks: string[] = [];
  let i = 0;
  while (i < action.length) {
    const c = action[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')') {
      toks.push(c);
      i++;
    } else if (c === '"') {
      let j = i + 1;
      while (j < action.length && action[j] !== '"') j += action[j] === '\\' ? 2 : 1;
      if (j >= action.length) throw new TemplateError('unterminated string literal');
      toks.push(action.slice(i, j + 1));
      i = j + 1;
    } else if (c === '`') {
      const j = action.indexOf('`', i + 1);
      if (j < 0) throw new TemplateError('unterminated raw string literal');
      toks.push(action.slice(i, j + 1));
      i = j + 1;
    } else {
      let j = i;
      while (j < action.length && !/[\s()"`]/.test(action[j]!)) j++;
      const word = action.slice(i, j);
      if (/[|$:=,]/.test(word) || word.startsWith('/*')) throw new TemplateError(`unsupported template syntax "${word}"`);
      toks.push(word);
      i = j;
    }
  }
  return toks;
}

type Item = { kind: 'text'; text: string } | { kind: 'action'; text: string };

function lex(src: string): Item[] {
  const items: Item[] = [];
  let i = 0;
  let trimNext = false;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    let text = open < 0 ? src.slice(i) : src.slice(i, open);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (open < 0) {
      if (text) items.push({ kind: 'text', text });
      break;
    }
    let start = open + 2;
    if (src.startsWith('- ', start) || src.startsWith('-\t', start) || src.startsWith('-\n', start)) {
      text = text.replace(/\s+$/, '');
      start += 1;
    }
    if (text) items.push({ kind: 'text', text });
    const close = findClose(src, start);
    let end = close;
    trimNext = false;
    if (/\s-$/.test(src.slice(start, close))) {
      end = close - 1;
      trimNext = true;
    }
    items.push({ kind: 'action', text: src.slice(start, end) });
    i = close + 2;
  }
  return items;
}

/** Index of the "}}" closing the action at `from`, skipping string literals. */
function findClose(src: string, from: number): number {
  let i = from;
  while (i < src.length) {
    const c = src[i]!;
    if (c === '"') {
      i++;
      while (i < src.length && src[i] !== '"') i += src[i] === '\\' ? 2 : 1;
      i++;
    } else if (c === '`') {
      const j = src.indexOf('`', i + 1);
      if (j < 0) break;
      i = j + 1;
    } else if (src.startsWith('}}', i)) {
      return i;
    } else i++;
  }
  throw new TemplateError('unclosed action');
}
