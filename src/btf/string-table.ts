/**
 * A BTF string table being written: starts from an existing table's bytes (so every string keeps its
 * offset and write(parse(x)) reproduces x) and appends new strings at the end. Split BTF chains to its
 * base's table: a string the base has is referenced by the base's offset, as libbpf adds strings.
 */
const utf8 = new TextDecoder('utf-8');
const encoder = new TextEncoder();

export class StringTable {
  readonly base: StringTable | undefined;
  /** Offsets below this are the base's. */
  readonly start: number;
  #chunks: Uint8Array[];
  #length: number;
  #offsets: Map<string, number> | undefined;
  readonly #initial: Uint8Array;

  /** `initial`: this table's own bytes (the empty string first for a base table). */
  constructor(initial: Uint8Array = new Uint8Array(1), base?: StringTable) {
    this.base = base;
    this.start = base ? base.start + base.length : 0;
    this.#initial = initial;
    this.#chunks = [initial];
    this.#length = initial.length;
  }

  /** Bytes of this table's own part. */
  get length(): number {
    return this.#length;
  }

  /** Every string of the initial bytes by its first offset, built on first use. */
  #index(): Map<string, number> {
    if (this.#offsets) return this.#offsets;
    const offsets = new Map<string, number>();
    const bytes = this.#initial;
    for (let at = 0; at < bytes.length;) {
      let end = bytes.indexOf(0, at);
      if (end < 0) end = bytes.length;
      const text = utf8.decode(bytes.subarray(at, end));
      if (!offsets.has(text)) offsets.set(text, this.start + at);
      at = end + 1;
    }
    return (this.#offsets = offsets);
  }

  /** The offset of `text` if this table (or its base) has it. */
  find(text: string): number | undefined {
    if (text === '') return 0;
    return this.base?.find(text) ?? this.#index().get(text);
  }

  /** The offset of `text`, appending it when absent. 0 for the empty string. */
  add(text: string): number {
    const found = this.find(text);
    if (found !== undefined) return found;
    const bytes = encoder.encode(`${text}\0`);
    const offset = this.start + this.#length;
    this.#chunks.push(bytes);
    this.#length += bytes.length;
    this.#index().set(text, offset);
    return offset;
  }

  /** This table's own bytes. */
  bytes(): Uint8Array {
    if (this.#chunks.length === 1) return this.#chunks[0]!;
    const out = new Uint8Array(this.#length);
    let at = 0;
    for (const chunk of this.#chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    this.#chunks = [out];
    return out;
  }
}
