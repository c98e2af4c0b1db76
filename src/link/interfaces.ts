/** Network interfaces by name or index, as the xdp and tcx hooks take them. */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from '../errors.js';

/** The ifindex of `iface` (a name like `eth0`, or an index as is). */
export function interfaceIndex(iface: string | number): number {
  if (typeof iface === 'number') {
    if (!Number.isInteger(iface) || iface <= 0) throw new InvalidArgumentError(`interface index ${iface} is not a positive integer`);
    return iface;
  }
  try {
    return Number(readFileSync(`/sys/class/net/${iface}/ifindex`, 'utf8').trim());
  } catch {
    throw new InvalidArgumentError(`no network interface named '${iface}' in this network namespace`, 'list them with `ip link`');
  }
}
