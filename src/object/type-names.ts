/**
 * A BTF type as a short C-like name for listings (`unsigned int`, `struct event`, `u64[4]`,
 * `const volatile unsigned int`): what a learner reads beside a variable, not a full declarator.
 */
import type { BtfSource } from '../btf/types.js';
import { BtfKind } from '../btf/types.js';

const MAX_DEPTH = 32;

export function simpleTypeName(btf: BtfSource, id: number, depth = 0): string {
  if (depth > MAX_DEPTH) return '...';
  const t = btf.type(id);
  const next = (target: number) => simpleTypeName(btf, target, depth + 1);
  switch (t.kind) {
    case BtfKind.Void: return 'void';
    case BtfKind.Int: case BtfKind.Float: case BtfKind.Typedef: return t.name || '(anon)';
    case BtfKind.Struct: return `struct ${t.name || '(anon)'}`;
    case BtfKind.Union: return `union ${t.name || '(anon)'}`;
    case BtfKind.Enum: case BtfKind.Enum64: return `enum ${t.name || '(anon)'}`;
    case BtfKind.Fwd: return `${t.union ? 'union' : 'struct'} ${t.name}`;
    case BtfKind.Pointer: return `${next(t.target)} *`;
    case BtfKind.Array: return `${next(t.elementType)}[${t.count}]`;
    case BtfKind.Const: return `const ${next(t.target)}`;
    case BtfKind.Volatile: return `volatile ${next(t.target)}`;
    case BtfKind.Restrict: return `${next(t.target)} restrict`;
    case BtfKind.TypeTag: return next(t.target);
    case BtfKind.Func: return `func ${t.name}`;
    case BtfKind.FuncProto: return 'function';
    case BtfKind.Var: return next(t.type);
    case BtfKind.Datasec: return `section ${t.name}`;
    case BtfKind.DeclTag: return next(t.target);
  }
}
