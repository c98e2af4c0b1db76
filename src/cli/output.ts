/**
 * Output options shared by every command: -j (compact JSON), -p (pretty JSON, which implies -j), as
 * bpftool has them. Pretty JSON follows bpftool's json_writer: four spaces of indent.
 */
export interface OutputOptions {
  json: boolean;
  pretty: boolean;
  debug: boolean;
}

/** JSON as bpftool writes it; bigint values print as plain numbers, as bpftool prints u64s. */
export function toJson(value: unknown, pretty: boolean): string {
  const text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `__bigint__${v}` : v), pretty ? 4 : undefined);
  return text.replace(/"__bigint__(-?\d+)"/g, '$1');
}
