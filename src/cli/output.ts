/**
 * Output options shared by every command: -j (compact JSON), -p (pretty JSON, which implies -j), as
 * bpftool has them. Pretty JSON follows bpftool's json_writer: four spaces of indent.
 */
export interface OutputOptions {
  json: boolean;
  pretty: boolean;
  debug: boolean;
  /** -f/--bpffs: show where objects are pinned (program.ts sets it once it has the global option). */
  bpffs?: boolean;
}

/** JSON as bpftool writes it; bigint values print as plain numbers, as bpftool prints u64s. */
export function toJson(value: unknown, pretty: boolean): string {
  const text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `__bigint__${v}` : v));
  const out = pretty ? prettyJson(JSON.parse(text) as unknown) : text;
  return out.replace(/"__bigint__(-?\d+)"/g, '$1');
}

/**
 * bpftool's json_writer in pretty mode: an object member starts a new line indented four spaces per
 * open object or array; array elements follow one another with a bare comma (an object element opens
 * on the line of the `[` or of the `},` before it); a non-empty object or array closes on a line of its
 * own at its opener's indent; empty ones are `{}` and `[]`.
 */
function prettyJson(value: unknown): string {
  let out = '';
  const write = (node: unknown, depth: number): void => {
    if (node === null || typeof node !== 'object') {
      out += JSON.stringify(node);
      return;
    }
    const close = `\n${'    '.repeat(depth)}`;
    if (Array.isArray(node)) {
      out += '[';
      node.forEach((item, i) => {
        if (i > 0) out += ',';
        write(item, depth + 1);
      });
      out += node.length > 0 ? `${close}]` : ']';
      return;
    }
    const members = Object.entries(node as Record<string, unknown>);
    const indent = `\n${'    '.repeat(depth + 1)}`;
    out += '{';
    members.forEach(([key, member], i) => {
      out += `${i > 0 ? ',' : ''}${indent}${JSON.stringify(key)}: `;
      write(member, depth + 1);
    });
    out += members.length > 0 ? `${close}}` : '}';
  };
  write(value, 0);
  return out;
}
