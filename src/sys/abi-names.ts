/**
 * libbpf's names for the kernel's enum values (`hash`, `sched_cls`, `trace_fentry`, ...): the enum
 * key in lower case, as libbpf spells them. Derived from the generated ABI, so a new kernel's types
 * get their names with the regeneration. Aliases the kernel keeps for old names (`*_DEPRECATED`)
 * never win over the current name.
 */
export interface EnumNames {
  /** The name of `value`, or `type N` for a value this ABI doesn't know. */
  name(value: number): string;
  /** The value named `name`, or undefined. */
  value(name: string): number | undefined;
}

export function enumNames(ids: Readonly<Record<string, number>>): EnumNames {
  const names = new Map<number, string>();
  const values = new Map<string, number>();
  for (const [key, id] of Object.entries(ids)) {
    if (key.endsWith('_DEPRECATED')) continue;
    const name = key.toLowerCase();
    names.set(id, name);
    values.set(name, id);
  }
  return {
    name: (value) => names.get(value) ?? `type ${value}`,
    value: (name) => values.get(name),
  };
}
