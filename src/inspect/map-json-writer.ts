/**
 * A streaming JSON writer with bpftool's json_writer behaviour, byte for byte: pretty mode breaks the line
 * only before an object member and before a closing bracket of a non-empty collection (so scalar arrays
 * stay on one line, `["0x01","0x02"\n]`), four spaces per level, and its own string escapes (a backslash
 * becomes `\n`, as bpftool 7.1 writes it). bpftool prints BTF-formatted map values in plain
 * mode through this writer, so plain text needs the same quirks as JSON.
 */
export class JsonWriter {
  readonly #pretty: boolean;
  #out = '';
  #depth = 0;
  /** The separator owed before the next value: '' at the start of a collection, ',' after a value. */
  #separator = '';

  constructor(pretty: boolean) {
    this.#pretty = pretty;
  }

  get text(): string {
    return this.#out;
  }

  /** Appends text that is not JSON (bpftool prints plain error lines inside a BTF dump's array). */
  raw(text: string): void {
    this.#out += text;
  }

  #endOfLine(): void {
    if (this.#pretty) this.#out += `\n${'    '.repeat(this.#depth)}`;
  }

  #endOfRecord(): void {
    this.#out += this.#separator;
    this.#separator = ',';
  }

  #begin(bracket: string): void {
    this.#endOfRecord();
    this.#out += bracket;
    this.#depth++;
    this.#separator = '';
  }

  #end(bracket: string): void {
    this.#depth--;
    if (this.#separator !== '') this.#endOfLine();
    this.#out += bracket;
    this.#separator = ',';
  }

  startObject(): void { this.#begin('{'); }
  endObject(): void { this.#end('}'); }
  startArray(): void { this.#begin('['); }
  endArray(): void { this.#end(']'); }

  name(name: string): void {
    this.#endOfRecord();
    this.#endOfLine();
    this.#separator = '';
    this.#out += `${quote(name)}:${this.#pretty ? ' ' : ''}`;
  }

  /** A value written verbatim (numbers, `true`, `null`, and the non-JSON tokens bpftool emits). */
  value(text: string): void {
    this.#endOfRecord();
    this.#out += text;
  }

  string(text: string): void {
    this.#endOfRecord();
    this.#out += quote(text);
  }

  field(name: string, text: string): void {
    this.name(name);
    this.value(text);
  }

  stringField(name: string, text: string): void {
    this.name(name);
    this.string(text);
  }
}

const ESCAPES: Readonly<Record<string, string>> = {
  '\t': '\\t', '\n': '\\n', '\r': '\\r', '\f': '\\f', '\b': '\\b', '\\': '\\n', '"': '\\"',
};

/** bpftool's jsonw_puts: C escapes only, the rest byte for byte. */
function quote(text: string): string {
  let out = '"';
  for (const char of text) out += ESCAPES[char] ?? char;
  return `${out}"`;
}
